"""Queries on conversations, members, events, reactions and conversation invites.

The ones the event writer runs are blocking (``Connection``): it commits a whole batch in one
trip to its own thread. Async code calls them through ``AsyncConnection.run_sync``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from server.storage.aio import AsyncConnection
from server.storage.tables import (
    conversation_invites,
    conversations,
    events,
    members,
    reactions,
    users,
)


def client_ids_query(keys: Sequence[tuple[int, str]]) -> Select[Any]:
    """Earlier events with these (sender_id, client_id) keys."""
    return select(
        events.c.sender_id,
        events.c.client_id,
        events.c.conversation_id,
        events.c.seq,
        events.c.created_at,
    ).where(
        # Not tuple_(...).in_(keys): SQLite scans the whole table for that; this is one index
        # search per key.
        or_(*(and_(events.c.sender_id == s, events.c.client_id == c) for s, c in keys))
    )


def find_by_client_ids_txn(
    conn: Connection, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], Any]:
    if not keys:
        return {}
    return {(r.sender_id, r.client_id): r for r in conn.execute(client_ids_query(keys)).all()}


def insert_events_txn(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(insert(events), rows)


class PriorEvent(NamedTuple):
    """The first copy of an event whose ``client_id`` came again."""

    sender_id: int
    client_id: str
    conversation_id: int
    seq: int
    created_at: float


_EVENT_COLUMNS = (
    "conversation_id",
    "seq",
    "kind",
    "sender_id",
    "client_id",
    "target_seq",
    "created_at",
    "content",
)

# Keys per lookup: far below every driver's limit on bound parameters (SQLite's is 32 766).
_KEYS_PER_LOOKUP = 256


class WriterStatements:
    """The event writer's three statements as the driver's own SQL, run on a DBAPI cursor of
    the writer's transaction. Through SQLAlchemy, building, caching and reading them cost
    more CPU than SQLite's own work: about 3 ms a batch on one core, where a batch at chat
    rates is a single message (docs/performance.md). Same SQL on SQLite and PostgreSQL; only
    the placeholder differs.

    ``begin``, ``commit`` and ``rollback`` run a batch's transaction on the driver connection
    too, for batches that write nothing through SQLAlchemy: there, a transaction's begin and
    commit take about 14 µs of CPU, against about 60 µs through SQLAlchemy's (its events and
    the engine's "begin" listener).

    Args:
        paramstyle: the driver's (PEP 249): ``qmark`` (sqlite3) or ``format``/``pyformat``
            (psycopg).
        dialect: SQLAlchemy's name for the database: ``sqlite`` or ``postgresql``.
    """

    def __init__(self, paramstyle: str, dialect: str) -> None:
        if paramstyle == "qmark":
            mark = "?"
        elif paramstyle in ("format", "pyformat"):
            mark = "%s"
        else:
            raise ValueError(f"no driver SQL for the {paramstyle!r} parameter style")
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"no driver transaction for the {dialect!r} dialect")
        # The engine turns sqlite3's implicit BEGIN off (isolation_level None), so nothing
        # would open a transaction: each statement would commit alone. IMMEDIATE takes the
        # write lock up front, as the engine's "begin" listener does (engine._configure_sqlite).
        # psycopg begins by itself before the first statement.
        self._sqlite = dialect == "sqlite"
        self._mark = mark
        self.insert_sql = (
            f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) "  # noqa: S608 - names and placeholders
            f"VALUES ({', '.join([mark] * len(_EVENT_COLUMNS))})"
        )
        self.reserve_sql = (
            f"UPDATE conversations SET last_seq = last_seq + {mark} WHERE id = {mark} "  # noqa: S608
            "RETURNING last_seq"
        )
        self._lookup_sql: dict[int, str] = {}

    def _lookup(self, n: int) -> str:
        sql = self._lookup_sql.get(n)
        if sql is None:
            pairs = ", ".join([f"({self._mark}, {self._mark})"] * n)
            # A join, not ``(sender_id, client_id) IN (VALUES ...)``: SQLite's planner answers
            # that form by scanning the whole events table, on every send.
            sql = self._lookup_sql[n] = (
                "SELECT e.sender_id, e.client_id, e.conversation_id, e.seq, e.created_at "  # noqa: S608
                f"FROM (VALUES {pairs}) AS k "
                "JOIN events AS e ON e.sender_id = k.column1 AND e.client_id = k.column2"
            )
        return sql

    def find_by_client_ids(
        self, cur: Any, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], PriorEvent]:
        found: dict[tuple[int, str], PriorEvent] = {}
        for at in range(0, len(keys), _KEYS_PER_LOOKUP):
            chunk = keys[at : at + _KEYS_PER_LOOKUP]
            cur.execute(self._lookup(len(chunk)), [v for key in chunk for v in key])
            for row in cur.fetchall():
                prior = PriorEvent(*row)
                found[(prior.sender_id, prior.client_id)] = prior
        return found

    def reserve_seqs(self, cur: Any, conversation_id: int, n: int) -> int | None:
        """Takes ``n`` seqs; returns the new last_seq (the block is last-n+1 .. last), or None
        if there is no such conversation. The row lock serialises writers on PostgreSQL too."""
        cur.execute(self.reserve_sql, (n, conversation_id))
        row = cur.fetchone()
        return None if row is None else int(row[0])

    def insert_events(self, cur: Any, rows: list[tuple[Any, ...]]) -> None:
        """``rows`` in the order of ``_EVENT_COLUMNS``."""
        cur.executemany(self.insert_sql, rows)

    def begin(self, cur: Any) -> None:
        if self._sqlite:
            cur.execute("BEGIN IMMEDIATE")

    def commit(self, cur: Any) -> None:
        """Raises if the transaction is no longer open on SQLite, where ``Connection.commit``
        would do nothing: a batch must not be acknowledged unless this COMMIT stored it."""
        if self._sqlite:
            cur.execute("COMMIT")
        else:
            cur.connection.commit()

    def rollback(self, dbapi_connection: Any) -> None:
        """Ends a failed transaction; does nothing if none is open (both drivers' rollback
        only sends ROLLBACK inside one): SQLite ends it by itself on some errors (a full
        disk, an I/O error), a failed BEGIN opened none, and SQLAlchemy may have rolled back."""
        dbapi_connection.rollback()


async def get_event_txn(conn: AsyncConnection, conversation_id: int, seq: int) -> Any:
    q = select(events).where(events.c.conversation_id == conversation_id, events.c.seq == seq)
    return (await conn.execute(q)).first()


async def events_after_txn(
    conn: AsyncConnection, conversation_id: int, after: int, upto: int | None, limit: int
) -> list[Any]:
    cond = [events.c.conversation_id == conversation_id, events.c.seq > after]
    if upto is not None:
        cond.append(events.c.seq <= upto)
    q = select(events).where(and_(*cond)).order_by(events.c.seq).limit(limit)
    return list((await conn.execute(q)).all())


async def events_before_txn(
    conn: AsyncConnection, conversation_id: int, before: int, upto: int | None, limit: int
) -> list[Any]:
    """Newest first, strictly below ``before``."""
    cond = [events.c.conversation_id == conversation_id, events.c.seq < before]
    if upto is not None:
        cond.append(events.c.seq <= upto)
    q = select(events).where(and_(*cond)).order_by(events.c.seq.desc()).limit(limit)
    return list((await conn.execute(q)).all())


def update_event_content_txn(
    conn: Connection, conversation_id: int, seq: int, **values: Any
) -> None:
    conn.execute(
        update(events)
        .where(events.c.conversation_id == conversation_id, events.c.seq == seq)
        .values(**values)
    )


def scrub_edits_txn(conn: Connection, conversation_id: int, target: int, now: float) -> None:
    """A deleted message's text must not live on in the edits that changed it."""
    conn.execute(
        update(events)
        .where(
            events.c.conversation_id == conversation_id,
            events.c.target_seq == target,
            events.c.kind == "edit",
        )
        .values(content=None, deleted_at=now)
    )
    conn.execute(
        delete(reactions).where(
            reactions.c.conversation_id == conversation_id, reactions.c.seq == target
        )
    )


