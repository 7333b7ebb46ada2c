"""What the chat connection announces: small past-tense events for the UI's adapters."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.chat.outbox import OutboxItem
from server.protocol.chat import Event


class ConnectionState(StrEnum):
    """The connection as the user sees it."""

    CONNECTING = "connecting"
    ONLINE = "online"  # signed in and synced: sends go out at once
    OFFLINE = "offline"  # waiting to try again (``retry_in``), or stopped


@dataclass(frozen=True, slots=True)
class ConnectionStateChanged:
    """The connection went online, is connecting, or went offline.

    Attributes:
        state: the new state.
        retry_in: seconds until the next attempt when offline, None when it will not retry.
        problem: a sentence for the user about why it is offline, or None.
    """

    state: ConnectionState
    retry_in: float | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectionEnded:
    """The connection stopped for good and will not retry by itself.

    Attributes:
        reason: ``signed_out`` (sign in again), ``certificate_changed``, ``stopped`` (the app
            closed it) or ``client_error`` (this app sent what the server cannot take).
        problem: a sentence for the user, or None when the app stopped it.
    """

    reason: str
    problem: str | None


@dataclass(frozen=True, slots=True)
class ConversationsUpdated:
    """The conversation list in the cache changed (after sync, or a create/join)."""

    conversation_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class EventStored:
    """A stored event (message, edit, reaction, membership...) is now in the cache."""

    event: Event


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """Someone else's new message arrived (for notifications and unread badges)."""

    event: Event


@dataclass(frozen=True, slots=True)
class SendQueued:
    """The user wrote something; it is in the outbox, pending (show it at once)."""

    item: OutboxItem


@dataclass(frozen=True, slots=True)
class SendAcked:
    """The server stored an outbox entry; it now has its seq.

    Attributes:
        item: the entry, state ``sent``.
        duplicate: the server had stored it before (a resend after a lost result).
    """

    item: OutboxItem
    duplicate: bool


@dataclass(frozen=True, slots=True)
class SendFailed:
    """The server refused an outbox entry for good.

    Attributes:
        item: the entry, state ``failed``.
        code: the error code.
        problem: a sentence for the user.
    """

    item: OutboxItem
    code: str
    problem: str


@dataclass(frozen=True, slots=True)
class TypingReceived:
    """Someone is typing: show it for ``expires_in`` seconds unless renewed."""

    conversation_id: int
    user_id: int
    expires_in: float


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    """Someone came online or went offline."""

    user_id: int
    online: bool


@dataclass(frozen=True, slots=True)
class ReadMarkerMoved:
    """A member's read marker moved forward (read receipts; our own clears the badge)."""

    conversation_id: int
    user_id: int
    seq: int


@dataclass(frozen=True, slots=True)
class UnknownEventReceived:
    """An event kind of a newer server version; kept for the log, otherwise ignored."""

    kind: str
    body: dict[str, Any]


ChatEvent = (
    ConnectionStateChanged
    | ConnectionEnded
    | ConversationsUpdated
    | EventStored
    | MessageReceived
    | SendQueued
    | SendAcked
    | SendFailed
    | TypingReceived
    | PresenceChanged
    | ReadMarkerMoved
    | UnknownEventReceived
)
