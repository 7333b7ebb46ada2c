"""Monitoring: the server's health samples, their history, alerts and recent log lines."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from server.protocol.common import Response
from server.protocol.ws import Command

HistoryRange = Literal["1h", "24h"]
LogLevel = Literal["debug", "info", "warning", "error", "critical"]


class Sample(Response):
    """One reading of the server's health. A value the host cannot give (no thermal sensor, no
    ``vcgencmd``, the first CPU reading) is null. Rates are averages since the previous sample;
    in a history point every value is the mean over the point's span (``throttled``: every bit
    seen in it)."""

    at: float = Field(description="Unix seconds")
    cpu_percent: float | None = Field(default=None, description="all cores, 0-100")
    load1: float | None = None
    load5: float | None = None
    load15: float | None = None
    memory_total_bytes: int | None = None
    memory_used_bytes: int | None = Field(default=None, description="total minus available")
    swap_total_bytes: int | None = None
    swap_used_bytes: int | None = None
    disk_total_bytes: int | None = Field(default=None, description="of the data directory's disk")
    disk_free_bytes: int | None = Field(default=None, description="available to the server")
    temperature_c: float | None = Field(default=None, description="the hottest thermal zone")
    throttled: int | None = Field(
        default=None, description="the bits of `vcgencmd get_throttled` (Raspberry Pi only)"
    )
    host_uptime_s: float | None = None
    server_uptime_s: float = 0.0
    net_rx_bytes_per_s: float | None = Field(default=None, description="all interfaces but lo")
    net_tx_bytes_per_s: float | None = None
    connections: int = Field(default=0, description="open WebSocket connections")
    users_online: int = 0
    messages_per_min: float = 0.0
    upload_bytes_per_min: float = Field(default=0.0, description="files finished uploading")
    database_bytes: int | None = Field(default=None, description="with its write-ahead log")


class AlertKind(StrEnum):
    """What an alert is about. Values are part of the protocol (the app translates by them)."""

    LOW_DISK = "low_disk"
    HIGH_TEMPERATURE = "high_temperature"
    THROTTLED = "throttled"
    BACKUP_OVERDUE = "backup_overdue"
    FAILED_LOGINS = "failed_logins"


class Alert(Response):
    """A problem that is going on now. ``message`` is plain English for logs and third-party
    clients; the desktop app words it itself from ``kind`` and ``value``."""

    kind: AlertKind
    severity: Literal["warning", "critical"]
    since: float = Field(description="Unix seconds when it was raised")
    value: float | None = Field(
        default=None,
        description="free bytes, degrees C, throttled bits, hours since the last backup "
        "(null: never), or failed sign-ins in the window, by kind",
    )
    message: str


class UserStorage(Response):
    user_id: int
    username: str
    bytes: int


class MetricsSnapshot(Response):
    """``GET /api/v1/admin/metrics``: the newest sample, what is wrong, and the history."""

    version: str
    started_at: float
    interval_s: float = Field(description="seconds between samples")
    current: Sample | None = Field(description="null until the first sample is taken")
    alerts: list[Alert]
    last_backup_at: float | None
    storage: list[UserStorage] = Field(description="bytes of files per user, largest first")
    range: HistoryRange
    step_s: float = Field(description="seconds each history point spans")
    history: list[Sample] = Field(description="oldest first")


class MonitorFeed(Response):
    """The result of ``monitor/subscribe``: the acknowledgement carries the snapshot; each new
    sample then comes as an event ``{"kind": "monitor/sample", "sample", "alerts"}`` with the
    subscription's id."""

    subscription: int
    snapshot: MetricsSnapshot


class LogEntry(Response):
    seq: int = Field(description="increases by one per line since the server started")
    at: float
    level: LogLevel
    logger: str
    message: str = Field(description="with the traceback, if any")


class LogPage(Response):
    entries: list[LogEntry] = Field(description="oldest first")
    dropped: int = Field(description="older lines the buffer no longer holds")


class SubscribeMonitor(Command):
    """Admins only: a snapshot now, then every new sample as it is taken."""

    type: Literal["monitor/subscribe"]


class UnsubscribeMonitor(Command):
    type: Literal["monitor/unsubscribe"]
    subscription: int = Field(ge=1, le=2**62, description="the id of the monitor/subscribe")
