"""The session lookup behind every authenticated request: its own connection, yet it sees each
commit made before it (a revocation above all), and a broken connection is replaced."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from server.storage.engine import create_sync_engine, sqlite_url
from server.storage.session_lookup import NotNow, SessionLookup, SessionRow
from server.storage.tables import device_sessions, metadata, users


def _database(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path, sync=True)
    engine = create_sync_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(users).values(
                id=7, username="mum", display_name="Mum 妈妈", role="owner", created_at=1.0
            )
        )
        conn.execute(
            insert(device_sessions).values(
                id="s1",
                user_id=7,
                device_name="laptop",
                created_at=1.0,
                last_seen_at=2.0,
                expires_at=9e9,
            )
        )
    engine.dispose()
    return url


async def test_a_lookup_sees_the_row_and_then_its_revocation(tmp_path: Path) -> None:
    url = _database(tmp_path)
    lookup = SessionLookup(create_sync_engine(url))
    try:
        row = await lookup.get("s1")
        assert row == SessionRow(
            "s1", 7, None, 9e9, 2.0, "mum", "Mum 妈妈", "owner", False, None, False, False
        )
        assert await lookup.get("no-such-session") is None
        # Revoked through another connection, as the writer engine does.
        other = create_sync_engine(url)
        with other.begin() as conn:
            conn.execute(update(device_sessions).values(revoked_at=3.0))
        other.dispose()
        row = await lookup.get("s1")
        assert row is not None and row.revoked_at == 3.0
    finally:
        await lookup.close()


async def test_a_broken_connection_is_replaced(tmp_path: Path) -> None:
    lookup = SessionLookup(create_sync_engine(_database(tmp_path)))
    try:
        assert await lookup.get("s1") is not None
        lookup._loop_conn.dbapi_connection.close()  # the database went away under it
        with pytest.raises(Exception, match="closed"):
            await lookup.get("s1")
        assert await lookup.get("s1") is not None
    finally:
        await lookup.close()
        await lookup.close()  # as a runtime closed twice does


async def test_a_locked_database_is_waited_for_on_the_thread_while_the_loop_runs_on(
    tmp_path: Path,
) -> None:
    url = _database(tmp_path)
    # An exclusive-mode connection keeps every other connection out until it closes.
    holder = sqlite3.connect(str(tmp_path / "roost.db"), isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE device_sessions SET last_seen_at = 5.0")
    holder.execute("COMMIT")
    lookup = SessionLookup(create_sync_engine(url))
    try:
        pending = asyncio.ensure_future(lookup.get("s1"))
        ticks = 0
        for _ in range(10):  # the loop keeps running while the thread waits for the lock
            await asyncio.sleep(0.02)
            ticks += 1
        assert ticks == 10 and not pending.done()
        holder.close()
        row = await asyncio.wait_for(pending, 10)
        assert row is not None and row.last_seen_at == 5.0
        # The thread opened the loop's own connection, which serves the next lookups.
        assert lookup._loop_conn is not None
        assert await lookup.get("s1") == row
    finally:
        holder.close()
        await lookup.close()


async def test_on_another_database_the_lookup_uses_only_its_thread(tmp_path: Path) -> None:
    lookup = SessionLookup(create_sync_engine(_database(tmp_path)))
    lookup._on_loop = False  # as for PostgreSQL, whose reads cross a network
    try:
        assert await lookup.get("s1") is not None
        assert lookup._loop_conn is None and lookup._conn is not None
        with pytest.raises(NotNow):
            lookup.get_now("s1")
        lookup._conn.dbapi_connection.close()
        with pytest.raises(Exception, match="closed"):
            await lookup.get("s1")
        assert await lookup.get("s1") is not None
    finally:
        await lookup.close()


async def test_get_now_answers_on_the_loop_once_the_thread_opened_its_connection(
    tmp_path: Path,
) -> None:
    lookup = SessionLookup(create_sync_engine(_database(tmp_path)))
    try:
        with pytest.raises(NotNow):  # no connection on the loop yet
            lookup.get_now("s1")
        assert await lookup.get("s1") is not None  # on the thread, which opens the loop's
        row = lookup.get_now("s1")
        assert row is not None and row.user_id == 7
        assert lookup.get_now("no-such-session") is None
    finally:
        await lookup.close()
