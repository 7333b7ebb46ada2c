"""Names for user ids: the server's user directory (protocol 16.6), as the chat shows people.

The list is kept in the account's cache, so senders and conversation titles have their names
at start-up and offline; it is read again whenever the connection comes online, and when an
event names someone the list does not know yet (a new member, a new account), or when a
conversation new to us appears (its members' presence was not sent to us before).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from app.chat.connection import ChatConnection, ChatOffline, CommandRefused
from app.chat.events import (
    ChatEvent,
    ConnectionState,
    ConnectionStateChanged,
    ConversationsUpdated,
    EventStored,
    PresenceChanged,
)
from app.events import Emitter
from server.protocol.chat import EventKind

log = logging.getLogger(__name__)

_META_KEY = "directory"
# Stored events after which we share a conversation with someone new.
_COMPANY_KINDS = frozenset({EventKind.CREATED, EventKind.MEMBER_ADDED})
# A name we cannot resolve asks the server again, but not more often than this.
UNKNOWN_RETRY_S = 30.0


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    """Someone with an account on the server.

    Attributes:
        online: True or False as the server last said; None when the owner switched presence
            off (show nothing rather than "offline").
    """

    id: int
    username: str
    display_name: str
    online: bool | None


class Directory:
    """Everyone on one server, by id, kept current from one account's connection.

    Attributes:
        changed: emitted (with None) after names or presence changed.
    """

    def __init__(self, connection: ChatConnection) -> None:
        self._connection = connection
        self.changed: Emitter[None] = Emitter()
        self._users: dict[int, DirectoryUser] = _load(connection.cache.get_meta(_META_KEY))
        self._refreshing: asyncio.Task[None] | None = None
        self._asked_unknown_at = 0.0
        # Presence comes only from people we share a conversation with (protocol 17.4): a
        # conversation new to us brings people whose presence we have not been told.
        self._conversations_seen = {c.id for c in connection.cache.conversations()}
        self._unsubscribe: Callable[[], None] | None = connection.events.subscribe(self._on)

    def close(self) -> None:
        """Stops following the connection."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._refreshing is not None:
            self._refreshing.cancel()

    # --- reading ----------------------------------------------------------------------------

    def users(self) -> list[DirectoryUser]:
        """Everyone, by display name (case-insensitive), then username."""
        return sorted(self._users.values(), key=lambda u: (u.display_name.casefold(), u.username))

    def get(self, user_id: int | None) -> DirectoryUser | None:
        return None if user_id is None else self._users.get(user_id)

    def name(self, user_id: int | None) -> str:
        """The name to show for a sender or member.

        Events without a sender come from the server itself; ids the directory does not hold
        are disabled or deleted accounts (protocol 16.6).
        """
        if user_id is None:
            return QCoreApplication.translate("Directory", "Roost")
        user = self._users.get(user_id)
        if user is None:
            self._ask_about_unknown()
            return QCoreApplication.translate("Directory", "Deleted user")
        return user.display_name or user.username

    def online(self, user_id: int) -> bool | None:
        user = self._users.get(user_id)
        return None if user is None else user.online

    # --- keeping it current -----------------------------------------------------------------

    async def refresh(self) -> None:
        """Reads the whole list from the server (needs the connection online).

        Raises:
            ChatOffline: not online.
            CommandRefused: the server refused (it should not).
        """
        result = await self._connection.request("users/list")
        users = {}
        for raw in result.get("users", []):
            try:
                user = DirectoryUser(
                    id=int(raw["id"]),
                    username=str(raw["username"]),
                    display_name=str(raw.get("display_name") or raw["username"]),
                    online=raw.get("online") if isinstance(raw.get("online"), bool) else None,
                )
            except (KeyError, TypeError, ValueError):
                log.warning("skipping a malformed directory entry: %r", raw)
                continue
            users[user.id] = user
        self._users = users
        self._connection.cache.set_meta(_META_KEY, _dump(users))
        self.changed.emit(None)

    def _refresh_soon(self) -> None:
        if self._refreshing is not None and not self._refreshing.done():
            return
        self._refreshing = asyncio.get_running_loop().create_task(
            self._refresh_quietly(), name="directory-refresh"
        )

    async def _refresh_quietly(self) -> None:
        try:
            await self.refresh()
        except (ChatOffline, CommandRefused) as exc:
            # The next time the connection comes online tries again.
            log.info("could not read the user directory: %s", exc)

    def _new_company(self, event: ChatEvent) -> bool:
        """Whether we now share a conversation with people we may not have had presence of."""
        if isinstance(event, ConversationsUpdated):
            fresh = not self._conversations_seen.issuperset(event.conversation_ids)
            self._conversations_seen.update(event.conversation_ids)
            return fresh
        return isinstance(event, EventStored) and event.event.kind in _COMPANY_KINDS

    def _ask_about_unknown(self) -> None:
        now = time.monotonic()
        if self._connection.state is not ConnectionState.ONLINE:
            return
        if now - self._asked_unknown_at < UNKNOWN_RETRY_S:
            return
        self._asked_unknown_at = now
        self._refresh_soon()

    def _on(self, event: ChatEvent) -> None:
        if isinstance(event, ConnectionStateChanged) and event.state is ConnectionState.ONLINE:
            self._refresh_soon()
        elif isinstance(event, PresenceChanged):
            user = self._users.get(event.user_id)
            if user is not None and user.online != event.online:
                self._users[user.id] = DirectoryUser(
                    user.id, user.username, user.display_name, event.online
                )
                self.changed.emit(None)
        elif self._new_company(event):
            self._refresh_soon()
        elif isinstance(event, ConversationsUpdated | EventStored) and any(
            uid not in self._users for uid in _people_in(self._connection, event)
        ):
            self._ask_about_unknown()


def _people_in(connection: ChatConnection, event: ConversationsUpdated | EventStored) -> set[int]:
    if isinstance(event, EventStored):
        sender = event.event.sender_id
        return set() if sender is None else {sender}
    ids: set[int] = set()
    for cid in event.conversation_ids:
        conversation = connection.cache.conversation(cid)
        if conversation is not None:
            ids.update(m.user_id for m in conversation.members)
    return ids


def _dump(users: dict[int, DirectoryUser]) -> str:
    return json.dumps(
        [[u.id, u.username, u.display_name] for u in users.values()], ensure_ascii=False
    )


def _load(text: str | None) -> dict[int, DirectoryUser]:
    """What the cache held; presence is not kept (it is stale by the next start)."""
    if not text:
        return {}
    try:
        rows = json.loads(text)
        return {int(r[0]): DirectoryUser(int(r[0]), str(r[1]), str(r[2]), None) for r in rows}
    except (ValueError, TypeError, IndexError):
        return {}  # a damaged entry: the next refresh writes it again
