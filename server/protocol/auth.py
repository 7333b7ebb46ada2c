"""Accounts: login, tokens, sessions, password and two-factor requests and responses."""

from typing import Literal

from pydantic import Field

from server.protocol.common import (
    DeviceName,
    DisplayName,
    Password,
    Request,
    Response,
    Role,
    Username,
)


class UserInfo(Response):
    id: int
    username: str
    display_name: str
    role: Role
    totp_enabled: bool
    must_change_password: bool
    two_factor_required: bool = Field(
        default=False,
        description="the server requires two-step sign-in and this account has none yet: "
        "only enrolment works until it is on",
    )


class Tokens(Response):
    """What a successful login, second factor, registration or refresh returns."""

    status: Literal["ok"] = "ok"
    access_token: str
    access_expires_in: int = Field(description="seconds")
    refresh_token: str
    session_id: str
    user: UserInfo


class SecondFactorRequired(Response):
    status: Literal["second_factor_required"] = "second_factor_required"
    challenge: str = Field(description="present it with the code within 5 minutes")
    expires_in: int


class LoginRequest(Request):
    username: Username
    password: Password
    device_name: DeviceName = "Unknown device"


class SecondFactorRequest(Request):
    challenge: str = Field(max_length=512)
    code: str = Field(
        min_length=6,
        max_length=32,
        description="a TOTP code, a recovery code, or a one-time code from an admin",
    )


class RefreshRequest(Request):
    refresh_token: str = Field(max_length=256)


class RegisterRequest(Request):
    invite: str = Field(max_length=256)
    username: Username
    display_name: DisplayName
    password: Password
    device_name: DeviceName = "Unknown device"


class ChangePasswordRequest(Request):
    current_password: Password
    new_password: Password


class SessionInfo(Response):
    id: str
    device_name: str
    ip: str | None
    created_at: float
    last_seen_at: float
    current: bool


class SessionList(Response):
    sessions: list[SessionInfo]


class PasswordConfirm(Request):
    password: Password


class TotpEnrolment(Response):
    secret: str
    otpauth_uri: str = Field(description="render as a QR code for an authenticator app")


class TotpConfirmRequest(Request):
    code: str = Field(min_length=6, max_length=8)


class RecoveryCodes(Response):
    recovery_codes: list[str] = Field(description="each works once; shown only now")


class TotpDisableRequest(Request):
    password: Password
    code: str = Field(min_length=6, max_length=32)
