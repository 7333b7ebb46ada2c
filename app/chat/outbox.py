"""The outbox: what the user sent, kept until the server has stored it (protocol 15.2).

Each entry is one of the four resendable commands with its ``client_id`` (a UUID made once,
here). It is ``pending`` until acknowledged, then ``sent`` with the seq the server gave it, or
``failed`` when the server refused it for good. Pending entries survive a restart of the app
(they live in the account's cache file) and are resent with the same ``client_id`` after every
reconnect; the server stores each one exactly once.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.chat.cache import CachedAttachment, ChatCache, attachments_from
from server.protocol.chat import Event, EventKind
from server.protocol.errors import ErrorCode

# The commands that carry a client_id and may be resent (protocol 15.2).
RESENDABLE = frozenset({"message/send", "message/edit", "message/delete", "message/react"})

# What a message event's content shows of each attachment (protocol 23.2); the outbox keeps
# these for the local copy, and sends only the ids.
ATTACHMENT_FIELDS = (
    "id",
    "name",
    "size",
    "mime",
    "sha256",
    "width",
    "height",
    "duration",
    "thumbnail",
)

# Refusals that sending again cannot fix: tell the user (protocol 15.2 and 6.3).
FINAL_CODES = frozenset(
    {
        ErrorCode.MESSAGE_TOO_LONG,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.NOT_AUTHOR,
        ErrorCode.FORBIDDEN,
        ErrorCode.CONVERSATION_NOT_FOUND,
        ErrorCode.MESSAGE_NOT_FOUND,
        ErrorCode.NOT_A_MEMBER,
        ErrorCode.UNKNOWN_COMMAND,
        ErrorCode.FEATURE_DISABLED,
        ErrorCode.ATTACHMENT_NOT_FOUND,
        ErrorCode.TOO_MANY_ATTACHMENTS,
        ErrorCode.FRAME_TOO_LARGE,
    }
)


class OutboxState(StrEnum):
    """What the user sees next to a message they wrote."""

    PENDING = "pending"  # not yet stored by the server (offline, or on its way)
    SENT = "sent"  # stored, with its seq
    FAILED = "failed"  # refused for good; ``error_code`` says why


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One command the user gave.

    Attributes:
        client_id: the command's ``client_id`` (a UUID), the same on every resend.
        conversation_id: where it goes.
        command: ``message/send``, ``message/edit``, ``message/delete`` or ``message/react``.
        body: the command's other fields (``text``, ``seq``, ``emoji``...). A send's
            ``attachments`` are kept as the server described them (``{"id", "name", ...}``) so
            that the local copy can show them; only their ids go on the wire.
        state: pending, sent or failed.
        seq: the stored event's seq, once sent.
        error_code: why it failed, once failed.
        created_at: when the user wrote it (local clock), for ordering and display.
    """

    client_id: str
    conversation_id: int
    command: str
    body: dict[str, Any]
    state: OutboxState
    seq: int | None
    error_code: str | None
    created_at: float

    @property
    def text(self) -> str | None:
        """The text of a send or an edit."""
        text = self.body.get("text")
        return text if isinstance(text, str) else None

    @property
    def attachment_ids(self) -> tuple[str, ...]:
        """The ids of the files a send carries, in order."""
        return tuple(str(a["id"]) for a in self.body.get("attachments", ()))

    @property
    def attachments(self) -> tuple[CachedAttachment, ...]:
        """The files a send carries, for showing it before the server stored it (an id given
        without its description is left out)."""
        return attachments_from(self.body.get("attachments"))

    def fields(self) -> dict[str, Any]:
        """The command's fields as they go on the wire (without ``id`` and ``type``)."""
        wire = {"conversation_id": self.conversation_id, "client_id": self.client_id, **self.body}
        if "attachments" in wire:
            wire["attachments"] = list(self.attachment_ids)
        return wire

    def as_event(self, sender_id: int, seq: int, created_at: float) -> Event:
        """The event the server stored for this command, to file locally (protocol 15.3)."""
        kind, content, target = {
            "message/send": (
                EventKind.MESSAGE,
                self._sent_content(),
                self.body.get("reply_to"),
            ),
            "message/edit": (EventKind.EDIT, {"text": self.body.get("text")}, self.body.get("seq")),
            "message/delete": (EventKind.DELETE, {}, self.body.get("seq")),
            "message/react": (
                EventKind.REACTION,
                {
                    "emoji": self.body.get("emoji"),
                    "op": "remove" if self.body.get("remove") else "add",
                },
                self.body.get("seq"),
            ),
        }[self.command]
        return Event(
            conversation_id=self.conversation_id,
            seq=seq,
            kind=kind,
            sender_id=sender_id,
            client_id=self.client_id,
            target_seq=target if isinstance(target, int) else None,
            created_at=created_at,
            content=content,
        )

    def _sent_content(self) -> dict[str, Any]:
        """A send's content as the server stores it: descriptions trimmed to the 23.2 fields."""
        content = {k: v for k, v in self.body.items() if k in ("text", "reply_to")}
        if "attachments" in self.body:
            content["attachments"] = [
                {k: a[k] for k in ATTACHMENT_FIELDS if k in a} for a in self.body["attachments"]
            ]
        return content


