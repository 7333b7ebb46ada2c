"""History: minute means, the 1 h and 24 h series, batches to write; the log buffer; counters."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from server.config import Settings
from server.monitoring.counters import RecentEvents
from server.monitoring.history import DAY_STEP_S, History, downsample, merge
from server.monitoring.logbuffer import RingBufferHandler, as_text
from server.protocol.monitoring import Sample

T0 = 1_800_000_000.0  # a whole hour, so minutes and 5-minute steps start on it


def sample(at: float, **values: Any) -> Sample:
    return Sample(at=at, **values)


def test_merge_means_ignores_gaps_and_ors_the_throttle_bits() -> None:
    merged = merge(
        [
            sample(T0, cpu_percent=10.0, connections=1, throttled=0x1, server_uptime_s=5),
            sample(T0 + 10, cpu_percent=None, connections=2, throttled=0x4, server_uptime_s=15),
            sample(T0 + 20, cpu_percent=30.0, connections=4, server_uptime_s=25),
        ],
        T0,
    )
    assert merged.at == T0
    assert merged.cpu_percent == 20.0
    assert merged.connections == 2  # round(7 / 3)
    assert merged.throttled == 0x5
    assert merged.server_uptime_s == 25  # the last, not a mean
    assert merged.temperature_c is None


def test_downsample_aligns_to_the_clock() -> None:
    points = downsample([sample(T0 + i * 60, load1=float(i)) for i in range(10)], DAY_STEP_S)
    assert [p.at for p in points] == [T0, T0 + 300]
    assert [p.load1 for p in points] == [2.0, 7.0]


def test_minutes_close_and_are_handed_out_once() -> None:
    h = History(10.0)
    for i in range(13):  # two whole minutes and one sample of a third
        h.add(sample(T0 + i * 10, load1=float(i)))
    rows = h.take_unsaved()
    assert [(r.at, r.load1) for r in rows] == [(T0, 2.5), (T0 + 60, 8.5)]
    assert h.take_unsaved() == []
    (partial,) = h.take_unsaved(partial=True)
    assert (partial.at, partial.load1) == (T0 + 120, 12.0)
    h.give_back([partial])
    assert h.take_unsaved() == [partial]


def test_the_hour_mixes_kept_minutes_with_recent_samples() -> None:
    """After a restart the hour begins with minutes from the database, then live samples."""
    h = History(10.0)
    h.load([sample(T0 + m * 60, load1=1.0) for m in range(30)])
    now = T0 + 3000
    for i in range(6):
        h.add(sample(now - 60 + i * 10, load1=2.0))
    step, points = h.series("1h", now)
    assert step == 10.0
    assert len(points) == 30 + 6
    assert [p.at for p in points] == sorted(p.at for p in points)
    assert points[0].at == T0 and points[-1].load1 == 2.0
    # a minute overlapping the live samples is not shown twice
    h.load([sample(now - 60, load1=9.0)])
    assert len(h.series("1h", now)[1]) == 36


def test_the_day_is_five_minute_points() -> None:
    h = History(10.0)
    h.load([sample(T0 + m * 60, load1=float(m % 5)) for m in range(24 * 60)])
    step, points = h.series("24h", T0 + 24 * 3600)
    assert step == DAY_STEP_S
    assert len(points) == 288
    assert all(p.load1 == 2.0 for p in points)
    # older than a day falls out
    assert len(h.series("24h", T0 + 36 * 3600)[1]) == 144


def test_log_buffer_is_bounded_and_filters() -> None:
    handler = RingBufferHandler(capacity=5)
    logger = logging.getLogger("server.test_buffer")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        for i in range(8):
            logger.info("line %d", i)
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed with %s", "care")
        entries, dropped = handler.entries()
        assert [e.seq for e in entries] == [5, 6, 7, 8, 9]
        assert dropped == 4
        errors, _ = handler.entries(level="error")
        assert len(errors) == 1 and errors[0].level == "error"
        assert "failed with care" in errors[0].message and "ValueError: boom" in errors[0].message
        later, _ = handler.entries(since=entries[2].at - 1e-9, limit=2)
        assert [e.seq for e in later] == [8, 9]  # the newest two after since
        text = as_text(entries[:1])
        assert text.endswith("INFO     server.test_buffer: line 4\n")
        assert as_text([]) == ""
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def test_recent_events_forget_after_the_window() -> None:
    now = [0.0]
    ev = RecentEvents(60, clock=lambda: now[0])
    for _ in range(3):
        ev.hit()
    now[0] = 30.0
    ev.hit()
    assert ev.count() == 4
    now[0] = 60.0
    assert ev.count() == 1
    now[0] = 90.0
    assert ev.count() == 0


def test_settings_refuse_bad_monitoring_values(tmp_path: Any) -> None:
    base = {"data_dir": tmp_path / "d", "key_file": tmp_path / "k" / "key"}
    with pytest.raises(ValueError, match="metrics_allow"):
        Settings.model_validate({**base, "metrics_allow": ["not a network"]})
    with pytest.raises(ValueError, match="never clear"):
        Settings.model_validate(
            {**base, "alert_temperature_c": 70, "alert_temperature_clear_c": 70}
        )
    s = Settings.model_validate(base)
    assert s.metrics_allow == ["127.0.0.0/8", "::1/128"]  # only this host by default
