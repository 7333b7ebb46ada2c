"""REST views of conversations and history (the WebSocket endpoint: server/ws/endpoint.py)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from server.http.deps import ChatDep, User
from server.protocol.chat import Conversation, ConversationList, Directory, EventPage

router = APIRouter(prefix="/api/v1")

# Ids and sequence numbers are bounded as in the WebSocket protocol (server/protocol/ws.py), well
# inside 64 bits: a larger number names nothing, and past 2**63 the driver would raise
# OverflowError (a 500) instead of answering.
MAX_ROW_ID = 2**62
ConversationId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("/conversations", tags=["chat"])
async def list_conversations(who: User, svc: ChatDep) -> ConversationList:
    return ConversationList(conversations=await svc.conversations(who.user_id))


@router.get("/conversations/{conversation_id}", tags=["chat"])
async def get_conversation(
    conversation_id: ConversationId, who: User, svc: ChatDep
) -> Conversation:
    return await svc.get(who.user_id, conversation_id)


@router.get("/conversations/{conversation_id}/events", tags=["chat"])
async def history(
    conversation_id: ConversationId,
    who: User,
    svc: ChatDep,
    before: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EventPage:
    """A page of events: the newest ``limit`` below ``before``, or the oldest above ``after``."""
    return await svc.history(who.user_id, conversation_id, before=before, after=after, limit=limit)


@router.get("/users", tags=["chat"])
async def directory(_: User, svc: ChatDep) -> Directory:
    return Directory(users=await svc.directory())
