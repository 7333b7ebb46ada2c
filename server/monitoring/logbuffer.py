"""The server's recent log lines, kept in memory for the admin API (journald keeps the rest)."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

from server.protocol.monitoring import LogEntry, LogLevel

_LEVELS: dict[int, LogLevel] = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}
LEVEL_NUMBERS: dict[LogLevel, int] = {name: number for number, name in _LEVELS.items()}


def _level_name(levelno: int) -> LogLevel:
    for number in sorted(_LEVELS, reverse=True):
        if levelno >= number:
            return _LEVELS[number]
    return "debug"


# An entry as the buffer holds it: (seq, at, level, logger, message). As LogEntry objects, a
# full buffer of 2 000 lines took twice the memory (each model's __dict__ and set of fields).
_Held = tuple[int, float, LogLevel, str, str]


class RingBufferHandler(logging.Handler):
    """Holds the newest ``capacity`` records as entries; older ones fall off (bounded memory,
    whatever the server logs). Thread-safe: the event writer and executors log too."""

    def __init__(self, capacity: int) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(message)s"))
        self._entries: deque[_Held] = deque(maxlen=capacity)
        self._seq = 0
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
        except Exception:  # a bad format string in someone's log call must not lose the line
            message = str(record.msg)
        level = _level_name(record.levelno)
        with self._guard:
            self._seq += 1
            self._entries.append((self._seq, record.created, level, record.name, message))

    def entries(
        self, *, since: float | None = None, level: LogLevel = "debug", limit: int = 1000
    ) -> tuple[list[LogEntry], int]:
        """The newest ``limit`` entries after ``since`` at ``level`` or above, oldest first;
        and how many lines the buffer has dropped since the server started."""
        floor = LEVEL_NUMBERS[level]
        with self._guard:
            held = list(self._entries)
            dropped = self._seq - len(self._entries)
        picked = [
            e for e in held if LEVEL_NUMBERS[e[2]] >= floor and (since is None or e[1] > since)
        ]
        return [
            LogEntry(seq=seq, at=at, level=level, logger=logger, message=message)
            for seq, at, level, logger, message in picked[-limit:]
        ], dropped


def as_text(entries: list[LogEntry]) -> str:
    """The lines as a text file, one per line (tracebacks keep their own lines)."""
    lines = []
    for e in entries:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e.at))
        lines.append(
            f"{stamp}.{int(e.at % 1 * 1000):03d}Z {e.level.upper():8} {e.logger}: {e.message}"
        )
    return "\n".join(lines) + ("\n" if lines else "")
