"""What a capacity check's figures mean for people: how many can chat at once, in one sentence.

The number is derived, not measured: the check finds the highest message rate the server
delivers in time (``held_rate``, messages a second into groups of ten, as W-chat sends them),
keeps half of it as headroom, and divides by what one person chatting sends.

- ``PER_PERSON_MSGS_PER_S``: ../shared/WORKLOADS.md puts a busy family below one message a
  second; a family of five at that rate is 0.2 messages a second each, i.e. one message every
  five seconds for everyone at once, which is already a lively conversation.
- ``HEADROOM``: "comfortably" means at half the rate that held, leaving the other half for
  bursts, file transfers, sign-ins and backups.

So N = held_rate × 0.5 / 0.2 = 2.5 × held_rate, rounded down to two significant digits.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication

PER_PERSON_MSGS_PER_S = 0.2
HEADROOM = 0.5


def people_for(held_rate: float) -> int:
    """How many people chatting at once ``held_rate`` messages a second serve comfortably."""
    raw = held_rate * HEADROOM / PER_PERSON_MSGS_PER_S
    if raw < 1:
        return 0
    scale = 10 ** max(0, int(math.log10(raw)) - 1)
    return int(raw // scale * scale)


def sentence(held_rate: float, *, reached_top: bool, lowest_rate: int) -> str:
    """The check's answer in one plain sentence.

    Args:
        held_rate: the highest rate that held (0 if none did).
        reached_top: every planned step held, so the limit lies above what was tried.
        lowest_rate: the first step's rate, for the case where none held.
    """
    if held_rate <= 0:
        return QCoreApplication.translate(
            "Capacity",
            "This server was slow even at the check's lowest rate ({rate} messages a second). "
            "Try again at a quieter time; if it stays slow, look at the Dashboard for a busy "
            "or hot server.",
        ).format(rate=lowest_rate)
    if reached_top:
        return QCoreApplication.translate(
            "Capacity",
            "This server comfortably serves at least {n} people chatting at once (the check "
            "stopped before the server reached its limit).",
        ).format(n=people_for(held_rate))
    return QCoreApplication.translate(
        "Capacity", "This server comfortably serves about {n} people chatting at once."
    ).format(n=people_for(held_rate))


def step_in_words(index: int, count: int, rate: int, p99_ms: float | None) -> str:
    """Progress of one step: which, at what rate, and its p99 once measured."""
    if p99_ms is None or p99_ms != p99_ms:
        return QCoreApplication.translate(
            "Capacity", "Step {i} of {n}: {rate} messages a second…"
        ).format(i=index + 1, n=count, rate=rate)
    return QCoreApplication.translate(
        "Capacity",
        "Step {i} of {n}: {rate} messages a second, 99 % delivered within {p99} ms",
    ).format(i=index + 1, n=count, rate=rate, p99=f"{p99_ms:.0f}")
