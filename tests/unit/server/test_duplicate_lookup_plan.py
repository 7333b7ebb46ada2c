"""The duplicate-send lookup runs on every send: it must be index searches, never a scan of the
events table (SQLite planned ``(sender_id, client_id) IN (VALUES ...)`` as a full scan)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.dialects import sqlite as sqlite_dialect

from server.storage.chat import WriterStatements, client_ids_query
from server.storage.tables import metadata

INDEX = "ux_events_sender_client"


def plan(db: Path, sql: str, params: list[object]) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def schema(tmp_path: Path) -> Path:
    db = tmp_path / "plan.db"
    engine = create_engine(f"sqlite:///{db}")
    metadata.create_all(engine)
    engine.dispose()
    return db


def assert_searches_only(steps: list[str]) -> None:
    assert any(INDEX in s for s in steps), steps
    assert not any(s.startswith("SCAN e") or s == "SCAN events" for s in steps), steps


def test_the_writers_lookup_searches_the_index(tmp_path: Path) -> None:
    db = schema(tmp_path)
    sql = WriterStatements("qmark", "sqlite")._lookup(3)
    assert_searches_only(plan(db, sql, [1, "a", 2, "b", 3, "c"]))


def test_the_general_lookup_searches_the_index(tmp_path: Path) -> None:
    db = schema(tmp_path)
    sql = client_ids_query([(1, "a"), (2, "b")]).compile(
        dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True}
    )
    assert_searches_only(plan(db, str(sql), []))
