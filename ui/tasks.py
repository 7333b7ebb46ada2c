"""Running app/ coroutines from widgets: one place that keeps tasks alive and reports failures.

Widgets never await directly; they call `spawn` with a coroutine and an error callback. Every
failure reaches that callback (or the log), never a silent "Task exception was never retrieved".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

_running: set[asyncio.Task[Any]] = set()


def spawn(
    coro: Coroutine[Any, Any, T],
    *,
    name: str,
    on_done: Callable[[T], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> asyncio.Task[T]:
    """Starts ``coro`` on the running (qasync) loop.

    Args:
        coro: the work.
        name: a task name, for logs and debugging.
        on_done: called with the result on success.
        on_error: called with the exception on failure (not on cancellation).

    Returns:
        The task, already referenced so it cannot be garbage-collected mid-flight.
    """
    task = asyncio.get_event_loop().create_task(coro, name=name)
    _running.add(task)

    def finished(t: asyncio.Task[T]) -> None:
        _running.discard(t)
        if t.cancelled():
            return
        exc = t.exception()
        if exc is None:
            if on_done is not None:
                on_done(t.result())
        elif on_error is not None:
            on_error(exc)
        else:
            log.error("task %s failed", name, exc_info=exc)

    task.add_done_callback(finished)
    return task


async def cancel_all() -> None:
    """Cancels every task still running (at shutdown) and waits for them to finish."""
    tasks = [t for t in _running if not t.done()]
    for t in tasks:
        t.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
