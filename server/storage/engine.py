"""Opening the database: SQLite in WAL mode by default, migrations applied before first use."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from server.child import run_in_child_blocking
from server.storage.aio import AsyncEngine, create_async_engine

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


def head_revisions() -> frozenset[str]:
    """The newest revision(s) in ``migrations/versions``, read from the files' ``revision`` and
    ``down_revision`` lines without importing Alembic. Empty when they cannot be read that
    way: then Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        for path in sorted((MIGRATIONS / "versions").glob("*.py")):
            if path.name.startswith((".#", "__init__")):  # as Alembic skips them
                continue
            found: dict[str, Any] = {}
            for node in ast.parse(path.read_bytes(), str(path)).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                    if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                        found[target.id] = ast.literal_eval(node.value)
            if not isinstance(found.get("revision"), str):
                return frozenset()
            revisions.add(found["revision"])
            down = found.get("down_revision")
            if isinstance(down, str):
                parents.add(down)
            elif isinstance(down, tuple | list):
                parents.update(str(d) for d in down)
    except (OSError, SyntaxError, ValueError):  # not plain literals, or an unreadable file
        return frozenset()
    return frozenset(revisions - parents)


def _schema_is_current(connection: Connection) -> bool:
    heads = head_revisions()
    if not heads or not inspect(connection).has_table("alembic_version"):
        return False
    rows = connection.execute(text("SELECT version_num FROM alembic_version"))
    return frozenset(str(row[0]) for row in rows) == heads


def _upgrade_blocking(connection: Connection) -> None:
    if _schema_is_current(connection):
        return  # the usual start: nothing to apply, and no need to load Alembic
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


# Alembic, with Mako and every SQLAlchemy dialect it loads, is about 10 MiB that a process keeps
# once it has imported them. ``roost-server run`` sets this: a schema that is behind (a new
# database, the first start after an update) is then brought up to date by a short-lived child
# process, and the server never loads Alembic. Tests and the maintenance commands migrate
# in-process.
migrate_in_child = False


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision (idempotent). Alembic is imported only when
    the database is behind, and then in a child process when ``migrate_in_child`` is set."""
    db = engine.url.database if engine.dialect.name == "sqlite" else None
    if (
        migrate_in_child
        and db
        and db != ":memory:"
        and not db.startswith("file:")
        and sys.executable
    ):
        async with engine.begin() as conn:
            if await conn.run_sync(_schema_is_current):
                return
        await asyncio.to_thread(_upgrade_in_child_blocking, db)
        async with engine.begin() as conn:
            if await conn.run_sync(_schema_is_current):
                return
        # A schema the heads cannot describe (see head_revisions): Alembic here decides.
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade_blocking)


def _upgrade_in_child_blocking(db: str) -> None:
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    run_in_child_blocking(
        "server.storage.engine:_upgrade_main", db, str(level), what="the database migration"
    )


def _upgrade_main(argv: list[str]) -> None:
    """The child: bring the SQLite database ``DB_FILE`` up to date (``argv``: DB_FILE LEVEL)."""
    import alembic.command  # noqa: F401 - before the logging set-up, as the server imported it

    from server.logs import configure

    db, level = argv
    configure(level)  # Alembic's "Running upgrade" lines go where the server's log goes
    engine = create_sync_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:
            _upgrade_blocking(conn)
    finally:
        engine.dispose()


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
