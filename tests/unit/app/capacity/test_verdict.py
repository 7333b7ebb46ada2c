"""The capacity check's answer: N = 2.5 × the rate that held, two significant digits, in words."""

from __future__ import annotations

import pytest

from app.capacity.verdict import people_for, sentence, step_in_words


@pytest.mark.parametrize(
    ("held", "people"),
    [(0.0, 0), (0.3, 0), (0.4, 1), (2, 5), (4, 10), (50, 125 // 10 * 10), (400, 1000), (437, 1000)],
)
def test_people_for_a_rate(held: float, people: int) -> None:
    assert people_for(held) == people


def test_two_significant_digits_rounded_down() -> None:
    assert people_for(100) == 250
    assert people_for(123) == 300  # 307.5 → 300
    assert people_for(39.9) == 99  # 99.75 → 99


def test_sentences() -> None:
    assert sentence(100, reached_top=False, lowest_rate=5) == (
        "This server comfortably serves about 250 people chatting at once."
    )
    assert "at least 1000 people" in sentence(400, reached_top=True, lowest_rate=5)
    slow = sentence(0, reached_top=False, lowest_rate=5)
    assert "lowest rate (5 messages a second)" in slow and "quieter time" in slow


def test_steps_in_words() -> None:
    assert step_in_words(0, 7, 5, None) == "Step 1 of 7: 5 messages a second…"
    assert step_in_words(0, 7, 5, float("nan")) == "Step 1 of 7: 5 messages a second…"
    assert step_in_words(2, 7, 20, 12.4).endswith("99 % delivered within 12 ms")
