"""The event writer: one task gives every event its seq and commits sends in groups.
Other writes that must not wait behind the chat's commits, nor make them wait, can join a
group as a ``Job`` (a sign-in's session).

Invariants (DESIGN.md): seq is assigned in the transaction that stores the event, with no gaps;
a send is acknowledged only after its commit; a repeated client_id returns the first ack.
Many sends share one transaction (group commit), so the cost of a durable commit (an fsync on
SQLite) is paid once per batch, not once per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cryptography.exceptions import InvalidTag
from sqlalchemy.engine import Connection, Engine

from server.datakey import DataKey
from server.protocol.chat import Ack, EventKind
from server.protocol.errors import ErrorCode
from server.services.errors import ApiError
from server.services.hub import Hub, Peer, event_frame
from server.storage import chat as q

log = logging.getLogger(__name__)

MAX_BATCH = 512

Apply = Callable[[Connection, int, float], None]


def content_ad(conversation_id: int, seq: int) -> bytes:
    """Associated data: a sealed body moved to another place in the database won't open."""
    return b"event:%d:%d" % (conversation_id, seq)


def seal_content(key: DataKey, conversation_id: int, seq: int, content: dict[str, Any]) -> bytes:
    raw = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return key.seal(raw, content_ad(conversation_id, seq))


def open_content(key: DataKey, row: Any) -> dict[str, Any] | None:
    if row.content is None:
        return None
    try:
        value = json.loads(key.open(row.content, content_ad(row.conversation_id, row.seq)))
    except (InvalidTag, ValueError):
        log.error(
            "event %s:%s does not decrypt; it was changed on disk", row.conversation_id, row.seq
        )
        return None
    return value if isinstance(value, dict) else None


def event_dict(row: Any, content: dict[str, Any] | None) -> dict[str, Any]:
    """The wire form of a stored event (server/protocol/chat.py ``Event``)."""
    return {
        "conversation_id": row.conversation_id,
        "seq": row.seq,
        "kind": row.kind,
        "sender_id": row.sender_id,
        "client_id": row.client_id,
        "target_seq": row.target_seq,
        "created_at": row.created_at,
        "content": content,
        "edited_at": row.edited_at,
        "deleted": row.deleted_at is not None,
    }


