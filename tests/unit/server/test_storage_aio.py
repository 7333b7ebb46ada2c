"""Our asyncio engine over SQLAlchemy Core (``server/storage/aio.py``): transactions, errors,
cancellation in the middle of a statement, and the pool.

On SQLite always; the tests that are not about SQLite also on PostgreSQL when
ROOST_TEST_POSTGRES_URL names an empty database (``postgresql+psycopg://...``, with psycopg
installed by hand; its table ``aio_t`` is dropped and made anew).
"""

from __future__ import annotations

import asyncio
import gc
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import Integer, column, event, insert, literal, select, table, text
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.pool import AsyncAdaptedQueuePool

from server.storage.aio import AsyncEngine, _to_its_end, create_async_engine
from server.storage.engine import create_engine, sqlite_url

POSTGRES_URL = os.environ.get("ROOST_TEST_POSTGRES_URL", "")

t = table("aio_t", column("id", Integer), column("name"))


async def _names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalars(select(t.c.name).order_by(t.c.id)))


@pytest_asyncio.fixture(params=["sqlite", *(["postgresql"] if POSTGRES_URL else [])])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = (
        f"sqlite+aiosqlite:///{tmp_path / 'aio.db'}" if request.param == "sqlite" else POSTGRES_URL
    )
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS aio_t"))
        await conn.execute(text("CREATE TABLE aio_t (id INTEGER PRIMARY KEY, name TEXT)"))
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest_asyncio.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'aio.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE aio_t (id INTEGER PRIMARY KEY, name TEXT)"))
    try:
        yield engine
    finally:
        await engine.dispose()


def test_builds_the_engine_as_sqlalchemys_asyncio_extension_does(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'aio.db'}")
    assert engine.dialect.is_async
    assert isinstance(engine.sync_engine.pool, AsyncAdaptedQueuePool)
    assert engine.url.database == str(tmp_path / "aio.db")


def test_refuses_a_driver_that_is_not_async() -> None:
    """A blocking driver would block the event loop on every statement."""
    with pytest.raises(InvalidRequestError, match="async driver"):
        AsyncEngine(sa_create_engine("sqlite://"))


