"""The read every authenticated request and WebSocket makes: a device session and its user."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

from sqlalchemy.engine import Engine

from server.storage.engine import database_busy


class NotNow(Exception):
    """The lookup cannot be answered without waiting (``SessionLookup.get_now``)."""


class SessionRow(NamedTuple):
    session_id: str
    user_id: int
    revoked_at: float | None
    expires_at: float
    last_seen_at: float
    username: str
    display_name: str
    role: str
    disabled: bool
    deleted_at: float | None
    must_change_password: bool
    totp_enabled: bool


_COLUMNS = (
    "s.id, s.user_id, s.revoked_at, s.expires_at, s.last_seen_at, u.username, u.display_name, "
    "u.role, u.disabled, u.deleted_at, u.must_change_password, u.totp_enabled"
)


class SessionLookup:
    """One statement of driver SQL on a connection of its own. Through the async engine the
    same read cost a pool checkout, a BEGIN, the statement's cache key and a ROLLBACK, each a
    trip to the driver's thread: a fifth of the server's CPU while clients reconnected
    (docs/performance.md, token resumption). Each lookup is a statement of its own (SQLite
    autocommit, a transaction ended at once on PostgreSQL), so it sees every commit made before
    it, a revocation included.

    On SQLite the read runs on the event loop itself: a primary-key read of a local file in
    WAL mode takes tens of microseconds and never waits for a writer, while handing it to a
    thread cost the loop more than the read (the wake-up of the thread, a GIL hand-over on
    one core, the future coming back). That connection never waits for a lock (busy_timeout
    0): in the rare moment SQLite answers "busy" to a reader (a checkpoint resetting the WAL,
    recovery after a crash), the lookup goes to the thread, which may wait. The first lookup
    goes to the thread too, which opens the loop's connection for the next ones. Other
    databases are across a network: always the thread."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._sql = (
            f"SELECT {_COLUMNS} FROM device_sessions AS s "  # noqa: S608 - fixed names
            f"JOIN users AS u ON u.id = s.user_id WHERE s.id = {mark}"
        )
        self._on_loop = engine.dialect.name == "sqlite"
        self._end_transaction = not self._on_loop
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="session-lookup")
        self._conn: Any = None  # the thread's
        self._loop_conn: Any = None  # the event loop's (SQLite only), opened by the thread
        self._closed = False

    async def get(self, session_id: str) -> SessionRow | None:
        try:
            return self.get_now(session_id)
        except NotNow:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._thread, self._get_blocking, session_id)

    def get_now(self, session_id: str) -> SessionRow | None:
        """The lookup on the event loop, or ``NotNow`` when it would have to wait: no loop's
        connection (yet, or not SQLite), or SQLite busy."""
        conn = self._loop_conn
        if conn is None:
            raise NotNow
        try:
            return self._read(conn, session_id)
        except Exception as exc:
            if database_busy(exc):
                raise NotNow from None
            # A broken connection is not kept: the thread opens another.
            self._loop_conn = None
            conn.invalidate()
            raise

    def _get_blocking(self, session_id: str) -> SessionRow | None:
        if self._conn is None:
            self._conn = self._engine.raw_connection()
        try:
            row = self._read(self._conn, session_id)
        except Exception:
            # A broken connection is not kept: the next lookup opens another.
            conn, self._conn = self._conn, None
            conn.invalidate()
            raise
        if self._on_loop and self._loop_conn is None:
            self._loop_conn = self._open_for_loop()
        return row

    def _open_for_loop(self) -> Any:
        """Opened here, on the thread: connecting sets pragmas, which may wait for a lock."""
        try:
            conn = self._engine.raw_connection()
        except Exception:  # the lookups go on through the thread; the next one tries again
            return None
        try:
            cur = conn.cursor()
            cur.execute("PRAGMA busy_timeout=0")
            cur.close()
        except Exception:
            conn.invalidate()
            return None
        return conn

    def _read(self, conn: Any, session_id: str) -> SessionRow | None:
        cur = conn.cursor()
        try:
            cur.execute(self._sql, (session_id,))
            row = cur.fetchone()
        finally:
            cur.close()
        if self._end_transaction:
            conn.rollback()
        return None if row is None else SessionRow(*row)

    def _close_blocking(self) -> None:
        # Here, not on the loop: the last connection to close checkpoints the WAL.
        for conn in (self._conn, self._loop_conn):
            if conn is not None:
                conn.close()
        self._conn = self._loop_conn = None

    async def close(self) -> None:
        """Idempotent: a runtime may be closed twice."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._close_blocking)
        self._thread.shutdown(wait=True)
        self._engine.dispose()
