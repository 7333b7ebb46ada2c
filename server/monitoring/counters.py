"""A count of recent occurrences (failed sign-ins) over a sliding window, in bounded memory."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# Past this many we only need to know "a lot": the alert fires far below it.
MAX_KEPT = 100_000


class RecentEvents:
    """How many times something happened in the last ``window_s`` seconds."""

    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._times: deque[float] = deque(maxlen=MAX_KEPT)

    def hit(self) -> None:
        self._times.append(self._clock())

    def count(self) -> int:
        cutoff = self._clock() - self.window_s
        times = self._times
        while times and times[0] <= cutoff:
            times.popleft()
        return len(times)
