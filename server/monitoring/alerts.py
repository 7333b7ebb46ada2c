"""Alert rules with hysteresis: pure decisions over samples, no I/O.

Each rule raises at one threshold and clears only past a second, safer one, so a value
wavering around a limit does not flood the admins with "raised, cleared, raised".
"""

from __future__ import annotations

from dataclasses import dataclass

from server.protocol.monitoring import Alert, AlertKind, Sample

GIB = 1024**3
# vcgencmd get_throttled bits 0-3: happening now (under-voltage, frequency capped, throttled,
# soft temperature limit). Bits 16-19 say the same happened since boot; those are history.
THROTTLED_NOW_MASK = 0xF
# Throttling must be gone for this many samples in a row before its alert clears.
THROTTLE_CLEAR_SAMPLES = 3


@dataclass(frozen=True, slots=True)
class Thresholds:
    disk_free_bytes: int
    temperature_c: float
    temperature_clear_c: float
    failed_logins: int  # in the failed-login window
    backup_grace_s: float


@dataclass(frozen=True, slots=True)
class BackupStatus:
    """What the backup service knows. ``interval_s`` None: no schedule, so nothing can be
    overdue; with a schedule, "never backed up" is overdue."""

    last_at: float | None = None
    interval_s: float | None = None


@dataclass(frozen=True, slots=True)
class Conditions:
    """Everything the rules look at besides the sample."""

    failed_logins: int = 0
    backup: BackupStatus = BackupStatus()


@dataclass(frozen=True, slots=True)
class Change:
    alert: Alert
    raised: bool  # False: cleared


def _gib(n: float) -> str:
    return f"{n / GIB:.1f} GB"


class AlertBook:
    """The alerts in force, and the rules that raise and clear them."""

    def __init__(self, thresholds: Thresholds, active: list[Alert] | None = None) -> None:
        self.t = thresholds
        self._active: dict[AlertKind, Alert] = {a.kind: a for a in active or []}
        self._calm_samples = 0

    @property
    def active(self) -> list[Alert]:
        return sorted(self._active.values(), key=lambda a: (a.since, a.kind.value))

    def evaluate(self, sample: Sample, cond: Conditions) -> list[Change]:
        """Apply every rule to the newest sample; returns what was raised or cleared."""
        changes: list[Change] = []
        now = sample.at
        for kind, verdict in (
            (AlertKind.LOW_DISK, self._disk(sample)),
            (AlertKind.HIGH_TEMPERATURE, self._temperature(sample)),
            (AlertKind.THROTTLED, self._throttled(sample)),
            (AlertKind.FAILED_LOGINS, self._failed_logins(cond.failed_logins)),
            (AlertKind.BACKUP_OVERDUE, self._backup(cond.backup, now)),
        ):
            if verdict is None:
                continue  # no data, or between the two thresholds: keep the state
            current = self._active.get(kind)
            if isinstance(verdict, Alert):
                if current is None:
                    alert = verdict.model_copy(update={"since": now})
                    self._active[kind] = alert
                    changes.append(Change(alert, raised=True))
                else:  # keep the time it started, refresh what it says
                    self._active[kind] = verdict.model_copy(update={"since": current.since})
            elif current is not None:
                del self._active[kind]
                changes.append(Change(current, raised=False))
        return changes

    # Each rule returns an Alert (raise or keep), False (clear), or None (leave as it is).

    def _disk(self, s: Sample) -> Alert | bool | None:
        if s.disk_free_bytes is None:
            return None
        limit = self.t.disk_free_bytes
        if s.disk_free_bytes < limit:
            critical = s.disk_free_bytes < limit // 4
            return Alert(
                kind=AlertKind.LOW_DISK,
                severity="critical" if critical else "warning",
                since=s.at,
                value=float(s.disk_free_bytes),
                message=(
                    f"Only {_gib(s.disk_free_bytes)} of disk space is left for the server's "
                    "data. Delete old files or move the data to a larger disk."
                ),
            )
        # Clear with a margin of a quarter of the limit (at least 100 MiB).
        if s.disk_free_bytes >= limit + max(limit // 4, 100 * 1024**2):
            return False
        return None

    def _temperature(self, s: Sample) -> Alert | bool | None:
        if s.temperature_c is None:
            return None
        if s.temperature_c >= self.t.temperature_c:
            return Alert(
                kind=AlertKind.HIGH_TEMPERATURE,
                severity="critical" if s.temperature_c >= self.t.temperature_c + 5 else "warning",
                since=s.at,
                value=s.temperature_c,
                message=(
                    f"The server is hot ({s.temperature_c:.0f} °C). Give it air: a case with a "
                    "fan or a heat sink, away from heaters and direct sun."
                ),
            )
        if s.temperature_c < self.t.temperature_clear_c:
            return False
        return None

    def _throttled(self, s: Sample) -> Alert | bool | None:
        if s.throttled is None:
            return None
        if s.throttled & THROTTLED_NOW_MASK:
            self._calm_samples = 0
            under_voltage = bool(s.throttled & 0x1)
            return Alert(
                kind=AlertKind.THROTTLED,
                severity="warning",
                since=s.at,
                value=float(s.throttled),
                message=(
                    "The Raspberry Pi is slowing itself down because its power supply is too "
                    "weak. Use the official power supply."
                    if under_voltage
                    else "The Raspberry Pi is slowing itself down because it is too hot. "
                    "Give it air: a case with a fan or a heat sink."
                ),
            )
        self._calm_samples += 1
        return False if self._calm_samples >= THROTTLE_CLEAR_SAMPLES else None

    def _failed_logins(self, count: int) -> Alert | bool | None:
        limit = self.t.failed_logins
        if count >= limit:
            return Alert(
                kind=AlertKind.FAILED_LOGINS,
                severity="warning",
                since=0.0,
                value=float(count),
                message=(
                    f"{count} failed sign-ins in the last few minutes. Someone may be guessing "
                    "passwords; check the audit log and make sure everyone uses a strong one."
                ),
            )
        if count <= limit // 2:
            return False
        return None

    def _backup(self, b: BackupStatus, now: float) -> Alert | bool | None:
        if b.interval_s is None:
            return False
        allowed = b.interval_s + self.t.backup_grace_s
        if b.last_at is None or now - b.last_at > allowed:
            hours = None if b.last_at is None else (now - b.last_at) / 3600
            when = "has never run" if hours is None else f"last ran {hours:.0f} hours ago"
            return Alert(
                kind=AlertKind.BACKUP_OVERDUE,
                severity="warning",
                since=now,
                value=hours,
                message=(
                    f"The scheduled backup {when}. Check that the backup drive is plugged in, "
                    "then make a backup now."
                ),
            )
        return False
