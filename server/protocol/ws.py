"""WebSocket frames: the auth phase, commands, results and events (``/api/v1/ws``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from server.protocol.common import DisplayName, Role
from server.protocol.files import AttachmentId

# Close codes the server uses (4000-4999 are for applications).
CLOSE_AUTH_FAILED = 4001
CLOSE_AUTH_TIMEOUT = 4002
CLOSE_SESSION_ENDED = 4003
CLOSE_TOO_SLOW = 4008
CLOSE_SHUTDOWN = 1001

ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w.:-]+$")]
ConversationId = Annotated[int, Field(ge=1, le=2**62)]
UserId = Annotated[int, Field(ge=1, le=2**62)]
Seq = Annotated[int, Field(ge=0, le=2**62)]
Emoji = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class Auth(BaseModel):
    """The first frame a client sends."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["auth"]
    access_token: str = Field(max_length=1024)


class Command(BaseModel):
    """Base of every command: a per-connection increasing ``id`` and a ``type``."""

    model_config = ConfigDict(extra="forbid")
    id: int = Field(ge=1, le=2**62)


class Ping(Command):
    type: Literal["ping"]


class Sync(Command):
    """Replay what the client missed, then go live. ``cursors`` maps conversation id to the last
    seq the client holds; for conversations it does not name, the newest ``recent`` events are
    sent (older ones come from ``history``)."""

    type: Literal["sync"]
    cursors: dict[ConversationId, Seq] = Field(default_factory=dict, max_length=10_000)
    recent: int = Field(default=50, ge=0, le=1000)


class SendMessage(Command):
    """``text`` may be empty when the message carries ``attachments`` (ids of the sender's own
    finished uploads)."""

    type: Literal["message/send"]
    conversation_id: ConversationId
    client_id: ClientId
    text: str = ""
    reply_to: Seq | None = None
    attachments: list[AttachmentId] = Field(default_factory=list, max_length=100)


class EditMessage(Command):
    type: Literal["message/edit"]
    conversation_id: ConversationId
    client_id: ClientId
    seq: Seq
    text: str = Field(min_length=1)


class DeleteMessage(Command):
    type: Literal["message/delete"]
    conversation_id: ConversationId
    client_id: ClientId
    seq: Seq


class React(Command):
    type: Literal["message/react"]
    conversation_id: ConversationId
    client_id: ClientId
    seq: Seq
    emoji: Emoji
    remove: bool = False


class MarkRead(Command):
    type: Literal["read/mark"]
    conversation_id: ConversationId
    seq: Seq


class Typing(Command):
    type: Literal["typing"]
    conversation_id: ConversationId


class History(Command):
    type: Literal["history"]
    conversation_id: ConversationId
    before: Seq | None = None
    after: Seq | None = None
    limit: int = Field(default=50, ge=1, le=200)


class ListConversations(Command):
    type: Literal["conversation/list"]


class GetConversation(Command):
    type: Literal["conversation/get"]
    conversation_id: ConversationId


class CreateDirect(Command):
    type: Literal["conversation/create_direct"]
    user_id: UserId


class CreateGroup(Command):
    type: Literal["conversation/create_group"]
    name: DisplayName
    topic: str = Field(default="", max_length=500)
    member_ids: list[UserId] = Field(default_factory=list, max_length=10_000)


class AddMembers(Command):
    type: Literal["conversation/add_members"]
    conversation_id: ConversationId
    user_ids: list[UserId] = Field(min_length=1, max_length=10_000)


class RemoveMember(Command):
    type: Literal["conversation/remove_member"]
    conversation_id: ConversationId
    user_id: UserId


class Leave(Command):
    type: Literal["conversation/leave"]
    conversation_id: ConversationId


class UpdateConversation(Command):
    type: Literal["conversation/update"]
    conversation_id: ConversationId
    name: DisplayName | None = None
    topic: str | None = Field(default=None, max_length=500)
    avatar: str | None = Field(
        default=None,
        max_length=64,
        description="an image attachment of yours for the group's picture; empty removes it",
    )


class SetMemberRole(Command):
    """``owner`` hands ownership over (the old owner becomes an admin)."""

    type: Literal["conversation/set_role"]
    conversation_id: ConversationId
    user_id: UserId
    role: Role


class CreateConversationInvite(Command):
    type: Literal["conversation/create_invite"]
    conversation_id: ConversationId
    expires_in_hours: int = Field(default=72, ge=1, le=24 * 30)


class JoinConversation(Command):
    type: Literal["conversation/join"]
    token: str = Field(min_length=1, max_length=256)


class ListUsers(Command):
    type: Literal["users/list"]
