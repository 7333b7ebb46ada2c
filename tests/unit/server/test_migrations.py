"""Migrations produce exactly the schema the code declares, and run again harmlessly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from server.storage.engine import create_engine, migrate
from server.storage.tables import metadata


def _diff(conn: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn), metadata))


async def test_migrated_schema_matches_the_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        await migrate(engine)
        await migrate(engine)  # idempotent: a restart applies nothing
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            assert mode == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
    finally:
        await engine.dispose()


async def test_commits_leave_checkpoints_to_the_checkpointer(tmp_path: Path) -> None:
    """A commit never copies the WAL into the database (that fsync stalled the event writer);
    the checkpointer does, from its own thread."""
    import contextlib
    import sqlite3

    from server.storage.engine import Checkpointer

    db = tmp_path / "db.sqlite"
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    try:
        await migrate(engine)
        size_before = db.stat().st_size
        async with engine.begin() as conn:
            for i in range(2000):  # well past SQLite's default autocheckpoint of 1000 pages
                await conn.execute(
                    text("INSERT INTO server_meta (key, value) VALUES (:k, :v)"),
                    {"k": f"k{i}", "v": "x" * 2000},
                )
        assert db.stat().st_size == size_before  # everything still only in the WAL
        checkpointer = Checkpointer(db)
        await checkpointer.stop()  # its final round
        assert db.stat().st_size > size_before + 2000 * 2000
        with contextlib.closing(sqlite3.connect(db)) as raw:  # sqlite3's own "with" never closes
            assert raw.execute("SELECT count(*) FROM server_meta").fetchone()[0] >= 2000
    finally:
        await engine.dispose()