@dataclass(eq=False, slots=True)
class Append:
    """A request to store one event.

    Attributes:
        check: raises ApiError if the event may not be stored; runs in commit order against
            the in-memory membership, just before the seq is taken (on the writer's thread:
            it may read, never change, in-memory state).
        apply: further writes in the same transaction (edit the target, add a member…), on
            the writer's thread.
        after: in-memory changes once committed (membership).
        exclusive: changes membership, so it commits alone and later checks see its effect.
        also_notify: users to tell besides the members (someone just removed).
    """

    conversation_id: int
    kind: EventKind
    sender_id: int | None
    client_id: str | None
    content: dict[str, Any]
    target_seq: int | None = None
    check: Callable[[], None] | None = None
    apply: Apply | None = None
    after: Callable[[int], None] | None = None
    exclusive: bool = False
    also_notify: tuple[int, ...] = ()
    origin: Peer | None = None
    future: asyncio.Future[Ack] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    followers: list[Append] = field(default_factory=list)

    def resolve(self, ack: Ack) -> None:
        if not self.future.done():
            self.future.set_result(ack)
        for f in self.followers:
            f.resolve(ack.model_copy(update={"duplicate": True}))

    def fail(self, exc: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(exc)
        for f in self.followers:
            f.fail(exc)


@dataclass(eq=False, slots=True)
class Job:
    """Writes that are not an event (a sign-in's session and tokens), run on the writer's
    thread inside the next batch's transaction: they share its commit, and they never hold
    SQLite's write lock across trips to a busy event loop, where a sign-in storm made the
    chat's commits wait for it.

    Attributes:
        run: the writes, given the batch's connection and time; what it returns is the
            future's result. Raising fails the batch, which is then retried item by item.
    """

    exclusive: ClassVar[bool] = False

    run: Callable[[Connection, float], Any]
    future: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def fail(self, exc: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(exc)


@dataclass(slots=True)
class _Outcome:
    """What the database said about one item of a batch."""

    item: Append
    seq: int | None = None
    prior: q.PriorEvent | None = None  # the earlier event with the same client_id
    error: ApiError | None = None


class EventWriter:
    """One task takes queued events in batches; each batch is one transaction, run start to
    finish on the writer's own thread and database connection: a single hop off the event
    loop per batch, however many events it holds."""

    def __init__(self, engine: Engine, key: DataKey, hub: Hub) -> None:
        self.engine = engine
        self.key = key
        self.hub = hub
        self._queue: asyncio.Queue[Append | Job | None] = asyncio.Queue()
        self._carry: Append | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="event-writer")
        self._closed = False
        self.batches = 0
        self.committed = 0
        self._conn: Connection | None = None
        self._sql: q.WriterStatements | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="event-writer")

    async def stop(self) -> None:
        """Commit what is queued, then end."""
        self._closed = True
        self._queue.put_nowait(None)
        if self._task is not None:
            await self._task
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close_blocking)
        self._thread.shutdown(wait=True)
        self.engine.dispose()

    def submit(self, item: Append) -> asyncio.Future[Ack]:
        """Queue ``item``; its future resolves after the commit. Cancelling the future does not
        cancel the commit: the writer only answers futures that are still waiting."""
        self._put(item)
        return item.future

    async def append(self, item: Append) -> Ack:
        return await self.submit(item)

    def run(self, writes: Callable[[Connection, float], Any]) -> asyncio.Future[Any]:
        """Queue ``writes`` for the next batch's transaction (see ``Job``); the future holds
        what it returned, once committed. As with ``submit``, cancelling the future does not
        cancel the writes."""
        job = Job(writes)
        self._put(job)
        return job.future

    def _put(self, item: Append | Job) -> None:
        if self._closed:
            raise ApiError(ErrorCode.INTERNAL_ERROR, "the server is shutting down; try again")
        self._queue.put_nowait(item)

    async def _run(self) -> None:
        while True:
            first: Append | Job
            if self._carry is not None:
                first, self._carry = self._carry, None
            else:
                got = await self._queue.get()
                if got is None:
                    return
                first = got
            batch: list[Append | Job] = [first]
            while not first.exclusive and len(batch) < MAX_BATCH and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    self._queue.put_nowait(None)  # stop after this batch
                    break
                if isinstance(nxt, Append) and nxt.exclusive:
                    self._carry = nxt
                    break
                batch.append(nxt)
            try:
                await self._commit(batch)
            except Exception:  # one bad batch must never stop the writer
                log.exception("event batch failed")
                for item in batch:
                    item.fail(
                        ApiError(
                            ErrorCode.INTERNAL_ERROR,
                            "the message was not stored; send it again"
                            if isinstance(item, Append)
                            else "the change was not saved; try again",
                        )
                    )

    async def _commit(self, batch: list[Append | Job]) -> None:
        unique: list[Append | Job] = []
        appends: list[Append] = []
        jobs: list[Job] = []
        seen: dict[tuple[int, str], Append] = {}
        for item in batch:
            if isinstance(item, Job):
                jobs.append(item)
            else:
                if item.client_id is not None and item.sender_id is not None:
                    k = (item.sender_id, item.client_id)
                    if k in seen:
                        seen[k].followers.append(item)
                        continue
                    seen[k] = item
                appends.append(item)
            unique.append(item)
        now = time.time()
        loop = asyncio.get_running_loop()
        try:
            outcomes, results = await loop.run_in_executor(
                self._thread, self._commit_blocking, appends, jobs, list(seen), now
            )
        except Exception:
            if len(unique) > 1:
                # One bad apple (say, a duplicate sent at the same instant through another
                # node) must not sink the rest: commit them one by one.
                for item in unique:
                    if not item.future.done():
                        await self._commit([item])
                return
            raise
        for job, result in zip(jobs, results, strict=True):
            if not job.future.done():
                job.future.set_result(result)
        self._settle(outcomes, now)

    def _connection(self) -> Connection:
        """The writer's own connection, kept for its lifetime: checking one out of the pool
        and back for every batch cost more CPU than the batch's statements."""
        if self._conn is None or self._conn.invalidated or self._conn.closed:
            if self._conn is not None:
                self._conn.close()
            self._conn = self.engine.connect()
            dialect = self.engine.dialect
            self._sql = q.WriterStatements(dialect.paramstyle, dialect.name)
        return self._conn

    def _close_blocking(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _commit_blocking(
        self, items: list[Append], jobs: list[Job], keys: list[tuple[int, str]], now: float
    ) -> tuple[list[_Outcome], list[Any]]:
        outcomes = [_Outcome(item) for item in items]
        conn = self._connection()
        sql = self._sql
        assert sql is not None
        if jobs or any(item.apply is not None for item in items):
            # ``apply`` and jobs write through the SQLAlchemy Connection, so SQLAlchemy owns
            # this transaction.
            try:
                with conn.begin():
                    cur = conn.connection.cursor()
                    try:
                        self._store_blocking(conn, cur, sql, outcomes, keys, now)
                    finally:
                        cur.close()
                    results = [job.run(conn, now) for job in jobs]
            except BaseException:
                # SQLAlchemy sends no ROLLBACK after its COMMIT failed, and SQLite keeps the
                # transaction open then (a deferred foreign key, SQLITE_BUSY): the next batch's
                # BEGIN would fail on it.
                self._rollback_blocking(conn, sql)
                raise
            return outcomes, results
        # Plain sends, the common batch: the transaction runs on the driver connection, as the
        # statements do, which saves SQLAlchemy's begin and commit (WriterStatements). The
        # SQLAlchemy Connection never sees this transaction, and it is over, committed or
        # rolled back, before the next batch may use the Connection.
        cur = conn.connection.cursor()
        try:
            sql.begin(cur)
            self._store_blocking(conn, cur, sql, outcomes, keys, now)
            sql.commit(cur)
        except BaseException:
            with contextlib.suppress(Exception):  # a lost connection has closed it already
                cur.close()
            self._rollback_blocking(conn, sql)
            raise
        cur.close()
        return outcomes, []

    def _rollback_blocking(self, conn: Connection, sql: q.WriterStatements) -> None:
        """Ends a transaction that failed, at the driver, where SQLAlchemy's Connection is
        already outside it. If even that fails (the connection is gone), the connection is
        dropped: the next batch opens another instead of finding a transaction still open,
        or a dead connection."""
        if conn.invalidated:
            return  # SQLAlchemy saw the connection lost; _connection replaces it
        try:
            sql.rollback(conn.connection.dbapi_connection)
        except Exception:  # the batch's own error is the one worth raising
            conn.invalidate()

    def _store_blocking(
        self,
        conn: Connection,
        cur: Any,
        sql: q.WriterStatements,
        outcomes: list[_Outcome],
        keys: list[tuple[int, str]],
        now: float,
    ) -> None:
        existing = sql.find_by_client_ids(cur, keys) if keys else {}
        todo: dict[int, list[_Outcome]] = {}
        for out in outcomes:
            item = out.item
            if item.client_id is not None and item.sender_id is not None:
                out.prior = existing.get((item.sender_id, item.client_id))
                if out.prior is not None:
                    continue
            if item.check is not None:
                try:
                    item.check()
                except ApiError as exc:
                    out.error = exc
                    continue
            todo.setdefault(item.conversation_id, []).append(out)
        rows: list[tuple[Any, ...]] = []
        for conv, outs in todo.items():
            last = sql.reserve_seqs(cur, conv, len(outs))
            if last is None:
                for out in outs:
                    out.error = ApiError(ErrorCode.CONVERSATION_NOT_FOUND, "no such conversation")
                continue
            seq = last - len(outs)
            for out in outs:
                seq += 1
                out.seq = seq
                item = out.item
                rows.append(
                    (
                        conv,
                        seq,
                        item.kind.value,
                        item.sender_id,
                        item.client_id,
                        item.target_seq,
                        now,
                        seal_content(self.key, conv, seq, item.content),
                    )
                )
        if rows:
            sql.insert_events(cur, rows)
        for out in outcomes:
            if out.seq is not None and out.item.apply is not None:
                out.item.apply(conn, out.seq, now)

    def _settle(self, outcomes: list[_Outcome], now: float) -> None:
        """Back on the event loop after the commit: answer the senders, then tell everyone."""
        hub = self.hub
        stored = 0
        for out in outcomes:
            item = out.item
            if out.prior is not None:
                item.resolve(
                    Ack(
                        conversation_id=out.prior.conversation_id,
                        seq=out.prior.seq,
                        created_at=out.prior.created_at,
                        duplicate=True,
                    )
                )
                continue
            if out.error is not None or out.seq is None:
                item.fail(out.error or ApiError(ErrorCode.INTERNAL_ERROR, "not stored"))
                continue
            seq = out.seq
            stored += 1
            if item.after is not None:
                item.after(seq)
            item.resolve(Ack(conversation_id=item.conversation_id, seq=seq, created_at=now))
            frame = event_frame(
                {
                    "conversation_id": item.conversation_id,
                    "seq": seq,
                    "kind": item.kind.value,
                    "sender_id": item.sender_id,
                    "client_id": item.client_id,
                    "target_seq": item.target_seq,
                    "created_at": now,
                    "content": item.content,
                    "edited_at": None,
                    "deleted": False,
                }
            )
            hub.publish(
                item.conversation_id,
                frame,
                origin=item.origin,
                also=item.also_notify,
                key=(item.conversation_id, seq),
            )
        self.batches += 1
        self.committed += stored
