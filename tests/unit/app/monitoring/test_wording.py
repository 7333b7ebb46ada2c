"""The dashboard's levels, alert wording, cards and chart lines, from hand-made snapshots."""

from __future__ import annotations

import time

import pytest

from app.monitoring.alerts import Severity, alert_text
from app.monitoring.cards import (
    GIB,
    CardKey,
    Level,
    backup_level,
    build_cards,
    cpu_level,
    disk_level,
    memory_level,
    temperature_level,
)
from app.monitoring.series import SeriesKey, build_series
from app.monitoring.units import format_bytes, format_duration
from server.protocol.monitoring import Alert, AlertKind, MetricsSnapshot, Sample

NOW = 1_764_205_200.0


def _alert(kind: AlertKind, value: float | None, severity: str = "warning") -> Alert:
    return Alert.model_validate(
        {
            "kind": kind,
            "severity": severity,
            "since": NOW,
            "value": value,
            "message": "SERVER ENGLISH",
        }
    )


def _snapshot(current: Sample | None, history: list[Sample], **kw: object) -> MetricsSnapshot:
    values: dict[str, object] = {
        "version": "0.1.0",
        "started_at": NOW - 3600,
        "interval_s": 10.0,
        "current": current,
        "alerts": [],
        "last_backup_at": None,
        "storage": [],
        "range": "1h",
        "step_s": 10.0,
        "history": history,
    }
    values.update(kw)
    return MetricsSnapshot.model_validate(values)


@pytest.mark.parametrize(
    ("alert", "expected"),
    [
        (
            _alert(AlertKind.LOW_DISK, 0.7 * GIB),
            "The server is running out of space: only 716.8 MB left.",
        ),
        (_alert(AlertKind.HIGH_TEMPERATURE, 81.4), "The server is hot (81 °C)."),
        (_alert(AlertKind.THROTTLED, 0x1), "The Pi is not getting enough power."),
        (_alert(AlertKind.THROTTLED, 0x4), "The Pi is slowing itself down"),
        (_alert(AlertKind.BACKUP_OVERDUE, None), "No backup has been made yet."),
        (_alert(AlertKind.BACKUP_OVERDUE, 30.0), "The last backup was 30 hours ago."),
        (_alert(AlertKind.BACKUP_OVERDUE, 80.0), "The last backup was 3 days ago."),
        (_alert(AlertKind.FAILED_LOGINS, 42), "failed to sign in 42 times"),
    ],
)
def test_alerts_are_worded_from_kind_and_value(alert: Alert, expected: str) -> None:
    words = alert_text(alert)
    assert expected in words.text
    assert "SERVER ENGLISH" not in words.text
    assert words.kind == alert.kind


def test_alert_severity_is_kept() -> None:
    assert alert_text(_alert(AlertKind.LOW_DISK, 1.0, "critical")).severity == Severity.CRITICAL


@pytest.mark.parametrize(
    ("value", "level"),
    [(None, Level.UNKNOWN), (10.0, Level.OK), (80.0, Level.WARN), (99.0, Level.BAD)],
)
def test_cpu_levels(value: float | None, level: Level) -> None:
    assert cpu_level(value) == level


def test_memory_levels() -> None:
    assert memory_level(None, 100) == Level.UNKNOWN
    assert memory_level(50, 0) == Level.UNKNOWN
    assert memory_level(50, 100) == Level.OK
    assert memory_level(90, 100) == Level.WARN
    assert memory_level(96, 100) == Level.BAD


