"""Password hashing runs on threads of the lowest priority, so a login storm slows logins, not
chat (roost-bench W-login)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from server.services.secrets import HASHING_NICE, Passwords, hashing_slots, usable_cpus


def _nice_values() -> dict[int, int]:
    return {
        int(tid): os.getpriority(os.PRIO_PROCESS, int(tid))
        for tid in os.listdir("/proc/self/task")
        if Path(f"/proc/self/task/{tid}").exists()
    }


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
async def test_hashing_threads_run_at_the_lowest_priority() -> None:
    before = _nice_values()
    pw = Passwords(time_cost=1, memory_kib=64, parallelism=1, max_concurrency=2)
    try:
        stored = await pw.hash("correct horse battery")
        assert await pw.verify(stored, "correct horse battery")
        assert not await pw.verify(stored, "wrong horse battery")
        new = {tid: nice for tid, nice in _nice_values().items() if tid not in before}
        assert HASHING_NICE in new.values()
        idle = [tid for tid in new if os.sched_getscheduler(tid) == os.SCHED_IDLE]
        assert idle, "no hashing thread runs as SCHED_IDLE"
        # The event loop's own thread keeps its priority.
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before.get(
            threading.get_native_id(), 0
        )
        assert os.sched_getscheduler(0) == os.SCHED_OTHER
    finally:
        pw.close()


@pytest.mark.parametrize(
    ("max_concurrency", "parallelism", "cpus", "slots"),
    [
        (2, 4, 1, 1),  # a server pinned to one core (roost-bench)
        (2, 4, 4, 1),  # a Pi: one hash fills its four cores
        (2, 4, 8, 2),
        (2, 4, 64, 2),  # never above the setting: it bounds the memory
        (8, 1, 4, 4),
        (1, 1, 16, 1),
        (3, 16, 2, 1),  # always at least one
    ],
)
def test_no_more_hashes_at_once_than_the_cpus_can_run(
    max_concurrency: int, parallelism: int, cpus: int, slots: int
) -> None:
    assert hashing_slots(max_concurrency, parallelism, cpus) == slots


def test_the_pool_has_as_many_threads_as_slots() -> None:
    pw = Passwords(time_cost=1, memory_kib=64, parallelism=1, max_concurrency=64)
    try:
        assert pw.concurrency == min(64, usable_cpus())
        assert pw._threads._max_workers == pw.concurrency
    finally:
        pw.close()