async def test_begin_commits_when_the_block_ends(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        assert conn.in_transaction()
        result = await conn.execute(insert(t), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
        assert result.rowcount == 2
    assert await _names(engine) == ["a", "b"]
    async with engine.connect() as conn:
        assert await conn.scalar(select(t.c.name).where(t.c.id == 2)) == "b"
        assert await conn.scalar(select(t.c.name).where(t.c.id == 3)) is None
        rows = (await conn.execute(select(t.c.id, t.c.name).order_by(t.c.id))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b")]


async def test_begin_rolls_back_when_the_block_raises(engine: AsyncEngine) -> None:
    async def failing() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(t).values(id=1, name="a"))
            raise ValueError("the caller's error")

    with pytest.raises(ValueError, match="the caller's"):
        await failing()
    assert await _names(engine) == []
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_constraint_error_is_sqlalchemys_and_rolls_back(engine: AsyncEngine) -> None:
    """Callers catch ``sqlalchemy.exc.IntegrityError`` (a duplicate username, say)."""
    async with engine.begin() as conn:
        await conn.execute(insert(t).values(id=1, name="a"))

    async def duplicate() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(t).values(id=2, name="b"))
            await conn.execute(insert(t).values(id=1, name="again"))

    with pytest.raises(IntegrityError):
        await duplicate()
    assert await _names(engine) == ["a"]


async def test_a_connection_commits_and_rolls_back(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert not conn.in_transaction()
        await conn.execute(insert(t).values(id=1, name="kept"))  # begins by itself
        assert conn.in_transaction()
        await conn.commit()
        assert not conn.in_transaction()
        await conn.execute(insert(t).values(id=2, name="dropped"))
        await conn.rollback()
        await conn.execute(insert(t).values(id=3, name="not committed"))
        # leaving the block gives the connection back and rolls back what was not committed
    assert conn.closed
    assert await _names(engine) == ["kept"]


async def test_a_transaction_of_a_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:

        async def failing() -> None:
            async with conn.begin():
                await conn.execute(insert(t).values(id=2, name="b"))
                raise RuntimeError

        async with conn.begin() as trans:
            assert trans.is_active
            await conn.execute(insert(t).values(id=1, name="a"))
        with pytest.raises(RuntimeError):
            await failing()
        async with conn.begin() as trans:
            await conn.execute(insert(t).values(id=3, name="c"))
            await trans.rollback()
    assert await _names(engine) == ["a"]


async def test_run_sync_hands_over_the_sync_connection(engine: AsyncEngine) -> None:
    def count(sync: Connection, at_least: int) -> int:
        n = sync.execute(select(literal(1)).select_from(t)).all()
        return max(len(n), at_least)

    async with engine.begin() as conn:
        await conn.execute(insert(t).values(id=1, name="a"))
        assert await conn.run_sync(count, at_least=0) == 1
        assert conn.sync_connection is not None


async def test_driver_sql_and_the_raw_connection(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.connect() as conn:
        result = await conn.exec_driver_sql("SELECT ? + ?", (2, 3))
        assert result.scalar_one() == 5
        raw = await conn.get_raw_connection()
        assert raw.driver_connection is not None  # the aiosqlite connection


async def test_a_streamed_result_is_refused(sqlite_engine: AsyncEngine) -> None:
    """Its rows would be fetched outside the greenlet, where the driver cannot be awaited."""
    async with sqlite_engine.connect() as conn:
        with pytest.raises(InvalidRequestError, match="cannot stream"):
            await conn.execute(select(literal(1)), execution_options={"stream_results": True})
        assert (await conn.execute(select(literal(2)))).scalar_one() == 2  # still usable


async def test_a_connection_must_be_entered_first(sqlite_engine: AsyncEngine) -> None:
    conn = sqlite_engine.connect()
    with pytest.raises(InvalidRequestError, match="not been started"):
        await conn.execute(select(literal(1)))
    async with conn:
        with pytest.raises(InvalidRequestError, match="already started"):
            await conn.start()


def _hold_function(started: threading.Event, release: threading.Event) -> Any:
    """A ``connect`` listener that gives SQLite a function ``hold()``, which runs until
    ``release`` is set: a statement that is surely running when the test cancels it."""

    def hold() -> int:
        started.set()
        release.wait(10)
        return 1

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.create_function("hold", 0, hold)

    return on_connect


async def test_a_request_cancelled_mid_statement_is_rolled_back_once_the_statement_ends(
    sqlite_engine: AsyncEngine,
) -> None:
    """A request cancelled while its statement runs (a client gone, a timeout): the statement
    runs to its end, then the cancellation ends the request; its transaction is rolled back,
    nothing later in it runs, the connection goes back to the pool (not invalidated) and
    the next request gets a connection that works."""
    started, release = threading.Event(), threading.Event()
    event.listen(sqlite_engine.sync_engine, "connect", _hold_function(started, release))
    invalidated: list[BaseException | None] = []
    event.listen(
        sqlite_engine.sync_engine, "invalidate", lambda _c, _r, exc: invalidated.append(exc)
    )
    await sqlite_engine.dispose()  # the fixture's pooled connection has no hold()

    async def request() -> None:
        async with sqlite_engine.begin() as conn:
            await conn.execute(insert(t).values(id=1, name="cancelled"))
            await conn.execute(text("SELECT hold()"))
            after.append("second insert")
            await conn.execute(insert(t).values(id=2, name="never"))

    after: list[str] = []
    task = asyncio.get_running_loop().create_task(request(), name="request")
    try:
        assert await asyncio.to_thread(started.wait, 5)
        task.cancel()
        await asyncio.sleep(0.05)
        assert not task.done()  # the statement is still running: the request waits for it
    finally:
        release.set()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    assert after == [] and invalidated == []
    assert sqlite_engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert await _names(sqlite_engine) == []
    async with sqlite_engine.connect() as conn:
        assert (await conn.execute(text("SELECT hold()"))).scalar_one() == 1


async def test_a_close_runs_to_its_end_when_its_caller_is_cancelled() -> None:
    """How connections are given back: cancelling the caller must not abandon the close half
    way, or a connection could return to a pool after the engine was disposed."""
    steps: list[str] = []

    async def close() -> None:
        await asyncio.sleep(0.05)
        steps.append("closed")

    caller = asyncio.get_running_loop().create_task(_to_its_end(close()), name="caller")
    await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert steps == ["closed"]  # the cancellation was raised only after the close ended


async def test_a_checkout_cancelled_while_waiting_for_the_pool_gives_the_connection_back(
    tmp_path: Path,
) -> None:
    """A request cancelled while it waits for a pooled connection: the checkout runs to its
    end when a connection frees up, and that connection goes straight back to the pool; left
    checked out, it would wait for the collector (which then warns, in whatever test runs)."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'aio.db'}", pool_size=1, max_overflow=0
    )
    pool = engine.sync_engine.pool
    gc.disable()  # the collector must not be what gives it back
    try:
        async with engine.connect() as holder:
            await holder.execute(select(literal(1)))
            waiter = asyncio.get_running_loop().create_task(engine.connect().start())
            await asyncio.sleep(0.05)
            assert not waiter.done()  # waiting for the only connection
            waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(waiter, 10)
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
        assert pool.checkedin() == 1  # type: ignore[attr-defined]
    finally:
        gc.enable()
        await engine.dispose()


async def test_dispose_closes_the_pooled_connections(sqlite_engine: AsyncEngine) -> None:
    closed: list[Any] = []
    event.listen(sqlite_engine.sync_engine, "close", lambda dbapi, _rec: closed.append(dbapi))
    async with sqlite_engine.connect() as a, sqlite_engine.connect() as b:
        await a.execute(select(literal(1)))
        await b.execute(select(literal(1)))
    pool = sqlite_engine.sync_engine.pool
    assert pool.checkedin() == 2  # type: ignore[attr-defined]
    await sqlite_engine.dispose()
    assert len(closed) == 2
    assert sqlite_engine.sync_engine.pool is not pool  # a new pool: the engine still works
    assert await _names(sqlite_engine) == []


def _write_lock_taken(db: Path) -> bool:
    other = sqlite3.connect(db, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            return True
        raise
    finally:
        other.close()  # rolls back the BEGIN when it succeeded
    return False


async def test_engine_events_apply(tmp_path: Path) -> None:
    """``server.storage.engine`` sets its pragmas and ``BEGIN IMMEDIATE`` through the sync
    engine's events: they must reach the connections this engine hands out."""
    writer = create_engine(sqlite_url(tmp_path))
    reader = create_engine(sqlite_url(tmp_path), immediate=False)
    db = tmp_path / "roost.db"
    try:
        async with writer.begin() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
            assert await asyncio.to_thread(_write_lock_taken, db)
        async with reader.begin() as conn:
            await conn.execute(text("SELECT 1"))
            assert not await asyncio.to_thread(_write_lock_taken, db)
    finally:
        await writer.dispose()
        await reader.dispose()


async def test_a_write_cancelled_mid_statement_does_not_keep_the_write_lock(
    tmp_path: Path,
) -> None:
    """The transaction of a cancelled request ends with it: the next writer, on another
    connection, gets SQLite's write lock at once, not when the collector finds the lost one."""
    engine = create_engine(sqlite_url(tmp_path))  # Roost's: BEGIN IMMEDIATE, WAL, busy timeout
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE aio_t (id INTEGER PRIMARY KEY, name TEXT)")
    started, release = threading.Event(), threading.Event()
    event.listen(engine.sync_engine, "connect", _hold_function(started, release))
    await engine.dispose()  # the pooled connection has no hold()

    async def request() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(t).values(id=1, name="cancelled"))
            await conn.execute(text("SELECT hold()"))

    gc.disable()  # the collector must not be what frees the lock
    try:
        task = asyncio.get_running_loop().create_task(request(), name="request")
        try:
            assert await asyncio.to_thread(started.wait, 5)
            task.cancel()
        finally:
            release.set()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        other = sqlite3.connect(str(tmp_path / "roost.db"), timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO aio_t (id, name) VALUES (2, 'next')")
            other.execute("COMMIT")
        finally:
            other.close()
    finally:
        gc.enable()
        await engine.dispose()
