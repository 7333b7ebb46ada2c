"""An asyncio face for a SQLAlchemy Core engine with an async driver, in place of
``sqlalchemy.ext.asyncio``, whose package imports the ORM (5.6 MiB of an idle server)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Never,
    ParamSpec,
    TypeVar,
    TypeVarTuple,
    overload,
)

from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import Connection, CursorResult, Engine, Transaction
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.util.concurrency import greenlet_spawn

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Dialect, ScalarResult
    from sqlalchemy.engine.interfaces import (
        CoreExecuteOptionsParameter,
        _CoreAnyExecuteParams,
        _CoreSingleExecuteParams,
        _DBAPIAnyExecuteParams,
    )
    from sqlalchemy.pool import PoolProxiedConnection
    from sqlalchemy.sql.base import Executable
    from sqlalchemy.sql.selectable import TypedReturnsRows

_P = ParamSpec("_P")
_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")

__all__ = ["AsyncConnection", "AsyncEngine", "AsyncTransaction", "create_async_engine"]


def create_async_engine(url: str | URL, **kw: Any) -> AsyncEngine:
    """An engine over an asyncio driver (``sqlite+aiosqlite``, ``postgresql+asyncpg``...):
    SQLAlchemy's sync ``Engine`` built as ``sqlalchemy.ext.asyncio`` builds it (async dialect,
    asyncio-adapted pool), with ``kw`` as for ``sqlalchemy.create_engine``."""
    kw["_is_async"] = True
    return AsyncEngine(sa_create_engine(url, **kw))


async def _to_its_end(coro: Coroutine[Any, Any, _T]) -> _T:
    """Await ``coro`` to its end even if the caller is cancelled meanwhile, then re-raise the
    cancellation. Every statement, commit, rollback and close goes through here: a statement
    cut off half-way made SQLAlchemy invalidate the connection, and aiosqlite then lost its
    SQLite connection without closing it, so an interrupted write transaction kept SQLite's
    write lock until the garbage collector found it, and every other writer waited for it
    (tests/unit/server/test_storage_aio.py). Run to its end, the statement's transaction is
    rolled back as any failed one is, and the connection goes back to the pool. Statements
    take milliseconds; so does the wait."""
    task = asyncio.get_running_loop().create_task(coro, name="db-call")
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.wait((task,))  # unlike awaiting it, never cancels the task
        except asyncio.CancelledError as err:
            cancelled = err
    if cancelled is not None:
        raise cancelled
    return task.result()


async def _buffered(result: CursorResult[*_Ts], method: str) -> CursorResult[*_Ts]:
    """``result`` if its rows are already fetched (the async drivers' cursors fetch them all in
    ``execute``). A server-side cursor (``stream_results``) would fetch later, outside the
    greenlet, where the driver cannot be awaited: closed and refused, as SQLAlchemy's asyncio
    extension does."""
    if result.context._is_server_side:
        await greenlet_spawn(result.close)
        raise InvalidRequestError(f"AsyncConnection.{method}() cannot stream a result")
    return result


class AsyncEngine:
    """An asyncio proxy for an ``Engine`` whose dialect is async.

    Attributes:
        sync_engine: The engine every call goes through, in a greenlet; the target for
            ``sqlalchemy.event`` listeners (connect, begin, pool events).
    """

    __slots__ = ("sync_engine",)

    def __init__(self, sync_engine: Engine) -> None:
        if not sync_engine.dialect.is_async:
            raise InvalidRequestError(
                f"An async engine needs an async driver; {sync_engine.dialect.driver!r} is not."
            )
        self.sync_engine = sync_engine

    @property
    def dialect(self) -> Dialect:
        return self.sync_engine.dialect

    @property
    def url(self) -> URL:
        return self.sync_engine.url

    def connect(self) -> AsyncConnection:
        """A connection, taken from the pool when entered with ``async with``."""
        return AsyncConnection(self)

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction: committed when the block ends, rolled back when it
        raises; the connection goes back to the pool either way."""
        async with self.connect() as conn, conn.begin():
            yield conn

    async def dispose(self, close: bool = True) -> None:
        """Close the pool's checked-in connections (all of them, with ``close``) and start a
        new pool; connections checked out now are closed when they come back."""
        await greenlet_spawn(self.sync_engine.dispose, close=close)


