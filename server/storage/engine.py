"""Opening the database: SQLite in WAL mode by default, migrations applied before first use."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


def sqlite_url(data_dir: Path, *, sync: bool = False) -> str:
    driver = "sqlite" if sync else "sqlite+aiosqlite"
    return f"{driver}:///{data_dir / 'roost.db'}"


# How long a writer waits for SQLite's write lock before giving up ("database is locked",
# answered as server_busy). 5 s ran out on one pinned core with argon2 hashing beside the
# writers (roost-bench W-login); clients wait 20 s for an answer.
BUSY_TIMEOUT_MS = 15_000


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is switched off: _sqlite_begin says which kind.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: an acknowledged write survives a power cut, not only a process crash.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    # No connection checkpoints as a side effect of its commit: with synchronous=FULL a
    # checkpoint fsyncs the database file, and inside the event writer's commit that stalled
    # every message queued behind it (p99 267 ms at 100 msgs/s). Checkpointer does it instead.
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


def _configure_sqlite(sync_engine: Engine, *, immediate: bool) -> None:
    """Writers take SQLite's write lock when they begin (BEGIN IMMEDIATE), so two writers
    queue on busy_timeout instead of one failing with SQLITE_BUSY when it upgrades a read
    transaction that another writer overtook. Readers begin deferred and never block."""
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    def _sqlite_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    event.listen(sync_engine, "connect", _sqlite_pragmas)
    event.listen(sync_engine, "begin", _sqlite_begin)


def database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite giving up on its write lock after ``BUSY_TIMEOUT_MS``: the
    request changed nothing (its transaction rolled back) and may be sent again."""
    return isinstance(exc, sqlite3.OperationalError | OperationalError) and (
        "database is locked" in str(exc)
    )


def create_engine(url: str, *, immediate: bool = True) -> AsyncEngine:
    """An async engine; ``immediate`` for the one that writes, not for readers."""
    engine = create_async_engine(url)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine.sync_engine, immediate=immediate)
    return engine


def create_sync_engine(url: str) -> Engine:
    """A blocking engine for the event writer's own thread."""
    engine = sa_create_engine(url)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, immediate=True)
    return engine


def _upgrade_blocking(connection: Connection) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade_blocking)


class Checkpointer:
    """Copies the WAL into the database file from its own thread every few seconds, in PASSIVE
    mode: it never waits for, nor blocks, a writer or a reader."""

    def __init__(self, db_file: Path, every_s: float = 2.0) -> None:
        self.db_file = db_file
        self.every_s = every_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="wal-checkpointer")

    def _checkpoint_blocking(self, mode: str) -> None:
        conn = sqlite3.connect(self.db_file, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute(f"PRAGMA wal_checkpoint({mode})")
        finally:
            conn.close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            try:
                await asyncio.to_thread(self._checkpoint_blocking, "PASSIVE")
            except sqlite3.Error as exc:  # a busy moment: the next round catches up
                log.warning("WAL checkpoint skipped: %s", exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self._checkpoint_blocking, "PASSIVE")
