"""Muted conversations: kept in the account's cache, announced when they change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.chat.cache import ChatCache
from app.chat.mutes import Mutes


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[ChatCache]:
    c = ChatCache(tmp_path / "c.db")
    yield c
    c.close()


def test_mute_unmute_and_persist(cache: ChatCache, tmp_path: Path) -> None:
    mutes = Mutes(cache)
    seen: list[int] = []
    mutes.changed.subscribe(seen.append)
    assert not mutes.is_muted(3)
    mutes.set_muted(3, True)
    mutes.set_muted(3, True)  # already muted: nothing to announce
    mutes.set_muted(5, True)
    assert mutes.is_muted(3) and mutes.muted() == {3, 5}
    assert seen == [3, 5]
    # A new Mutes on the same cache, and a reopened cache file, know it.
    assert Mutes(cache).muted() == {3, 5}
    cache.close()
    reopened = ChatCache(tmp_path / "c.db")
    try:
        again = Mutes(reopened)
        assert again.is_muted(3) and again.is_muted(5)
        again.set_muted(3, False)
        assert Mutes(reopened).muted() == {5}
    finally:
        reopened.close()


def test_unmuting_what_is_not_muted_changes_nothing(cache: ChatCache) -> None:
    mutes = Mutes(cache)
    seen: list[int] = []
    mutes.changed.subscribe(seen.append)
    mutes.set_muted(7, False)
    assert seen == [] and cache.get_meta("muted_conversations") is None


def test_a_damaged_entry_means_nothing_is_muted(cache: ChatCache) -> None:
    cache.set_meta("muted_conversations", "{not json")
    mutes = Mutes(cache)
    assert mutes.muted() == frozenset()
    mutes.set_muted(2, True)
    assert Mutes(cache).muted() == {2}
