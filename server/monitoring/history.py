"""The last 24 hours of samples: every sample of the last hour in memory, and one mean per minute
for the whole day, which is also what the database keeps (1 440 small rows at most)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from server.protocol.monitoring import HistoryRange, Sample

MINUTE_S = 60.0
HOUR_S = 3600.0
DAY_S = 86_400.0
# A day at 5-minute steps is 288 points: enough for a chart, small enough for a Pi to send.
DAY_STEP_S = 300.0

_ALL_FIELDS = list(Sample.model_fields)
_FIELDS = [name for name in _ALL_FIELDS if name != "at"]
_INT_FIELDS = {
    name for name, f in Sample.model_fields.items() if "int" in str(f.annotation) and name != "at"
}
_LAST_FIELDS = {"host_uptime_s", "server_uptime_s"}  # a mean of uptimes means nothing
_OR_FIELDS = {"throttled"}  # a bit seen anywhere in the span stays seen


def merge(samples: Sequence[Sample], at: float) -> Sample:
    """One sample standing for ``samples`` (oldest first): means, ignoring missing values."""
    values: dict[str, Any] = {"at": at}
    for name in _FIELDS:
        present = [v for v in (getattr(s, name) for s in samples) if v is not None]
        if not present:
            continue
        if name in _LAST_FIELDS:
            values[name] = present[-1]
        elif name in _OR_FIELDS:
            bits = 0
            for v in present:
                bits |= int(v)
            values[name] = bits
        else:
            mean = math.fsum(present) / len(present)
            values[name] = round(mean) if name in _INT_FIELDS else round(mean, 3)
    return Sample.model_validate(values)


def downsample(samples: Iterable[Sample], step_s: float) -> list[Sample]:
    """Group by ``step_s`` (aligned to the clock) and merge each group; oldest first."""
    groups: dict[float, list[Sample]] = {}
    for s in samples:
        groups.setdefault(math.floor(s.at / step_s) * step_s, []).append(s)
    return [merge(groups[k], k) for k in sorted(groups)]


# A sample held in the history: its values in _ALL_FIELDS order. A day of Sample objects (1 800
# of them) took about 6 MiB, mostly each model's __dict__ and set of fields; as tuples, 1 MiB.
_Row = tuple[Any, ...]


def _pack(sample: Sample) -> _Row:
    return tuple(getattr(sample, name) for name in _ALL_FIELDS)


def _unpack(row: _Row) -> Sample:
    return Sample.model_construct(**dict(zip(_ALL_FIELDS, row, strict=True)))


class History:
    """Attributes:
    interval_s: seconds between samples.
    """

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._recent: deque[_Row] = deque(maxlen=math.ceil(HOUR_S / interval_s) + 1)
        self._minutes: deque[_Row] = deque(maxlen=int(DAY_S / MINUTE_S) + 1)
        self._latest: Sample | None = None
        self._bucket: list[Sample] = []
        self._bucket_at: float | None = None
        self._unsaved: list[Sample] = []

    @property
    def latest(self) -> Sample | None:
        return self._latest

    def load(self, minutes: Iterable[Sample]) -> None:
        """Put back what the database kept (oldest first), at start."""
        for s in minutes:
            self._minutes.append(_pack(s))

    def add(self, sample: Sample) -> None:
        self._recent.append(_pack(sample))
        self._latest = sample
        minute = math.floor(sample.at / MINUTE_S) * MINUTE_S
        if self._bucket_at is not None and minute != self._bucket_at:
            self._close_minute()
        self._bucket_at = minute
        self._bucket.append(sample)

    def _close_minute(self) -> None:
        if self._bucket and self._bucket_at is not None:
            row = merge(self._bucket, self._bucket_at)
            if self._minutes and self._minutes[-1][0] == row.at:
                self._minutes.pop()  # a restart within the minute: the newer mean wins
            self._minutes.append(_pack(row))
            self._unsaved.append(row)
        self._bucket = []
        self._bucket_at = None

    def take_unsaved(self, *, partial: bool = False) -> list[Sample]:
        """Minute rows not yet written; ``partial`` also closes the minute in progress (at
        stop, so that a restart loses no minute)."""
        if partial:
            self._close_minute()
        rows, self._unsaved = self._unsaved, []
        return rows

    def give_back(self, rows: list[Sample]) -> None:
        """Rows whose write failed: they go with the next batch."""
        self._unsaved[:0] = rows

    def series(self, span: HistoryRange, now: float) -> tuple[float, list[Sample]]:
        """(seconds per point, points oldest first) for the last hour or day."""
        if span == "1h":
            start = now - HOUR_S
            recent = [r for r in self._recent if r[0] >= start]
            first = recent[0][0] if recent else now
            # Before the in-memory hour begins (after a restart), minutes fill the gap.
            older = [m for m in self._minutes if start <= m[0] and m[0] + MINUTE_S <= first]
            rows = sorted(older + recent, key=lambda r: float(r[0]))
            return self.interval_s, [_unpack(r) for r in rows]
        start = now - DAY_S
        minutes = [_unpack(m) for m in self._minutes if m[0] >= start]
        points = minutes + [s for s in self._bucket if s.at >= start]
        return DAY_STEP_S, downsample(points, DAY_STEP_S)
