"""The local copy of one account's chat: conversations, events, cursors, read markers, search.

One SQLite file per account (``<data>/cache/<server_id>-<username>.db``) so the app opens with
its history at once, offline too. Events are stored by (conversation, seq) and applied once
each, as protocol 17.3 says; the cursors of protocol 15.5 are kept with them in the same
transaction, so a crash can never leave a cursor ahead of the events it claims.

The calls are synchronous on purpose: each is a handful of small statements on a local WAL
database (well under a millisecond), and running them in worker threads would let two events
of one conversation be applied out of order.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.paths import AppPaths
from server.protocol.chat import Conversation, Event, EventKind

# Bump when the schema changes. The cache only holds what the server can send again, so an
# older (or newer) file is dropped and rebuilt rather than migrated.
SCHEMA_VERSION = 2

# FTS5's trigram tokenizer indexes every run of 3 characters, which finds Chinese words
# (written without spaces) as well as English ones. Shorter queries, common in Chinese (世界),
# cannot use the index; they fall back to LIKE over the stored text.
MIN_INDEXED_QUERY = 3

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL DEFAULT '',
    avatar TEXT,
    last_seq INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0,
    read_seq INTEGER NOT NULL DEFAULT 0,
    members TEXT NOT NULL DEFAULT '[]',
    left_ INTEGER NOT NULL DEFAULT 0,
    last_activity REAL NOT NULL DEFAULT 0
);
CREATE TABLE events (
    rowid INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    sender_id INTEGER,
    client_id TEXT,
    target_seq INTEGER,
    created_at REAL NOT NULL,
    content TEXT,
    text TEXT,
    edited_at REAL,
    deleted INTEGER NOT NULL DEFAULT 0,
    reactions TEXT NOT NULL DEFAULT '{}',
    UNIQUE (conversation_id, seq)
);
CREATE INDEX events_messages ON events (conversation_id, kind, seq);
CREATE TABLE cursors (conversation_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE outbox (
    position INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    conversation_id INTEGER NOT NULL,
    command TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    seq INTEGER,
    error_code TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE upload_batches (
    id TEXT PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    reply_to INTEGER,
    created_at REAL NOT NULL
);
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES upload_batches (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    sha256 TEXT,
    upload_id TEXT,
    attachment TEXT,
    failure TEXT
);
CREATE VIRTUAL TABLE message_fts USING fts5(text, tokenize = 'trigram');
"""

_USERNAME_UNSAFE = re.compile(r"[^\w.-]")


@dataclass(frozen=True, slots=True)
class Member:
    """A member as the cache knows them."""

    user_id: int
    role: str
    read_seq: int


@dataclass(frozen=True, slots=True)
class CachedConversation:
    """A conversation in the list.

    Attributes:
        id: the conversation id.
        kind: ``direct`` or ``group``.
        name: the group's name ("" for a direct conversation: show the other member's name).
        topic: the group's topic.
        last_seq: the newest seq known.
        unread: unread messages, as the server last counted them plus those since.
        read_seq: our read marker.
        members: current members with roles and read markers (read receipts).
        left: we left or were removed.
        last_activity: time of the newest event (for sorting), 0 when none.
        preview: the newest message's text, or None.
    """

    id: int
    kind: str
    name: str
    topic: str
    last_seq: int
    unread: int
    read_seq: int
    members: tuple[Member, ...]
    left: bool
    last_activity: float
    preview: str | None


@dataclass(frozen=True, slots=True)
class CachedAttachment:
    """A file a message carries, as the message event describes it (protocol 23.2).

    Attributes:
        id: the attachment id, for downloading its content or thumbnail.
        width, height: as displayed, for images and video; None otherwise or when unknown.
        duration: seconds, for audio and video when the server could tell.
        thumbnail: whether the server made thumbnails (images, and video with ffmpeg).
    """

    id: str
    name: str
    size: int
    mime: str
    sha256: str
    width: int | None
    height: int | None
    duration: float | None
    thumbnail: bool


