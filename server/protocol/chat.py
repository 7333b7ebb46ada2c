"""Conversations, members and events as they travel over REST and the WebSocket."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from server.protocol.common import Response, Role


class EventKind(StrEnum):
    CREATED = "created"
    MESSAGE = "message"
    EDIT = "edit"
    DELETE = "delete"
    REACTION = "reaction"
    MEMBER_ADDED = "member_added"
    MEMBER_REMOVED = "member_removed"
    MEMBER_LEFT = "member_left"
    UPDATED = "updated"  # name or topic
    ROLE_CHANGED = "role_changed"


class Event(Response):
    """One stored event. ``content`` depends on ``kind`` (see docs/protocol.md)."""

    conversation_id: int
    seq: int
    kind: EventKind
    sender_id: int | None
    client_id: str | None
    target_seq: int | None
    created_at: float
    content: dict[str, Any] | None
    edited_at: float | None = None
    deleted: bool = False
    reactions: dict[str, list[int]] | None = Field(
        default=None, description="history only: emoji -> user ids"
    )


class Member(Response):
    user_id: int
    role: Role
    read_seq: int


class Conversation(Response):
    id: int
    kind: str
    name: str
    topic: str
    avatar: str | None = Field(default=None, description="attachment id of the group's picture")
    last_seq: int
    members: list[Member]
    unread: int
    read_seq: int
    last_event: Event | None
    left: bool = False


class ConversationList(Response):
    conversations: list[Conversation]


class EventPage(Response):
    events: list[Event]
    has_more: bool


class Ack(Response):
    """The answer to a send, after commit: repeat sends of the same client_id get the same."""

    conversation_id: int
    seq: int
    created_at: float
    duplicate: bool = False


class DirectoryUser(Response):
    id: int
    username: str
    display_name: str
    online: bool | None


class Directory(Response):
    users: list[DirectoryUser]


class ConversationInvite(Response):
    token: str
    expires_at: float
