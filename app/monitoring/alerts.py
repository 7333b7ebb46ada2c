"""Alerts in the app's own translated words, built from the alert's kind and value.

The server's ``message`` is English for logs; the person at the screen reads these instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QCoreApplication

from app.monitoring.units import format_bytes
from server.protocol.monitoring import Alert, AlertKind

# The bits of `vcgencmd get_throttled` that mean "happening now" (protocol 24.1).
UNDER_VOLTAGE = 0x1
FREQUENCY_CAPPED = 0x2
THROTTLED_NOW = 0x4
SOFT_TEMPERATURE_LIMIT = 0x8
NOW_MASK = 0xF
SINCE_BOOT_MASK = 0xF0000


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class AlertText:
    """One alert as the dashboard shows it.

    Attributes:
        kind: what it is about.
        severity: ``warning`` or ``critical``.
        text: what is going on and what to do, translated.
    """

    kind: AlertKind
    severity: Severity
    text: str


def describe_throttling(bits: int) -> str:
    """What the Pi's throttling bits mean now, in words (empty when nothing is happening)."""
    if bits & UNDER_VOLTAGE:
        return QCoreApplication.translate(
            "Dashboard",
            "The Pi is not getting enough power. Use the official power supply or a stronger one.",
        )
    if bits & (FREQUENCY_CAPPED | THROTTLED_NOW | SOFT_TEMPERATURE_LIMIT):
        return QCoreApplication.translate(
            "Dashboard",
            "The Pi is slowing itself down to protect itself, usually because it is too hot.",
        )
    return ""


def alert_text(alert: Alert) -> AlertText:
    """Words for one alert from its ``kind`` and ``value`` (never the server's ``message``)."""
    v = alert.value
    if alert.kind == AlertKind.LOW_DISK:
        text = QCoreApplication.translate(
            "Dashboard",
            "The server is running out of space: only {free} left. Delete old files or "
            "videos, or use a bigger memory card or disk.",
        ).format(free=format_bytes(v or 0))
    elif alert.kind == AlertKind.HIGH_TEMPERATURE:
        text = QCoreApplication.translate(
            "Dashboard",
            "The server is hot ({degrees} °C). Move it somewhere cooler and make sure "
            "nothing covers it.",
        ).format(degrees=f"{v:.0f}" if v is not None else "?")
    elif alert.kind == AlertKind.THROTTLED:
        text = describe_throttling(int(v or 0)) or QCoreApplication.translate(
            "Dashboard",
            "The Pi is slowing itself down to protect itself, usually because it is too hot.",
        )
    elif alert.kind == AlertKind.BACKUP_OVERDUE:
        if v is None:
            text = QCoreApplication.translate(
                "Dashboard",
                "No backup has been made yet. Make one now so the family's messages and "
                "photos are safe.",
            )
        elif v < 48:
            text = QCoreApplication.translate(
                "Dashboard",
                "The last backup was {hours} hours ago. Check that the backup drive is "
                "plugged in, then make a backup now.",
            ).format(hours=round(v))
        else:
            text = QCoreApplication.translate(
                "Dashboard",
                "The last backup was {days} days ago. Check that the backup drive is "
                "plugged in, then make a backup now.",
            ).format(days=round(v / 24))
    else:
        text = QCoreApplication.translate(
            "Dashboard",
            "Someone tried and failed to sign in {count} times in the last few minutes. If "
            "that wasn't your family, consider changing passwords.",
        ).format(count=int(v or 0))
    return AlertText(alert.kind, Severity(alert.severity), text)