@dataclass(frozen=True, slots=True)
class CachedMessage:
    """A message in its current state (edits, deletion and reactions applied).

    Attributes:
        text: the text, or None once deleted.
        reply_to: the seq this message answers, or None.
        reactions: emoji → the ids of the users who reacted.
        attachments: the files it carries, in the sender's order (none once deleted).
    """

    conversation_id: int
    seq: int
    sender_id: int | None
    client_id: str | None
    text: str | None
    reply_to: int | None
    created_at: float
    edited_at: float | None
    deleted: bool
    reactions: dict[str, list[int]]
    attachments: tuple[CachedAttachment, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A message that matched a search."""

    conversation_id: int
    seq: int
    sender_id: int | None
    text: str
    created_at: float


def cache_path(paths: AppPaths, server_id: str, username: str) -> Path:
    """Where one account's cache lives."""
    safe = _USERNAME_UNSAFE.sub("_", username)
    return paths.data / "cache" / f"{_USERNAME_UNSAFE.sub('_', server_id)}-{safe}.db"


def _text_of(kind: str, content: dict[str, Any] | None) -> str | None:
    if kind != EventKind.MESSAGE or content is None:
        return None
    text = content.get("text")
    return text if isinstance(text, str) else None


class ChatCache:
    """One account's local chat database.

    Attributes:
        path: the database file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode keeps the file consistent on power loss; the last events may be
        # lost, and the next sync brings them back.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._ensure_schema()

    @classmethod
    def for_account(cls, paths: AppPaths, server_id: str, username: str) -> ChatCache:
        """Opens (creating if needed) the cache of one account."""
        return cls(cache_path(paths, server_id, username))

    def _ensure_schema(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version == SCHEMA_VERSION:
            return
        with self.transaction():
            if version != 0:
                tables = [
                    r[0]
                    for r in self._db.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'message_fts_%'"
                    )
                ]
                for table in tables:
                    self._db.execute(f'DROP TABLE IF EXISTS "{table}"')
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Closes the database."""
        self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work (nested calls join the outer one)."""
        if self._db.in_transaction:
            yield self._db
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- small facts ----------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def user_id(self) -> int | None:
        """Our user id on this server, once a connection has told us."""
        value = self.get_meta("user_id")
        return int(value) if value is not None else None

    # --- conversations --------------------------------------------------------------------

    def store_conversations(self, conversations: Iterable[Conversation]) -> None:
        """Brings the list up to date from ``sync`` or ``conversation/list`` (protocol 15.4)."""
        with self.transaction() as db:
            for c in conversations:
                members = json.dumps(
                    [
                        {"user_id": m.user_id, "role": m.role, "read_seq": m.read_seq}
                        for m in c.members
                    ]
                )
                activity = c.last_event.created_at if c.last_event is not None else 0.0
                db.execute(
                    "INSERT INTO conversations (id, kind, name, topic, avatar, last_seq, unread, "
                    "read_seq, members, left_, last_activity) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                    "kind = excluded.kind, name = excluded.name, topic = excluded.topic, "
                    "avatar = excluded.avatar, last_seq = max(last_seq, excluded.last_seq), "
                    "unread = excluded.unread, read_seq = excluded.read_seq, "
                    "members = excluded.members, left_ = excluded.left_, "
                    "last_activity = max(last_activity, excluded.last_activity)",
                    (
                        c.id,
                        c.kind,
                        c.name,
                        c.topic,
                        c.avatar,
                        c.last_seq,
                        c.unread,
                        c.read_seq,
                        members,
                        int(c.left),
                        activity,
                    ),
                )

    def conversations(self) -> list[CachedConversation]:
        """Every known conversation, the most recently active first."""
        rows = self._db.execute(
            "SELECT c.*, (SELECT e.text FROM events e WHERE e.conversation_id = c.id "
            "AND e.kind = 'message' ORDER BY e.seq DESC LIMIT 1) AS preview "
            "FROM conversations c ORDER BY c.last_activity DESC, c.id DESC"
        ).fetchall()
        return [_conversation(r) for r in rows]

    def conversation(self, conversation_id: int) -> CachedConversation | None:
        """One conversation, or None when unknown."""
        row = self._db.execute(
            "SELECT c.*, (SELECT e.text FROM events e WHERE e.conversation_id = c.id "
            "AND e.kind = 'message' ORDER BY e.seq DESC LIMIT 1) AS preview "
            "FROM conversations c WHERE c.id = ?",
            (conversation_id,),
        ).fetchone()
        return None if row is None else _conversation(row)

    # --- events ---------------------------------------------------------------------------

    def apply_event(self, event: Event) -> bool:
        """Stores a stored event and applies it to the local copy, once (protocol 17.3).

        Returns:
            True if it was new; False if the cache held it already (nothing changed).
        """
        with self.transaction() as db:
            text = _text_of(event.kind, event.content)
            cur = db.execute(
                "INSERT OR IGNORE INTO events (conversation_id, seq, kind, sender_id, client_id, "
                "target_seq, created_at, content, text, edited_at, deleted, reactions) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    event.conversation_id,
                    event.seq,
                    event.kind,
                    event.sender_id,
                    event.client_id,
                    event.target_seq,
                    event.created_at,
                    None if event.content is None else json.dumps(event.content),
                    text,
                    event.edited_at,
                    int(event.deleted),
                    json.dumps(event.reactions or {}),
                ),
            )
            if cur.rowcount == 0:
                return False
            if text is not None and not event.deleted:
                db.execute(
                    "INSERT INTO message_fts (rowid, text) VALUES (?, ?)", (cur.lastrowid, text)
                )
            self._apply_effects(db, event)
            self._advance_cursor(db, event.conversation_id, event.seq)
            return True

    def _apply_effects(self, db: sqlite3.Connection, event: Event) -> None:
        cid, content = event.conversation_id, event.content or {}
        self._touch_conversation(db, event)
        if event.kind == EventKind.EDIT and event.target_seq is not None and "text" in content:
            self._set_text(db, cid, event.target_seq, str(content["text"]))
            db.execute(
                "UPDATE events SET edited_at = ? WHERE conversation_id = ? AND seq = ? "
                "AND kind = 'message'",
                (event.created_at, cid, event.target_seq),
            )
        elif event.kind == EventKind.DELETE and event.target_seq is not None:
            self._set_text(db, cid, event.target_seq, None)
            db.execute(
                "UPDATE events SET deleted = 1, content = NULL, reactions = '{}' "
                "WHERE conversation_id = ? AND seq = ? AND kind = 'message'",
                (cid, event.target_seq),
            )
        elif event.kind == EventKind.REACTION and event.target_seq is not None:
            self._react(db, event)
        elif event.kind == EventKind.MESSAGE:
            me = self.user_id
            if event.sender_id != me and not event.deleted:
                db.execute(
                    "UPDATE conversations SET unread = unread + 1 WHERE id = ? AND read_seq < ?",
                    (cid, event.seq),
                )
        elif event.kind in _MEMBERSHIP_KINDS:
            self._apply_membership(db, event)

    def _touch_conversation(self, db: sqlite3.Connection, event: Event) -> None:
        content = event.content or {}
        if event.kind == EventKind.CREATED:
            ids = [int(u) for u in content.get("member_ids", [])]
            group = content.get("kind") == "group"
            members = [
                {
                    "user_id": u,
                    "role": "owner" if group and u == event.sender_id else "member",
                    "read_seq": 0,
                }
                for u in ids
            ]
            db.execute(
                "INSERT INTO conversations (id, kind, name, topic, members) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (
                    event.conversation_id,
                    str(content.get("kind", "direct")),
                    str(content.get("name", "")),
                    str(content.get("topic", "")),
                    json.dumps(members),
                ),
            )
        db.execute(
            "INSERT INTO conversations (id, kind) VALUES (?, 'group') ON CONFLICT (id) DO NOTHING",
            (event.conversation_id,),
        )
        db.execute(
            "UPDATE conversations SET last_seq = max(last_seq, ?), "
            "last_activity = max(last_activity, ?) WHERE id = ?",
            (event.seq, event.created_at, event.conversation_id),
        )

    def _set_text(self, db: sqlite3.Connection, cid: int, seq: int, text: str | None) -> None:
        row = db.execute(
            "SELECT rowid, content FROM events WHERE conversation_id = ? AND seq = ? "
            "AND kind = 'message'",
            (cid, seq),
        ).fetchone()
        if row is None:
            return  # older history we do not hold; it comes in its current state when fetched
        db.execute("DELETE FROM message_fts WHERE rowid = ?", (row["rowid"],))
        content = json.loads(row["content"]) if row["content"] else {}
        if text is None:
            db.execute("UPDATE events SET text = NULL WHERE rowid = ?", (row["rowid"],))
            return
        content["text"] = text
        db.execute(
            "UPDATE events SET text = ?, content = ? WHERE rowid = ?",
            (text, json.dumps(content), row["rowid"]),
        )
        db.execute("INSERT INTO message_fts (rowid, text) VALUES (?, ?)", (row["rowid"], text))

    def _react(self, db: sqlite3.Connection, event: Event) -> None:
        content = event.content or {}
        emoji = content.get("emoji")
        if not isinstance(emoji, str) or event.sender_id is None:
            return
        row = db.execute(
            "SELECT rowid, reactions, deleted FROM events WHERE conversation_id = ? AND seq = ? "
            "AND kind = 'message'",
            (event.conversation_id, event.target_seq),
        ).fetchone()
        if row is None or row["deleted"]:
            return
        reactions: dict[str, list[int]] = json.loads(row["reactions"])
        users = reactions.setdefault(emoji, [])
        if content.get("op") == "remove":
            if event.sender_id in users:
                users.remove(event.sender_id)
            if not users:
                del reactions[emoji]
        elif event.sender_id not in users:
            users.append(event.sender_id)
        db.execute(
            "UPDATE events SET reactions = ? WHERE rowid = ?",
            (json.dumps(reactions), row["rowid"]),
        )

    def _apply_membership(self, db: sqlite3.Connection, event: Event) -> None:
        content = event.content or {}
        row = db.execute(
            "SELECT members FROM conversations WHERE id = ?", (event.conversation_id,)
        ).fetchone()
        members: list[dict[str, Any]] = json.loads(row["members"]) if row else []
        by_id = {int(m["user_id"]): m for m in members}
        me = self.user_id
        if event.kind == EventKind.MEMBER_ADDED:
            for u in content.get("user_ids", []):
                by_id.setdefault(int(u), {"user_id": int(u), "role": "member", "read_seq": 0})
            if me is not None and me in {int(u) for u in content.get("user_ids", [])}:
                db.execute(
                    "UPDATE conversations SET left_ = 0 WHERE id = ?", (event.conversation_id,)
                )
        elif event.kind in (EventKind.MEMBER_REMOVED, EventKind.MEMBER_LEFT):
            gone = content.get("user_id")
            if isinstance(gone, int):
                by_id.pop(gone, None)
                if gone == me:
                    by_id.clear()  # protocol 16.1: members is [] once we have left
                    db.execute(
                        "UPDATE conversations SET left_ = 1 WHERE id = ?", (event.conversation_id,)
                    )
        elif event.kind == EventKind.UPDATED:
            name, topic = content.get("name"), content.get("topic")
            db.execute(
                "UPDATE conversations SET name = coalesce(?, name), topic = coalesce(?, topic) "
                "WHERE id = ?",
                (
                    name if isinstance(name, str) else None,
                    topic if isinstance(topic, str) else None,
                    event.conversation_id,
                ),
            )
        elif event.kind == EventKind.ROLE_CHANGED:
            who, role = content.get("user_id"), content.get("role")
            if isinstance(who, int) and isinstance(role, str) and who in by_id:
                by_id[who]["role"] = role
                if role == "owner" and event.sender_id in by_id:
                    by_id[event.sender_id]["role"] = "admin"
        db.execute(
            "UPDATE conversations SET members = ? WHERE id = ?",
            (json.dumps(list(by_id.values())), event.conversation_id),
        )

    def _advance_cursor(self, db: sqlite3.Connection, cid: int, seq: int) -> None:
        """Moves the cursor over every event now held without a hole (protocol 15.5)."""
        row = db.execute("SELECT seq FROM cursors WHERE conversation_id = ?", (cid,)).fetchone()
        if row is None:
            cursor = seq  # the first event held: nothing older counts as a hole
        elif seq == row[0] + 1:
            cursor = seq
        else:
            return  # older history, or a hole before it: the cursor waits
        while db.execute(
            "SELECT 1 FROM events WHERE conversation_id = ? AND seq = ?", (cid, cursor + 1)
        ).fetchone():
            cursor += 1
        db.execute(
            "INSERT INTO cursors (conversation_id, seq) VALUES (?, ?) "
            "ON CONFLICT (conversation_id) DO UPDATE SET seq = excluded.seq",
            (cid, cursor),
        )

    def cursors(self) -> dict[int, int]:
        """Conversation id → the highest seq held without a hole, for ``sync``."""
        return {int(r[0]): int(r[1]) for r in self._db.execute("SELECT * FROM cursors")}

    def messages(
        self, conversation_id: int, *, before: int | None = None, limit: int = 50
    ) -> list[CachedMessage]:
        """The newest ``limit`` messages (below ``before``), oldest first."""
        rows = self._db.execute(
            "SELECT * FROM events WHERE conversation_id = ? AND kind = 'message' AND seq < ? "
            "ORDER BY seq DESC LIMIT ?",
            (conversation_id, before if before is not None else 2**63 - 1, limit),
        ).fetchall()
        return [_message(r) for r in reversed(rows)]

    def message(self, conversation_id: int, seq: int) -> CachedMessage | None:
        row = self._db.execute(
            "SELECT * FROM events WHERE conversation_id = ? AND seq = ? AND kind = 'message'",
            (conversation_id, seq),
        ).fetchone()
        return None if row is None else _message(row)

    def lowest_seq(self, conversation_id: int) -> int | None:
        """The oldest seq held (to page further back with ``history``)."""
        row = self._db.execute(
            "SELECT min(seq) FROM events WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    # --- read markers ---------------------------------------------------------------------

    def set_read_marker(self, conversation_id: int, user_id: int, seq: int) -> None:
        """A member's read marker moved (the ``read`` event, or our own ``read/mark``)."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT members, read_seq FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if row is None:
                return
            members: list[dict[str, Any]] = json.loads(row["members"])
            for m in members:
                if m["user_id"] == user_id:
                    m["read_seq"] = max(int(m["read_seq"]), seq)
            db.execute(
                "UPDATE conversations SET members = ? WHERE id = ?",
                (json.dumps(members), conversation_id),
            )
            if user_id == self.user_id and seq > row["read_seq"]:
                unread = db.execute(
                    "SELECT count(*) FROM events WHERE conversation_id = ? AND kind = 'message' "
                    "AND seq > ? AND deleted = 0 AND sender_id IS NOT ?",
                    (conversation_id, seq, user_id),
                ).fetchone()[0]
                db.execute(
                    "UPDATE conversations SET read_seq = ?, unread = ? WHERE id = ?",
                    (seq, unread, conversation_id),
                )

    # --- search ---------------------------------------------------------------------------

    def search(
        self, query: str, *, conversation_id: int | None = None, limit: int = 50
    ) -> list[SearchHit]:
        """Messages whose text contains ``query`` (any language), the newest first.

        Args:
            query: the words to find, as typed; blank finds nothing.
            conversation_id: only this conversation, when given.
            limit: at most this many hits.
        """
        needle = query.strip()
        if not needle:
            return []
        if len(needle) >= MIN_INDEXED_QUERY:
            phrase = '"' + needle.replace('"', '""') + '"'
            rows = self._db.execute(
                "SELECT e.* FROM message_fts f JOIN events e ON e.rowid = f.rowid "
                "WHERE message_fts MATCH ? AND (? IS NULL OR e.conversation_id = ?) "
                "ORDER BY e.created_at DESC LIMIT ?",
                (phrase, conversation_id, conversation_id, limit),
            ).fetchall()
        else:
            pattern = "%" + re.sub(r"([\\%_])", r"\\\1", needle) + "%"
            rows = self._db.execute(
                "SELECT e.* FROM events e WHERE e.kind = 'message' AND e.deleted = 0 "
                "AND e.text LIKE ? ESCAPE '\\' AND (? IS NULL OR e.conversation_id = ?) "
                "ORDER BY e.created_at DESC LIMIT ?",
                (pattern, conversation_id, conversation_id, limit),
            ).fetchall()
        return [
            SearchHit(r["conversation_id"], r["seq"], r["sender_id"], r["text"], r["created_at"])
            for r in rows
        ]

    # --- for the outbox -------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        """The connection, for ``app.chat.outbox`` (same file, same transactions)."""
        return self._db


_MEMBERSHIP_KINDS = frozenset(
    {
        EventKind.MEMBER_ADDED,
        EventKind.MEMBER_REMOVED,
        EventKind.MEMBER_LEFT,
        EventKind.UPDATED,
        EventKind.ROLE_CHANGED,
    }
)


def _conversation(row: sqlite3.Row) -> CachedConversation:
    return CachedConversation(
        id=row["id"],
        kind=row["kind"],
        name=row["name"],
        topic=row["topic"],
        last_seq=row["last_seq"],
        unread=row["unread"],
        read_seq=row["read_seq"],
        members=tuple(
            Member(int(m["user_id"]), str(m["role"]), int(m["read_seq"]))
            for m in json.loads(row["members"])
        ),
        left=bool(row["left_"]),
        last_activity=row["last_activity"],
        preview=row["preview"],
    )


def _message(row: sqlite3.Row) -> CachedMessage:
    content = json.loads(row["content"]) if row["content"] else {}
    reply = content.get("reply_to")
    return CachedMessage(
        conversation_id=row["conversation_id"],
        seq=row["seq"],
        sender_id=row["sender_id"],
        client_id=row["client_id"],
        text=row["text"],
        reply_to=reply if isinstance(reply, int) else None,
        created_at=row["created_at"],
        edited_at=row["edited_at"],
        deleted=bool(row["deleted"]),
        reactions=json.loads(row["reactions"]),
        attachments=attachments_from(content.get("attachments")),
    )


def attachments_from(value: object) -> tuple[CachedAttachment, ...]:
    """The attachments a message's content lists (protocol 23.2), skipping any entry that is
    not an attachment (a newer server's content must not make a message unreadable)."""
    if not isinstance(value, list):
        return ()
    found = []
    for item in value:
        if not isinstance(item, dict):
            continue
        try:
            found.append(
                CachedAttachment(
                    id=str(item["id"]),
                    name=str(item["name"]),
                    size=int(item["size"]),
                    mime=str(item["mime"]),
                    sha256=str(item.get("sha256", "")),
                    width=_int_or_none(item.get("width")),
                    height=_int_or_none(item.get("height")),
                    duration=_float_or_none(item.get("duration")),
                    thumbnail=bool(item.get("thumbnail", False)),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(found)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