def test_disk_levels_count_both_the_share_and_the_last_gigabyte() -> None:
    big = 1000 * GIB
    assert disk_level(None, big) == Level.UNKNOWN
    assert disk_level(500 * GIB, big) == Level.OK
    assert disk_level(80 * GIB, big) == Level.WARN
    assert disk_level(40 * GIB, big) == Level.BAD
    # A small card: 30 % free is fine as a share, but under a gigabyte is not.
    assert disk_level(GIB // 2, 2 * GIB) == Level.BAD


def test_temperature_levels_take_throttling_into_account() -> None:
    assert temperature_level(None, None) == Level.UNKNOWN
    assert temperature_level(50.0, 0) == Level.OK
    assert temperature_level(72.0, 0) == Level.WARN
    assert temperature_level(80.0, 0) == Level.BAD
    assert temperature_level(50.0, 0x4) == Level.BAD  # slowing down now
    assert temperature_level(50.0, 0x40000) == Level.WARN  # it did since boot
    assert temperature_level(None, 0x10000) == Level.WARN


def test_backup_levels() -> None:
    assert backup_level(None, NOW, overdue=False) == Level.WARN
    assert backup_level(NOW - 3600, NOW, overdue=False) == Level.OK
    assert backup_level(NOW - 3 * 86_400, NOW, overdue=False) == Level.WARN
    assert backup_level(NOW - 3600, NOW, overdue=True) == Level.BAD


def test_cards_show_the_figures_and_levels() -> None:
    current = Sample(
        at=NOW,
        cpu_percent=97.0,
        load1=1.5,
        memory_total_bytes=4 * GIB,
        memory_used_bytes=GIB,
        disk_total_bytes=32 * GIB,
        disk_free_bytes=20 * GIB,
        temperature_c=48.5,
        throttled=0x1,
        server_uptime_s=2 * 86_400 + 3 * 3600,
        users_online=2,
        connections=3,
        messages_per_min=1.25,
        database_bytes=5 * 1024 * 1024,
    )
    snap = _snapshot(
        current,
        [],
        alerts=[_alert(AlertKind.BACKUP_OVERDUE, None)],
    )
    cards = {c.key: c for c in build_cards(snap, NOW)}
    assert list(cards) == list(CardKey)
    assert (cards[CardKey.CPU].value, cards[CardKey.CPU].level) == ("97 %", Level.BAD)
    assert cards[CardKey.MEMORY].value == "25 %"
    assert cards[CardKey.DISK].value == "20.0 GB free"
    assert cards[CardKey.TEMPERATURE].value == "48.5 °C"
    assert cards[CardKey.TEMPERATURE].level == Level.BAD  # under-voltage right now
    assert "not getting enough power" in cards[CardKey.TEMPERATURE].detail
    assert cards[CardKey.UPTIME].value == "2 d 3 h"
    assert cards[CardKey.USERS_ONLINE].value == "2"
    assert cards[CardKey.MESSAGES].value == "1.2"
    assert cards[CardKey.DATABASE].value == "5.0 MB"
    assert (cards[CardKey.BACKUP].value, cards[CardKey.BACKUP].level) == ("Never", Level.BAD)
    assert cards[CardKey.VERSION].value == "0.1.0"


def test_cards_say_not_available_for_what_the_host_cannot_give() -> None:
    snap = _snapshot(Sample(at=NOW), [], last_backup_at=NOW - 60)
    cards = {c.key: c for c in build_cards(snap, NOW)}
    for key in (CardKey.CPU, CardKey.MEMORY, CardKey.DISK, CardKey.TEMPERATURE):
        assert cards[key].value == "Not available"
        assert cards[key].level == Level.UNKNOWN
    assert cards[CardKey.BACKUP].value == time.strftime("%H:%M", time.localtime(NOW - 60))


def test_series_skip_gaps_and_end_at_the_current_sample() -> None:
    history = [
        Sample(at=NOW - 20, cpu_percent=None, temperature_c=50.0, users_online=1),
        Sample(at=NOW - 10, cpu_percent=12.0, temperature_c=51.0, users_online=2),
    ]
    current = Sample(at=NOW, cpu_percent=15.0, temperature_c=52.0, users_online=2)
    series = build_series(_snapshot(current, history))
    assert series[SeriesKey.CPU] == [(NOW - 10, 12.0), (NOW, 15.0)]
    assert series[SeriesKey.TEMPERATURE] == [(NOW - 20, 50.0), (NOW - 10, 51.0), (NOW, 52.0)]
    assert series[SeriesKey.USERS_ONLINE][-1] == (NOW, 2.0)
    assert series[SeriesKey.DISK_FREE] == []


def test_units() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(1536) == "1.5 KB"
    assert format_bytes(3 * GIB) == "3.0 GB"
    assert format_duration(59) == "0 min"
    assert format_duration(3 * 3600 + 300) == "3 h 5 min"
