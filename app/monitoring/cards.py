"""The dashboard's status cards: each figure, its words and its level (ok, warn or bad)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QCoreApplication

from app.monitoring.alerts import NOW_MASK, SINCE_BOOT_MASK, describe_throttling
from app.monitoring.units import day_and_clock, format_bytes, format_duration
from server.protocol.monitoring import AlertKind, MetricsSnapshot, Sample

GIB = 1024**3

# Where a figure starts to deserve attention (warn) or action (bad). The server raises its
# alerts from its own settings; these only colour the cards, so they sit a little earlier.
CPU_WARN, CPU_BAD = 80.0, 95.0
MEMORY_WARN, MEMORY_BAD = 85.0, 95.0
DISK_WARN_FRACTION, DISK_BAD_FRACTION = 0.10, 0.05
DISK_BAD_BYTES = 1 * GIB
TEMPERATURE_WARN, TEMPERATURE_BAD = 70.0, 80.0
BACKUP_WARN_S = 2 * 86_400


class Level(StrEnum):
    """How a figure looks: fine, worth a look, needs action, or not known."""

    OK = "ok"
    WARN = "warn"
    BAD = "bad"
    UNKNOWN = "unknown"


class CardKey(StrEnum):
    CPU = "cpu"
    MEMORY = "memory"
    DISK = "disk"
    TEMPERATURE = "temperature"
    UPTIME = "uptime"
    USERS_ONLINE = "users_online"
    MESSAGES = "messages"
    DATABASE = "database"
    BACKUP = "backup"
    VERSION = "version"


@dataclass(frozen=True, slots=True)
class Card:
    """One status card.

    Attributes:
        key: which figure.
        title: its name, translated.
        value: the figure, short (``"42 %"``, ``"3.1 GB free"``).
        detail: one more line (may be empty).
        level: how it looks.
    """

    key: CardKey
    title: str
    value: str
    detail: str
    level: Level


def level_at_least(value: float, warn: float, bad: float) -> Level:
    """``bad`` at or above ``bad``, ``warn`` at or above ``warn``, else ``ok``."""
    if value >= bad:
        return Level.BAD
    if value >= warn:
        return Level.WARN
    return Level.OK


def cpu_level(percent: float | None) -> Level:
    return Level.UNKNOWN if percent is None else level_at_least(percent, CPU_WARN, CPU_BAD)


def memory_level(used: int | None, total: int | None) -> Level:
    if used is None or not total:
        return Level.UNKNOWN
    return level_at_least(100 * used / total, MEMORY_WARN, MEMORY_BAD)


def disk_level(free: int | None, total: int | None) -> Level:
    if free is None or not total:
        return Level.UNKNOWN
    if free < DISK_BAD_BYTES or free < total * DISK_BAD_FRACTION:
        return Level.BAD
    if free < total * DISK_WARN_FRACTION:
        return Level.WARN
    return Level.OK


def temperature_level(celsius: float | None, throttled: int | None) -> Level:
    """The hotter of the temperature's level and the throttling's (now: bad, since boot: warn)."""
    bits = throttled or 0
    if bits & NOW_MASK:
        return Level.BAD
    if celsius is None:
        return Level.WARN if bits & SINCE_BOOT_MASK else Level.UNKNOWN
    level = level_at_least(celsius, TEMPERATURE_WARN, TEMPERATURE_BAD)
    if level == Level.OK and bits & SINCE_BOOT_MASK:
        return Level.WARN
    return level


def backup_level(last_backup_at: float | None, now: float, overdue: bool) -> Level:
    if overdue:
        return Level.BAD
    if last_backup_at is None or now - last_backup_at > BACKUP_WARN_S:
        return Level.WARN
    return Level.OK


def _na() -> str:
    return QCoreApplication.translate("Dashboard", "Not available")


def _percent(value: float) -> str:
    return f"{value:.0f} %"


def build_cards(snap: MetricsSnapshot, now: float) -> list[Card]:
    """The status cards for a snapshot whose ``current`` sample exists.

    Args:
        snap: the server's answer.
        now: the current Unix time (for "last backup").

    Returns:
        The cards, in the order the page shows them.
    """
    s: Sample | None = snap.current
    assert s is not None, "cards need a current sample"
    cards: list[Card] = []

    cards.append(
        Card(
            CardKey.CPU,
            QCoreApplication.translate("Dashboard", "Processor"),
            _percent(s.cpu_percent) if s.cpu_percent is not None else _na(),
            QCoreApplication.translate("Dashboard", "Load {load}").format(load=f"{s.load1:.2f}")
            if s.load1 is not None
            else "",
            cpu_level(s.cpu_percent),
        )
    )

    if s.memory_used_bytes is not None and s.memory_total_bytes:
        mem_value = _percent(100 * s.memory_used_bytes / s.memory_total_bytes)
        mem_detail = QCoreApplication.translate("Dashboard", "{used} of {total}").format(
            used=format_bytes(s.memory_used_bytes), total=format_bytes(s.memory_total_bytes)
        )
    else:
        mem_value, mem_detail = _na(), ""
    cards.append(
        Card(
            CardKey.MEMORY,
            QCoreApplication.translate("Dashboard", "Memory"),
            mem_value,
            mem_detail,
            memory_level(s.memory_used_bytes, s.memory_total_bytes),
        )
    )

    if s.disk_free_bytes is not None:
        disk_value = QCoreApplication.translate("Dashboard", "{free} free").format(
            free=format_bytes(s.disk_free_bytes)
        )
        disk_detail = (
            QCoreApplication.translate("Dashboard", "of {total}").format(
                total=format_bytes(s.disk_total_bytes)
            )
            if s.disk_total_bytes
            else ""
        )
    else:
        disk_value, disk_detail = _na(), ""
    cards.append(
        Card(
            CardKey.DISK,
            QCoreApplication.translate("Dashboard", "Storage"),
            disk_value,
            disk_detail,
            disk_level(s.disk_free_bytes, s.disk_total_bytes),
        )
    )

    throttle_words = describe_throttling(s.throttled or 0)
    if not throttle_words and (s.throttled or 0) & SINCE_BOOT_MASK:
        throttle_words = QCoreApplication.translate(
            "Dashboard", "It had to slow down at some point since it was switched on."
        )
    cards.append(
        Card(
            CardKey.TEMPERATURE,
            QCoreApplication.translate("Dashboard", "Temperature"),
            f"{s.temperature_c:.1f} °C" if s.temperature_c is not None else _na(),
            throttle_words,
            temperature_level(s.temperature_c, s.throttled),
        )
    )

    cards.append(
        Card(
            CardKey.UPTIME,
            QCoreApplication.translate("Dashboard", "Running for"),
            format_duration(s.server_uptime_s),
            QCoreApplication.translate("Dashboard", "Pi on for {time}").format(
                time=format_duration(s.host_uptime_s)
            )
            if s.host_uptime_s is not None
            else "",
            Level.OK,
        )
    )

    cards.append(
        Card(
            CardKey.USERS_ONLINE,
            QCoreApplication.translate("Dashboard", "People online"),
            str(s.users_online),
            QCoreApplication.translate("Dashboard", "{count} connections").format(
                count=s.connections
            ),
            Level.OK,
        )
    )

    cards.append(
        Card(
            CardKey.MESSAGES,
            QCoreApplication.translate("Dashboard", "Messages per minute"),
            f"{s.messages_per_min:.1f}",
            "",
            Level.OK,
        )
    )

    cards.append(
        Card(
            CardKey.DATABASE,
            QCoreApplication.translate("Dashboard", "Database"),
            format_bytes(s.database_bytes) if s.database_bytes is not None else _na(),
            "",
            Level.OK if s.database_bytes is not None else Level.UNKNOWN,
        )
    )

    overdue = any(a.kind == AlertKind.BACKUP_OVERDUE for a in snap.alerts)
    cards.append(
        Card(
            CardKey.BACKUP,
            QCoreApplication.translate("Dashboard", "Last backup"),
            day_and_clock(snap.last_backup_at, now)
            if snap.last_backup_at is not None
            else QCoreApplication.translate("Dashboard", "Never"),
            "",
            backup_level(snap.last_backup_at, now, overdue),
        )
    )

    cards.append(
        Card(
            CardKey.VERSION,
            QCoreApplication.translate("Dashboard", "Roost version"),
            snap.version,
            "",
            Level.OK,
        )
    )
    return cards
