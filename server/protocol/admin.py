"""Administration: users, invites and the audit log."""

from pydantic import Field

from server.protocol.common import DisplayName, Request, Response, Role, Username


class AdminUser(Response):
    id: int
    username: str
    display_name: str
    role: Role
    disabled: bool
    totp_enabled: bool
    must_change_password: bool
    created_at: float
    last_login_at: float | None
    locked_until: float | None


class AdminUserList(Response):
    users: list[AdminUser]


class CreateUserRequest(Request):
    username: Username
    display_name: DisplayName
    role: Role = Role.MEMBER


class OneTimeSecret(Response):
    """A code to hand over in person; it is never shown again."""

    user: AdminUser
    one_time_code: str
    expires_in: int | None = None


class SetRoleRequest(Request):
    role: Role


class CreateInviteRequest(Request):
    role: Role = Role.MEMBER
    expires_in_hours: int = Field(default=72, ge=1, le=24 * 30)
    note: str = Field(default="", max_length=200)


class InviteInfo(Response):
    id: str
    role: Role
    note: str
    created_at: float
    expires_at: float
    used_at: float | None
    used_by: int | None
    revoked_at: float | None


class CreatedInvite(Response):
    invite: InviteInfo
    token: str
    link: str = Field(description="roost://join?... carrying addresses and the fingerprint")


class InviteList(Response):
    invites: list[InviteInfo]


class AuditEntry(Response):
    id: int
    at: float
    actor_id: int | None
    action: str
    target_id: int | None
    ip: str | None
    detail: dict[str, object]


class AuditLog(Response):
    entries: list[AuditEntry]
