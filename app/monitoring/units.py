"""Short, readable figures for the dashboard: sizes, durations, clock times."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication

_UNITS = ("B", "KB", "MB", "GB", "TB")


def format_bytes(n: float) -> str:
    """A size such as ``"1.5 GB"`` (powers of 1024, one decimal above a kilobyte)."""
    value = float(n)
    unit = 0
    while abs(value) >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    return f"{value:.0f} {_UNITS[unit]}" if unit == 0 else f"{value:.1f} {_UNITS[unit]}"


def format_duration(seconds: float) -> str:
    """A span such as ``"3 d 4 h"``, ``"2 h 5 min"`` or ``"4 min"`` (translated)."""
    s = max(0, int(seconds))
    days, rest = divmod(s, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return QCoreApplication.translate("Dashboard", "{days} d {hours} h").format(
            days=days, hours=hours
        )
    if hours:
        return QCoreApplication.translate("Dashboard", "{hours} h {minutes} min").format(
            hours=hours, minutes=minutes
        )
    return QCoreApplication.translate("Dashboard", "{minutes} min").format(minutes=minutes)


def clock(at: float) -> str:
    """The local time of day of a Unix time, ``"HH:MM"``."""
    return time.strftime("%H:%M", time.localtime(at))


def day_and_clock(at: float, now: float) -> str:
    """``"HH:MM"`` for today, else ``"YYYY-MM-DD HH:MM"``."""
    if time.localtime(at)[:3] == time.localtime(now)[:3]:
        return clock(at)
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))
