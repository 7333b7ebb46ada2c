"""Admin endpoints for the server's settings and message retention."""

from typing import Annotated

from fastapi import APIRouter, Path

from server.http.deps import AdminUser, IpDep, RuntimeDep
from server.protocol.settings import (
    ConversationRetentionList,
    RetentionRun,
    ServerSettings,
    SetConversationRetention,
    SettingsUpdate,
)

router = APIRouter(prefix="/api/v1/admin/settings", tags=["admin"])

ConversationId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("")
async def get_settings(_: AdminUser, rt: RuntimeDep) -> ServerSettings:
    return rt.options.get()


@router.put("")
async def update_settings(
    body: SettingsUpdate, who: AdminUser, rt: RuntimeDep, ip: IpDep
) -> ServerSettings:
    """The whole form, every field; a bad value changes nothing. Applied at once."""
    return await rt.options.update(who, body, ip)


@router.get("/retention/conversations")
async def conversation_retention(_: AdminUser, rt: RuntimeDep) -> ConversationRetentionList:
    return ConversationRetentionList(conversations=rt.options.list_conversation_retention())


@router.put("/retention/conversations/{conversation_id}")
async def set_conversation_retention(
    conversation_id: ConversationId,
    body: SetConversationRetention,
    who: AdminUser,
    rt: RuntimeDep,
    ip: IpDep,
) -> ConversationRetentionList:
    items = await rt.options.set_conversation_retention(who, conversation_id, body.days, ip)
    return ConversationRetentionList(conversations=items)


@router.delete("/retention/conversations/{conversation_id}")
async def clear_conversation_retention(
    conversation_id: ConversationId, who: AdminUser, rt: RuntimeDep, ip: IpDep
) -> ConversationRetentionList:
    """The conversation follows the server's retention again."""
    items = await rt.options.set_conversation_retention(who, conversation_id, None, ip)
    return ConversationRetentionList(conversations=items)


@router.post("/retention/run")
async def run_retention(_: AdminUser, rt: RuntimeDep) -> RetentionRun:
    """Apply the retention now (it also runs by itself every hour)."""
    return await rt.options.run_retention()
