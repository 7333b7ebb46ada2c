"""The read every authenticated request and WebSocket makes: a device session and its user."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

from sqlalchemy.engine import Engine


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
    """One statement of driver SQL on a thread and connection of its own. Through the async
    engine the same read cost a pool checkout, a BEGIN, the statement's cache key and a
    ROLLBACK, each a trip to the driver's thread: a fifth of the server's CPU while clients
    reconnected (docs/performance.md, token resumption). Each lookup is a statement of its own
    (SQLite autocommit, a transaction ended at once on PostgreSQL), so it sees every commit
    made before it, a revocation included."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._sql = (
            f"SELECT {_COLUMNS} FROM device_sessions AS s "  # noqa: S608 - fixed names
            f"JOIN users AS u ON u.id = s.user_id WHERE s.id = {mark}"
        )
        self._end_transaction = engine.dialect.name != "sqlite"
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="session-lookup")
        self._conn: Any = None
        self._closed = False

    async def get(self, session_id: str) -> SessionRow | None:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._get_blocking, session_id)

    def _get_blocking(self, session_id: str) -> SessionRow | None:
        if self._conn is None:
            self._conn = self._engine.raw_connection()
        conn = self._conn
        try:
            cur = conn.cursor()
            try:
                cur.execute(self._sql, (session_id,))
                row = cur.fetchone()
            finally:
                cur.close()
            if self._end_transaction:
                conn.rollback()
        except Exception:
            # A broken connection is not kept: the next lookup opens another.
            self._conn = None
            conn.invalidate()
            raise
        return None if row is None else SessionRow(*row)

    def _close_blocking(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def close(self) -> None:
        """Idempotent: a runtime may be closed twice."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._close_blocking)
        self._thread.shutdown(wait=True)
        self._engine.dispose()
