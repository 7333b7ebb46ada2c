"""The server's recent log lines: load at a level, show as text, save to a file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.net.signed_in import SignedInApi
from app.server_admin import api
from server.protocol.monitoring import LogEntry

LEVELS = ("debug", "info", "warning", "error", "critical")


def line(entry: LogEntry) -> str:
    """One log line in the server's own text format (protocol 24.6), in UTC."""
    at = dt.datetime.fromtimestamp(entry.at, dt.UTC)
    stamp = at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    return f"{stamp} {entry.level.upper():<8} {entry.logger}: {entry.message}"


class Logs:
    """The newest log lines at a chosen level.

    Attributes:
        level: the lowest level shown.
        entries: oldest first.
        dropped: older lines the server no longer holds.
    """

    def __init__(self, session: SignedInApi) -> None:
        self._session = session
        self.level = "info"
        self.entries: list[LogEntry] = []
        self.dropped = 0

    async def load(self, level: str | None = None) -> list[LogEntry]:
        """Reads the newest lines at ``level`` (or the current one) or above.

        Raises:
            ValueError: an unknown level.
        """
        if level is not None:
            if level not in LEVELS:
                raise ValueError(f"unknown level {level!r}")
            self.level = level
        page = await api.logs(self._session, level=self.level)
        self.entries, self.dropped = page.entries, page.dropped
        return self.entries

    def text(self) -> str:
        """The lines as shown, one per line."""
        return "".join(line(e) + "\n" for e in self.entries)

    def save_blocking(self, path: Path) -> None:
        """Writes the lines to ``path`` (UTF-8)."""
        path.write_text(self.text(), encoding="utf-8")
