"""Python's garbage collector, run only on the GUI thread.

WORKAROUND: the cyclic collector runs in whichever thread happens to allocate, so a cycle
holding a Qt object (a dialog and a lambda connected to it) can be freed on a worker thread (the
REST client's pool). Shiboken then defers the C++ deletion to the main thread, and in
PySide6 6.11 that path crashed the interpreter (seen as a segfault in
``Shiboken::BindingManager::runDeletionInMainThread``). The remedy used by many PyQt/PySide
apps: switch off automatic collection and collect from a timer on the GUI thread instead.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGarbageCollector(QObject):
    """Disables automatic garbage collection and collects from a GUI-thread timer instead."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    def check(self) -> None:
        """Collects the generations whose thresholds are exceeded, as automatic GC would."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        generation = -1
        for gen in range(3):
            if counts[gen] > thresholds[gen]:
                generation = gen
        if generation >= 0:
            gc.collect(generation)

    def freeze(self) -> None:
        """Collects once, then moves every object alive now out of the collector's sight.

        A full collection scans every tracked object; with the app's modules, widgets and a
        chat cache loaded that is ~80 ms, a visibly dropped frame while scrolling. Objects that
        live as long as the app need never be scanned: after ``gc.freeze()`` full collections
        only look at what was made since (call it when start-up or a sign-in has settled).
        """
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        """Returns collection to Python (at exit)."""
        self._timer.stop()
        gc.enable()