class AsyncConnection:
    """An asyncio proxy for a ``Connection``, usable once entered with ``async with``.

    Attributes:
        engine: The engine it came from.
        sync_engine: That engine's sync ``Engine``.
        sync_connection: The sync ``Connection`` once started, else None.
    """

    __slots__ = ("engine", "sync_connection", "sync_engine")

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sync_engine = engine.sync_engine
        self.sync_connection: Connection | None = None

    async def start(self) -> AsyncConnection:
        """Check a connection out of the pool (what ``async with`` does)."""
        if self.sync_connection is not None:
            raise InvalidRequestError("connection is already started")
        try:
            await _to_its_end(self._check_out())
        except asyncio.CancelledError:
            # Cancelled while waiting for the pool: the checkout ran to its end, and nobody
            # will leave an ``async with`` that was never entered, so the connection goes
            # back here, or it stays checked out until the collector finds it.
            if self._checked_out():
                await _to_its_end(self.close())
            raise
        return self

    def _checked_out(self) -> bool:
        return self.sync_connection is not None

    async def _check_out(self) -> None:
        self.sync_connection = await greenlet_spawn(self.sync_engine.connect)

    async def __aenter__(self) -> AsyncConnection:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await _to_its_end(self.close())

    @property
    def _proxied(self) -> Connection:
        if self.sync_connection is None:
            raise InvalidRequestError(
                "AsyncConnection context has not been started and object has not been awaited."
            )
        return self.sync_connection

    @property
    def closed(self) -> bool:
        return self._proxied.closed

    @property
    def dialect(self) -> Dialect:
        return self._proxied.dialect

    def in_transaction(self) -> bool:
        return self._proxied.in_transaction()

    def begin(self) -> AsyncTransaction:
        """A transaction, begun when entered with ``async with``."""
        return AsyncTransaction(self)

    async def commit(self) -> None:
        await _to_its_end(greenlet_spawn(self._proxied.commit))

    async def rollback(self) -> None:
        await _to_its_end(greenlet_spawn(self._proxied.rollback))

    async def close(self) -> None:
        """Give the connection back to the pool, rolling back what is not committed."""
        await greenlet_spawn(self._proxied.close)

    async def get_raw_connection(self) -> PoolProxiedConnection:
        """The pooled DBAPI connection; its ``driver_connection`` is the driver's own."""
        return await greenlet_spawn(getattr, self._proxied, "connection")

    @overload
    async def execute(
        self,
        statement: TypedReturnsRows[*_Ts],
        parameters: _CoreAnyExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> CursorResult[*_Ts]: ...

    @overload
    async def execute(
        self,
        statement: Executable,
        parameters: _CoreAnyExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> CursorResult[*tuple[Any, ...]]: ...

    async def execute(
        self,
        statement: Executable,
        parameters: _CoreAnyExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> CursorResult[*tuple[Any, ...]]:
        """Run a statement; the result's rows are already fetched."""
        result = await _to_its_end(
            greenlet_spawn(
                self._proxied.execute,
                statement,
                parameters,
                execution_options=execution_options,
                _require_await=True,  # a sync driver here would block the event loop: refused
            )
        )
        return await _buffered(result, "execute")

    async def exec_driver_sql(
        self,
        statement: str,
        parameters: _DBAPIAnyExecuteParams | None = None,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> CursorResult[*tuple[Any, ...]]:
        """Run SQL as the driver takes it (its own placeholders)."""
        result = await _to_its_end(
            greenlet_spawn(
                self._proxied.exec_driver_sql,
                statement,
                parameters,
                execution_options,
                _require_await=True,
            )
        )
        return await _buffered(result, "exec_driver_sql")

    @overload
    async def scalar(
        self,
        statement: TypedReturnsRows[Never],
        parameters: _CoreSingleExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> Any | None: ...

    @overload
    async def scalar(
        self,
        statement: TypedReturnsRows[_T],
        parameters: _CoreSingleExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> _T | None: ...

    @overload
    async def scalar(
        self,
        statement: Executable,
        parameters: _CoreSingleExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> Any: ...

    async def scalar(
        self,
        statement: Executable,
        parameters: _CoreSingleExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> Any:
        """The first column of the first row, or None."""
        result = await self.execute(statement, parameters, execution_options=execution_options)
        return result.scalar()

    @overload
    async def scalars(
        self,
        statement: TypedReturnsRows[_T],
        parameters: _CoreAnyExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> ScalarResult[_T]: ...

    @overload
    async def scalars(
        self,
        statement: Executable,
        parameters: _CoreAnyExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> ScalarResult[Any]: ...

    async def scalars(
        self,
        statement: Executable,
        parameters: _CoreAnyExecuteParams | None = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> ScalarResult[Any]:
        """The first column of every row."""
        result = await self.execute(statement, parameters, execution_options=execution_options)
        return result.scalars()

    async def run_sync(
        self, fn: Callable[Concatenate[Connection, _P], _T], *args: _P.args, **kw: _P.kwargs
    ) -> _T:
        """Call ``fn(sync_connection, ...)`` in a greenlet, so that its statements are awaited
        on the event loop; ``fn`` must not block on anything else."""
        return await _to_its_end(
            greenlet_spawn(fn, self._proxied, *args, _require_await=False, **kw)
        )


class AsyncTransaction:
    """An asyncio proxy for a ``Transaction``: ``async with conn.begin():`` commits when the
    block ends and rolls back when it raises (or when the commit itself fails).

    Attributes:
        connection: The connection it runs on.
        sync_transaction: The sync ``Transaction`` once begun, else None.
    """

    __slots__ = ("connection", "sync_transaction")

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.sync_transaction: Transaction | None = None

    @property
    def _proxied(self) -> Transaction:
        if self.sync_transaction is None:
            raise InvalidRequestError("AsyncTransaction context has not been started.")
        return self.sync_transaction

    @property
    def is_active(self) -> bool:
        return self._proxied.is_active

    async def __aenter__(self) -> AsyncTransaction:
        trans = await _to_its_end(greenlet_spawn(self.connection._proxied.begin))
        # The sync context manager's bookkeeping: a commit or rollback inside the block
        # ends the block's transaction, as in a sync ``with conn.begin():``.
        trans.__enter__()
        self.sync_transaction = trans
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await _to_its_end(greenlet_spawn(self._proxied.__exit__, exc_type, exc, tb))

    async def commit(self) -> None:
        await _to_its_end(greenlet_spawn(self._proxied.commit))

    async def rollback(self) -> None:
        await _to_its_end(greenlet_spawn(self._proxied.rollback))
