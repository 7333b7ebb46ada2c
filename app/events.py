"""A tiny publish/subscribe helper: app/ objects announce past-tense events to listeners.

Listeners are plain callables; ``subscribe`` returns the function that unsubscribes. The ui/
layer turns these into Qt signals in its adapters, so app/ stays free of widgets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

E = TypeVar("E")
log = logging.getLogger(__name__)


class Emitter(Generic[E]):
    """Delivers each emitted event to every current listener, in subscription order."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[E], None]] = []

    def subscribe(self, listener: Callable[[E], None]) -> Callable[[], None]:
        """Adds a listener.

        Returns:
            A callable that removes this listener again (calling it twice is harmless).
        """
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: E) -> None:
        """Calls every listener; one failing listener does not keep the event from the rest."""
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("listener %r failed on %r", listener, event)
