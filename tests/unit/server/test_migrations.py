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
