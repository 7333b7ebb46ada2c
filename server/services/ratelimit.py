"""In-process sliding-window limits (the scale-out issue moves these into Redis)."""

from __future__ import annotations

import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    """At most ``limit`` hits per key in any ``window_s`` seconds."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def _prune(self, key: str) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        cutoff = self._clock() - self.window_s
        while hits and hits[0] <= cutoff:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def retry_after(self, key: str) -> int | None:
        """Seconds until one more hit is allowed, or None if it is allowed now."""
        hits = self._prune(key)
        if len(hits) < self.limit:
            return None
        return max(1, math.ceil(hits[0] + self.window_s - self._clock()))

    def release(self, key: str) -> None:
        """Take back the newest hit (an attempt counted in advance that succeeded)."""
        hits = self._hits.get(key)
        if hits:
            hits.pop()
            if not hits:
                del self._hits[key]

    def hit(self, key: str) -> None:
        self._hits.setdefault(key, deque()).append(self._clock())
        if len(self._hits) > 100_000:  # bound memory under a spray of addresses
            for stale in list(self._hits)[:10_000]:
                self._prune(stale)


class Allowlist:
    def __init__(self, networks: list[str]) -> None:
        self._networks = [ipaddress.ip_network(n, strict=False) for n in networks]

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, str):
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in net for net in self._networks)


class TokenBucket:
    """``rate`` per second with bursts of ``burst``, per key (the send limit)."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._state: dict[object, tuple[float, float]] = {}

    def take(self, key: object) -> float | None:
        """Spend one token; returns None, or the seconds until one is available."""
        now = self._clock()
        tokens, last = self._state.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._state[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._state[key] = (tokens - 1.0, now)
        return None
