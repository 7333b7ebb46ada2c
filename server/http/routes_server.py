"""Public endpoints: health, the server's description, and claiming a fresh server."""

from fastapi import APIRouter

from server import __version__
from server.http.deps import AccountsDep, IpDep, RuntimeDep
from server.protocol import PROTOCOL_VERSION
from server.protocol.server import (
    ClaimRequest,
    ClaimResult,
    Features,
    Health,
    Limits,
    ServerInfo,
    SetupState,
)
from server.runtime import Runtime
from server.services import setup
from server.services.secrets import Passwords

router = APIRouter()


def server_info(rt: Runtime) -> ServerInfo:
    return ServerInfo(
        name=rt.name,
        server_id=rt.server_id,
        version=__version__,
        protocol_version=PROTOCOL_VERSION,
        state=rt.state,
        limits=Limits(
            max_body_bytes=rt.settings.max_body_bytes,
            password_min_length=Passwords.MIN_LENGTH,
            access_token_ttl_s=rt.settings.access_token_ttl_s,
            max_group_size=rt.settings.max_group_size,
            max_message_chars=rt.settings.max_message_chars,
            send_rate_per_s=rt.settings.send_rate_per_s,
            send_burst=rt.settings.send_burst,
            ws_max_frame_bytes=rt.settings.ws_max_frame_bytes,
            max_file_bytes=rt.settings.max_file_bytes,
            user_quota_bytes=rt.settings.user_quota_bytes,
            upload_chunk_bytes=rt.settings.upload_chunk_bytes,
            upload_expiry_s=rt.settings.upload_expiry_hours * 3600,
            max_attachments_per_message=rt.settings.max_attachments_per_message,
            max_image_pixels=rt.settings.max_image_pixels,
        ),
        features=Features(typing=rt.settings.typing_enabled, presence=rt.settings.presence_enabled),
    )


@router.get("/healthz", tags=["server"])
async def healthz() -> Health:
    return Health()


@router.get("/api/v1/server", tags=["server"])
async def get_server(rt: RuntimeDep) -> ServerInfo:
    return server_info(rt)


@router.get("/api/v1/setup", tags=["setup"])
async def get_setup(rt: RuntimeDep) -> SetupState:
    """Answers only while the server is unclaimed; 404 ``already_claimed`` afterwards."""
    if rt.state != "unclaimed":
        raise setup.already_claimed()
    return SetupState(server_id=rt.server_id)


@router.post("/api/v1/setup/claim", tags=["setup"])
async def post_claim(
    body: ClaimRequest, rt: RuntimeDep, svc: AccountsDep, ip: IpDep
) -> ClaimResult:
    tokens = await setup.claim(
        rt,
        svc,
        setup_code=body.setup_code,
        server_name=body.server_name,
        username=body.admin.username,
        display_name=body.admin.display_name,
        password=body.admin.password,
        device_name=body.device_name,
        ip=ip,
    )
    return ClaimResult(server=server_info(rt), tokens=tokens)
