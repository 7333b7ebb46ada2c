"""Server description and setup (claiming)."""

from typing import Literal

from pydantic import Field

from server.protocol.auth import Tokens
from server.protocol.common import DeviceName, DisplayName, Password, Request, Response, Username


class Limits(Response):
    max_body_bytes: int
    password_min_length: int
    access_token_ttl_s: int
    max_group_size: int
    max_message_chars: int
    send_rate_per_s: float
    send_burst: int
    ws_max_frame_bytes: int
    max_file_bytes: int
    user_quota_bytes: int = Field(description="0: no quota")
    upload_chunk_bytes: int
    upload_expiry_s: int
    max_attachments_per_message: int
    max_image_pixels: int


class Features(Response):
    two_factor: bool = True
    registration: Literal["invite_only"] = "invite_only"
    typing: bool
    presence: bool


class ServerInfo(Response):
    name: str
    server_id: str
    version: str
    protocol_version: int
    state: Literal["unclaimed", "ready"]
    limits: Limits
    features: Features


class Health(Response):
    status: Literal["ok"] = "ok"


class SetupState(Response):
    state: Literal["unclaimed"] = "unclaimed"
    server_id: str


class AdminAccount(Request):
    username: Username
    display_name: DisplayName
    password: Password


class ClaimRequest(Request):
    setup_code: str = Field(min_length=1, max_length=64)
    server_name: DisplayName
    admin: AdminAccount
    device_name: DeviceName = "Unknown device"


class ClaimResult(Response):
    server: ServerInfo
    tokens: Tokens
