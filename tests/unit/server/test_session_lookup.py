"""The session lookup behind every authenticated request: its own connection, yet it sees each
commit made before it (a revocation above all), and a broken connection is replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, update

from server.storage.engine import create_sync_engine, sqlite_url
from server.storage.session_lookup import SessionLookup, SessionRow
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
        lookup._conn.dbapi_connection.close()  # the database went away under it
        with pytest.raises(Exception, match="closed"):
            await lookup.get("s1")
        assert await lookup.get("s1") is not None
    finally:
        await lookup.close()
        await lookup.close()  # as a runtime closed twice does
