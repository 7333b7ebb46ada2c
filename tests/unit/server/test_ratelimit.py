"""The sliding window and the allowlist."""

from __future__ import annotations

from server.services.ratelimit import Allowlist, SlidingWindow


def test_sliding_window_counts_and_forgets() -> None:
    now = [1000.0]
    w = SlidingWindow(limit=2, window_s=10, clock=lambda: now[0])
    assert w.retry_after("a") is None
    w.hit("a")
    w.hit("a")
    assert w.retry_after("a") == 10
    assert w.retry_after("b") is None
    now[0] += 4
    assert w.retry_after("a") == 6
    now[0] += 6
    assert w.retry_after("a") is None


def test_allowlist_matches_networks_and_mapped_addresses() -> None:
    allow = Allowlist(["192.168.0.0/16", "::1/128"])
    assert "192.168.4.2" in allow
    assert "::ffff:192.168.4.2" in allow
    assert "::1" in allow
    assert "8.8.8.8" not in allow
    assert "not an address" not in allow
    assert None not in allow