class Outbox:
    """The outbox of one account, stored in its cache file.

    Args:
        cache: the account's cache (same database, so an acknowledgement files the event and
            marks the entry sent in one transaction).
        new_client_id: makes client ids (tests may pass a predictable one).
        clock: the local time for ``created_at``.
    """

    def __init__(
        self,
        cache: ChatCache,
        *,
        new_client_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._cache = cache
        self._new_client_id = new_client_id
        self._clock = clock

    def add(
        self,
        conversation_id: int,
        command: str,
        body: dict[str, Any],
        *,
        client_id: str | None = None,
    ) -> OutboxItem:
        """Stores a new pending command.

        Args:
            client_id: the caller's own client id, for a command that must be queued at most
                once (a message whose files were uploaded first); when the outbox holds it
                already, that entry is returned and nothing is added.

        Raises:
            ValueError: not one of the resendable commands, ``body`` names the conversation
                or the client id itself (the outbox sets those), or an attachment has no id.
        """
        if command not in RESENDABLE:
            raise ValueError(f"{command!r} is not a command the outbox can resend")
        if {"conversation_id", "client_id", "id", "type"} & body.keys():
            raise ValueError("the outbox sets id, type, conversation_id and client_id itself")
        files = body.get("attachments", [])
        if not isinstance(files, list) or not all(
            isinstance(a, dict) and isinstance(a.get("id"), str) and a["id"] for a in files
        ):
            raise ValueError("attachments must be descriptions with an id")
        if client_id is not None:
            existing = self.get(client_id)
            if existing is not None:
                return existing
        item = OutboxItem(
            client_id=client_id or self._new_client_id(),
            conversation_id=conversation_id,
            command=command,
            body=dict(body),
            state=OutboxState.PENDING,
            seq=None,
            error_code=None,
            created_at=self._clock(),
        )
        with self._cache.transaction() as db:
            db.execute(
                "INSERT INTO outbox (client_id, conversation_id, command, body, state, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    item.client_id,
                    conversation_id,
                    command,
                    json.dumps(item.body),
                    item.state,
                    item.created_at,
                ),
            )
        return item

    def get(self, client_id: str) -> OutboxItem | None:
        row = self._cache.db.execute(
            "SELECT * FROM outbox WHERE client_id = ?", (client_id,)
        ).fetchone()
        return None if row is None else _item(row)

    def pending(self) -> list[OutboxItem]:
        """Every pending entry, in the order the user gave them (the resend order)."""
        rows = self._cache.db.execute(
            "SELECT * FROM outbox WHERE state = 'pending' ORDER BY position"
        ).fetchall()
        return [_item(r) for r in rows]

    def items(self, conversation_id: int, *, include_sent: bool = False) -> list[OutboxItem]:
        """The entries of one conversation to show (pending and failed; sent ones too if asked).

        Sent entries are in the cache as events already; the UI shows those.
        """
        rows = self._cache.db.execute(
            "SELECT * FROM outbox WHERE conversation_id = ? AND (? OR state != 'sent') "
            "ORDER BY position",
            (conversation_id, include_sent),
        ).fetchall()
        return [_item(r) for r in rows]

    def acknowledged(
        self, client_id: str, *, seq: int, created_at: float, sender_id: int
    ) -> tuple[OutboxItem, Event | None] | None:
        """The server stored the command: file its event in the cache and mark it sent.

        Idempotent: a second acknowledgement (a resend's ``duplicate: true``, or the replay
        bringing our own event first) changes nothing more.

        Returns:
            The entry as it is now and the event filed for it (None when the cache held that
            event already), or None when the client id is not in the outbox.
        """
        item = self.get(client_id)
        if item is None:
            return None
        event = item.as_event(sender_id, seq, created_at)
        with self._cache.transaction() as db:
            stored = self._cache.apply_event(event)
            db.execute(
                "UPDATE outbox SET state = 'sent', seq = ?, error_code = NULL WHERE client_id = ?",
                (seq, client_id),
            )
        now = self.get(client_id)
        assert now is not None  # same transaction's row; nothing deletes sent entries
        return now, event if stored else None

    def mark_sent_without_seq(self, client_id: str) -> None:
        """A resent delete answered ``message_not_found``: the first try went through."""
        self._cache.db.execute(
            "UPDATE outbox SET state = 'sent' WHERE client_id = ? AND state = 'pending'",
            (client_id,),
        )

    def failed(self, client_id: str, code: str) -> OutboxItem | None:
        """The server refused the command for good."""
        self._cache.db.execute(
            "UPDATE outbox SET state = 'failed', error_code = ? WHERE client_id = ? "
            "AND state = 'pending'",
            (code, client_id),
        )
        return self.get(client_id)

    def retry(self, client_id: str) -> OutboxItem | None:
        """Puts a failed entry back to pending (the user pressed "try again")."""
        self._cache.db.execute(
            "UPDATE outbox SET state = 'pending', error_code = NULL WHERE client_id = ? "
            "AND state = 'failed'",
            (client_id,),
        )
        return self.get(client_id)

    def discard(self, client_id: str) -> bool:
        """Drops a failed entry (the user gave up on it). Pending and sent ones stay.

        Returns:
            Whether an entry was dropped.
        """
        cur = self._cache.db.execute(
            "DELETE FROM outbox WHERE client_id = ? AND state = 'failed'", (client_id,)
        )
        return cur.rowcount > 0


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        client_id=row["client_id"],
        conversation_id=row["conversation_id"],
        command=row["command"],
        body=json.loads(row["body"]),
        state=OutboxState(row["state"]),
        seq=row["seq"],
        error_code=row["error_code"],
        created_at=row["created_at"],
    )
