"""Avatar initials for names in any script, and colours that stay put."""

from __future__ import annotations

import pytest

from app.chat.avatars import PALETTE_SIZE, colour_index, initials, is_cjk


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Anna Chen", "AC"),
        ("mum", "M"),
        ("Jean-Luc  de la Tour", "JT"),
        ("  Dad  ", "D"),
        ("Ólafur Arnalds", "ÓA"),
        ("Дмитрий Петров", "ДП"),
        ("张小明", "小明"),  # the given name, as DingTalk shows it
        ("欧阳娜娜", "娜娜"),  # a two-character surname too
        ("王芳", "王芳"),
        ("奶奶", "奶奶"),
        ("李", "李"),
        ("김민수", "민수"),
        ("Grandma 奶奶", "G"),  # Latin first: the Latin words only
        ("奶奶 Grandma", "奶奶"),
        ("🐱", "🐱"),
        ("...", "?"),
        ("", "?"),
        ("   ", "?"),
        ("2024 class", "2C"),
    ],
)
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_cjk_detection() -> None:
    assert is_cjk("中") and is_cjk("か") and is_cjk("한") and is_cjk("𠀀")
    assert not is_cjk("A") and not is_cjk("é") and not is_cjk("1")


def test_colour_index_is_stable_in_range_and_spread() -> None:
    # Fixed values: a person keeps their colour across runs and computers (no salted hash).
    assert [colour_index("user", uid) for uid in (1, 2, 3)] == [2, 6, 2]
    indexes = {colour_index("user", uid) for uid in range(1, 200)}
    assert indexes == set(range(PALETTE_SIZE))
    assert any(colour_index("user", i) != colour_index("group", i) for i in range(1, 10))