def set_reaction_txn(
    conn: Connection, conversation_id: int, seq: int, user_id: int, emoji: str, add: bool
) -> None:
    key = and_(
        reactions.c.conversation_id == conversation_id,
        reactions.c.seq == seq,
        reactions.c.user_id == user_id,
        reactions.c.emoji == emoji,
    )
    conn.execute(delete(reactions).where(key))
    if add:
        conn.execute(
            insert(reactions).values(
                conversation_id=conversation_id, seq=seq, user_id=user_id, emoji=emoji
            )
        )


async def reactions_for_txn(
    conn: AsyncConnection, conversation_id: int, seqs: list[int]
) -> dict[int, dict[str, list[int]]]:
    if not seqs:
        return {}
    q = (
        select(reactions.c.seq, reactions.c.emoji, reactions.c.user_id)
        .where(reactions.c.conversation_id == conversation_id, reactions.c.seq.in_(seqs))
        .order_by(reactions.c.seq, reactions.c.emoji, reactions.c.user_id)
    )
    out: dict[int, dict[str, list[int]]] = {}
    for seq, emoji, user in (await conn.execute(q)).all():
        out.setdefault(seq, {}).setdefault(emoji, []).append(user)
    return out


async def create_conversation_txn(conn: AsyncConnection, **values: Any) -> int:
    res = await conn.execute(insert(conversations).values(**values).returning(conversations.c.id))
    return int(res.scalar_one())


async def get_conversation_txn(conn: AsyncConnection, conversation_id: int) -> Any:
    q = select(conversations).where(conversations.c.id == conversation_id)
    return (await conn.execute(q)).first()


async def get_direct_txn(conn: AsyncConnection, direct_key: str) -> Any:
    q = select(conversations).where(conversations.c.direct_key == direct_key)
    return (await conn.execute(q)).first()


