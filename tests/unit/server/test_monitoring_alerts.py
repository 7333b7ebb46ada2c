"""Alert rules: raised at one threshold, cleared only past a safer one, never flapping."""

from __future__ import annotations

from typing import Any

import pytest

from server.monitoring.alerts import (
    GIB,
    THROTTLE_CLEAR_SAMPLES,
    AlertBook,
    BackupStatus,
    Conditions,
    Thresholds,
)
from server.protocol.monitoring import AlertKind, Sample

T = Thresholds(
    disk_free_bytes=GIB,
    temperature_c=80.0,
    temperature_clear_c=75.0,
    failed_logins=10,
    backup_grace_s=3600.0,
)


NOTHING_ELSE = Conditions()


def sample(at: float = 1000.0, **values: Any) -> Sample:
    return Sample(at=at, **values)


def run(
    book: AlertBook, values: list[dict[str, Any]], cond: Conditions = NOTHING_ELSE
) -> list[str]:
    """Feed samples one per 10 s; returns the changes as "+kind" / "-kind"."""
    out: list[str] = []
    for i, v in enumerate(values):
        for ch in book.evaluate(sample(1000.0 + 10 * i, **v), cond):
            out.append(("+" if ch.raised else "-") + ch.alert.kind.value)
    return out


def test_low_disk_with_hysteresis() -> None:
    book = AlertBook(T)
    free = [2 * GIB, GIB - 1, GIB + 1, GIB + 200 * 1024**2, GIB + GIB // 4, GIB - 1]
    assert run(book, [{"disk_free_bytes": f} for f in free]) == [
        "+low_disk",  # below the limit
        # just above it, and 200 MiB above: still in the margin, no flapping
        "-low_disk",  # a quarter of the limit above it
        "+low_disk",
    ]
    (alert,) = book.active
    assert alert.kind == AlertKind.LOW_DISK
    assert alert.value == GIB - 1 and alert.severity == "warning"
    assert "disk space" in alert.message


def test_critical_when_almost_full() -> None:
    book = AlertBook(T)
    run(book, [{"disk_free_bytes": GIB // 5}])
    assert book.active[0].severity == "critical"


def test_temperature_with_hysteresis_keeps_its_start_time() -> None:
    book = AlertBook(T)
    temps = [70.0, 80.0, 86.0, 77.0, 76.0, 74.9]
    assert run(book, [{"temperature_c": t} for t in temps]) == [
        "+high_temperature",
        "-high_temperature",
    ]
    book = AlertBook(T)
    run(book, [{"temperature_c": 81.0}, {"temperature_c": 86.0}])
    (alert,) = book.active
    assert alert.since == 1000.0  # raised at the first sample, refreshed at the second
    assert alert.value == 86.0 and alert.severity == "critical"


def test_missing_readings_change_nothing() -> None:
    book = AlertBook(T)
    run(book, [{"temperature_c": 90.0}])
    assert run(book, [{}, {}, {}]) == []
    assert [a.kind for a in book.active] == [AlertKind.HIGH_TEMPERATURE]


def test_throttling_now_raises_and_history_bits_do_not() -> None:
    book = AlertBook(T)
    assert run(book, [{"throttled": 0x50000}]) == []  # happened since boot, not now
    calm = [{"throttled": 0x50000}] * THROTTLE_CLEAR_SAMPLES
    assert run(book, [{"throttled": 0x50005}, *calm[:-1]]) == ["+throttled"]
    assert "power supply" in book.active[0].message  # bit 0: under-voltage
    assert run(book, calm[-1:]) == ["-throttled"]
    run(book, [{"throttled": 0x2}])
    assert "too hot" in book.active[0].message


def test_failed_logins_spike() -> None:
    book = AlertBook(T)
    assert run(book, [{}], Conditions(failed_logins=9)) == []
    assert run(book, [{}], Conditions(failed_logins=10)) == ["+failed_logins"]
    assert run(book, [{}], Conditions(failed_logins=6)) == []
    assert run(book, [{}], Conditions(failed_logins=5)) == ["-failed_logins"]


@pytest.mark.parametrize(
    ("backup", "overdue"),
    [
        (BackupStatus(), False),  # no schedule: never overdue, even never backed up
        (BackupStatus(last_at=None, interval_s=86_400), True),  # scheduled, never ran
        (BackupStatus(last_at=1000.0 - 86_400, interval_s=86_400), False),
        (BackupStatus(last_at=1000.0 - 86_400 - 3601, interval_s=86_400), True),  # past grace
    ],
)
def test_backup_overdue(backup: BackupStatus, overdue: bool) -> None:
    book = AlertBook(T)
    changes = run(book, [{}], Conditions(backup=backup))
    assert changes == (["+backup_overdue"] if overdue else [])


def test_backup_made_clears_it() -> None:
    book = AlertBook(T)
    run(book, [{}], Conditions(backup=BackupStatus(None, 86_400)))
    assert run(book, [{}], Conditions(backup=BackupStatus(1000.0, 86_400))) == ["-backup_overdue"]


def test_alerts_loaded_at_start_are_not_raised_again() -> None:
    first = AlertBook(T)
    run(first, [{"temperature_c": 90.0}])
    again = AlertBook(T, first.active)
    assert run(again, [{"temperature_c": 90.0}]) == []
    assert again.active[0].since == first.active[0].since
