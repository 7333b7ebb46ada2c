"""The chart lines of a snapshot: plain ``(unix seconds, value)`` points per figure."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from server.protocol.monitoring import MetricsSnapshot, Sample

Point = tuple[float, float]

GIB = 1024**3


class SeriesKey(StrEnum):
    CPU = "cpu"  # percent
    MEMORY = "memory"  # percent used
    TEMPERATURE = "temperature"  # °C
    MESSAGES = "messages"  # per minute
    USERS_ONLINE = "users_online"  # people
    CONNECTIONS = "connections"  # open connections
    DISK_FREE = "disk_free"  # GiB


def _memory_percent(s: Sample) -> float | None:
    if s.memory_used_bytes is None or not s.memory_total_bytes:
        return None
    return 100 * s.memory_used_bytes / s.memory_total_bytes


def _disk_gib(s: Sample) -> float | None:
    return None if s.disk_free_bytes is None else s.disk_free_bytes / GIB


_PICK: dict[SeriesKey, Callable[[Sample], float | None]] = {
    SeriesKey.CPU: lambda s: s.cpu_percent,
    SeriesKey.MEMORY: _memory_percent,
    SeriesKey.TEMPERATURE: lambda s: s.temperature_c,
    SeriesKey.MESSAGES: lambda s: s.messages_per_min,
    SeriesKey.USERS_ONLINE: lambda s: float(s.users_online),
    SeriesKey.CONNECTIONS: lambda s: float(s.connections),
    SeriesKey.DISK_FREE: _disk_gib,
}


def build_series(snap: MetricsSnapshot) -> dict[SeriesKey, list[Point]]:
    """Every chart line of the snapshot's history, oldest first, plus the current sample.

    A value the host could not give is left out (a gap in the line, not a false zero).
    """
    samples = list(snap.history)
    # The history may stop a little before the newest sample; end the lines at "now".
    if snap.current is not None and (not samples or samples[-1].at < snap.current.at):
        samples.append(snap.current)
    out: dict[SeriesKey, list[Point]] = {}
    for key, pick in _PICK.items():
        points: list[Point] = []
        for s in samples:
            value = pick(s)
            if value is not None:
                points.append((s.at, float(value)))
        out[key] = points
    return out