def update_conversation_txn(conn: Connection, conversation_id: int, **values: Any) -> None:
    conn.execute(
        update(conversations).where(conversations.c.id == conversation_id).values(**values)
    )


def upsert_members_txn(
    conn: Connection, conversation_id: int, user_ids: list[int], role: str, seq: int
) -> None:
    """Add users (or bring back ones who left) as members from ``seq`` on."""
    existing = set(
        (
            conn.execute(
                select(members.c.user_id).where(
                    members.c.conversation_id == conversation_id, members.c.user_id.in_(user_ids)
                )
            )
        ).scalars()
    )
    fresh = [u for u in user_ids if u not in existing]
    back = [u for u in user_ids if u in existing]
    if fresh:
        conn.execute(
            insert(members),
            [
                {
                    "conversation_id": conversation_id,
                    "user_id": u,
                    "role": role,
                    "joined_seq": seq,
                    "read_seq": 0,
                }
                for u in fresh
            ],
        )
    if back:
        conn.execute(
            update(members)
            .where(members.c.conversation_id == conversation_id, members.c.user_id.in_(back))
            .values(left_seq=None, joined_seq=seq, role=role)
        )


def set_left_txn(conn: Connection, conversation_id: int, user_id: int, seq: int) -> None:
    conn.execute(
        update(members)
        .where(members.c.conversation_id == conversation_id, members.c.user_id == user_id)
        .values(left_seq=seq)
    )


def set_member_role_txn(conn: Connection, conversation_id: int, user_id: int, role: str) -> None:
    conn.execute(
        update(members)
        .where(members.c.conversation_id == conversation_id, members.c.user_id == user_id)
        .values(role=role)
    )


async def mark_read_txn(
    conn: AsyncConnection, conversation_id: int, user_id: int, seq: int
) -> bool:
    """Move the read marker forward only (a late, older marker never moves it back)."""
    res = await conn.execute(
        update(members)
        .where(
            members.c.conversation_id == conversation_id,
            members.c.user_id == user_id,
            members.c.read_seq < seq,
        )
        .values(read_seq=seq)
    )
    return res.rowcount == 1


async def memberships_of_txn(conn: AsyncConnection, user_id: int) -> list[Any]:
    """Every conversation the user is or was in, with the conversation's row."""
    q = (
        select(
            members.c.conversation_id,
            members.c.role,
            members.c.left_seq,
            members.c.read_seq,
            conversations.c.kind,
            conversations.c.name,
            conversations.c.topic,
            conversations.c.avatar,
            conversations.c.last_seq,
        )
        .join(conversations, conversations.c.id == members.c.conversation_id)
        .where(members.c.user_id == user_id)
        .order_by(conversations.c.last_seq.desc())
    )
    return list((await conn.execute(q)).all())


async def member_txn(conn: AsyncConnection, conversation_id: int, user_id: int) -> Any:
    q = select(members).where(
        members.c.conversation_id == conversation_id, members.c.user_id == user_id
    )
    return (await conn.execute(q)).first()


async def active_members_txn(conn: AsyncConnection, conversation_id: int) -> list[Any]:
    q = (
        select(members.c.user_id, members.c.role, members.c.read_seq)
        .where(members.c.conversation_id == conversation_id, members.c.left_seq.is_(None))
        .order_by(members.c.user_id)
    )
    return list((await conn.execute(q)).all())


async def unread_txn(
    conn: AsyncConnection, conversation_id: int, user_id: int, after: int, upto: int | None
) -> int:
    cond = [
        events.c.conversation_id == conversation_id,
        events.c.seq > after,
        events.c.kind == "message",
        events.c.deleted_at.is_(None),
        events.c.sender_id != user_id,
    ]
    if upto is not None:
        cond.append(events.c.seq <= upto)
    q = select(func.count()).select_from(events).where(and_(*cond))
    return int((await conn.execute(q)).scalar_one())


async def usable_users_txn(conn: AsyncConnection, user_ids: list[int]) -> set[int]:
    q = select(users.c.id).where(
        users.c.id.in_(user_ids), users.c.deleted_at.is_(None), users.c.disabled.is_(False)
    )
    return set((await conn.execute(q)).scalars())


async def directory_txn(conn: AsyncConnection) -> list[Any]:
    q = (
        select(users.c.id, users.c.username, users.c.display_name)
        .where(users.c.deleted_at.is_(None), users.c.disabled.is_(False))
        .order_by(users.c.display_name)
    )
    return list((await conn.execute(q)).all())


async def create_invite_txn(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(conversation_invites).values(**values))


async def usable_invite_txn(conn: AsyncConnection, token_hash: str, now: float) -> Any:
    q = select(conversation_invites).where(
        conversation_invites.c.token_hash == token_hash,
        conversation_invites.c.revoked_at.is_(None),
        conversation_invites.c.expires_at > now,
    )
    return (await conn.execute(q)).first()
