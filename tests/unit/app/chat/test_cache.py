"""The local chat cache: events applied once, cursors without holes, read markers, search."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.chat.cache import SCHEMA_VERSION, ChatCache, cache_path
from app.paths import AppPaths
from server.protocol.chat import Conversation, Event, EventKind, Member


def ev(seq: int, kind: str = "message", cid: int = 1, **over: Any) -> Event:
    values: dict[str, Any] = {
        "conversation_id": cid,
        "seq": seq,
        "kind": EventKind(kind),
        "sender_id": 2,
        "client_id": f"c{seq}" if kind == "message" else None,
        "target_seq": None,
        "created_at": 100.0 + seq,
        "content": {"text": f"message {seq}"} if kind == "message" else {},
    }
    values.update(over)
    return Event(**values)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[ChatCache]:
    c = ChatCache(tmp_path / "c.db")
    c.set_meta("user_id", "1")
    yield c
    c.close()


def test_file_per_account_under_data_cache(tmp_path: Path) -> None:
    paths = AppPaths(config=tmp_path / "cfg", data=tmp_path / "data")
    path = cache_path(paths, "srv1", "mum/../x")
    assert path.parent == tmp_path / "data" / "cache"
    assert path.name == "srv1-mum_.._x.db"
    c = ChatCache.for_account(paths, "srv1", "mum")
    assert c.path.exists()
    assert c.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    c.close()


def test_events_applied_once_and_cursor_advances(cache: ChatCache) -> None:
    assert cache.apply_event(ev(1, "created", content={"kind": "direct", "member_ids": [1, 2]}))
    assert cache.apply_event(ev(2))
    assert not cache.apply_event(ev(2, content={"text": "changed?"}))
    assert [m.text for m in cache.messages(1)] == ["message 2"]
    assert cache.cursors() == {1: 2}


def test_cursor_waits_at_a_hole_then_jumps_over_what_is_held(cache: ChatCache) -> None:
    cache.apply_event(ev(5))
    cache.apply_event(ev(7))
    assert cache.cursors() == {1: 5}
    cache.apply_event(ev(6))
    assert cache.cursors() == {1: 7}
    cache.apply_event(ev(3))  # older history does not move it
    assert cache.cursors() == {1: 7}


def test_edit_delete_and_reactions(cache: ChatCache) -> None:
    cache.apply_event(ev(2))
    cache.apply_event(ev(3, "edit", target_seq=2, content={"text": "new words"}, client_id="e"))
    cache.apply_event(ev(4, "reaction", target_seq=2, content={"emoji": "👍", "op": "add"}))
    cache.apply_event(
        ev(5, "reaction", target_seq=2, sender_id=3, content={"emoji": "👍", "op": "add"})
    )
    cache.apply_event(ev(6, "reaction", target_seq=2, content={"emoji": "👍", "op": "remove"}))
    msg = cache.message(1, 2)
    assert msg is not None
    assert (msg.text, msg.edited_at, msg.reactions) == ("new words", 103.0, {"👍": [3]})
    assert cache.search("new words")[0].seq == 2
    assert cache.search("message 2") == []
    cache.apply_event(ev(7, "delete", target_seq=2, content={}))
    msg = cache.message(1, 2)
    assert msg is not None and msg.deleted and msg.text is None and msg.reactions == {}
    assert cache.search("new words") == []


def test_membership_events(cache: ChatCache) -> None:
    created = {"kind": "group", "name": "家人", "topic": "", "member_ids": [1, 2]}
    cache.apply_event(ev(1, "created", cid=4, content=created))
    cache.apply_event(ev(2, "member_added", cid=4, content={"user_ids": [3]}))
    cache.apply_event(ev(3, "updated", cid=4, content={"topic": "dinner"}))
    cache.apply_event(
        ev(4, "role_changed", cid=4, sender_id=1, content={"user_id": 2, "role": "owner"})
    )
    conv = cache.conversation(4)
    assert conv is not None
    assert (conv.kind, conv.name, conv.topic) == ("group", "家人", "dinner")
    assert {m.user_id: m.role for m in conv.members} == {1: "admin", 2: "owner", 3: "member"}
    cache.apply_event(ev(5, "member_removed", cid=4, content={"user_id": 1}))
    conv = cache.conversation(4)
    assert conv is not None and conv.left and conv.members == ()


def test_conversation_list_sorted_by_activity_with_unread(cache: ChatCache) -> None:
    def conv(cid: int, last: float, unread: int) -> Conversation:
        return Conversation(
            id=cid,
            kind="direct",
            name="",
            topic="",
            last_seq=2,
            members=[Member(user_id=1, role="member", read_seq=0)],
            unread=unread,
            read_seq=0,
            last_event=ev(2, cid=cid, created_at=last),
        )

    cache.store_conversations([conv(1, 10.0, 0), conv(2, 20.0, 3)])
    assert [(c.id, c.unread) for c in cache.conversations()] == [(2, 3), (1, 0)]
    cache.apply_event(ev(3, cid=1, created_at=30.0))  # someone else's message: 1 goes on top
    assert [(c.id, c.unread, c.preview) for c in cache.conversations()] == [
        (1, 1, "message 3"),
        (2, 3, None),
    ]
    cache.set_read_marker(1, 1, 3)
    first = cache.conversations()[0]
    assert (first.read_seq, first.unread) == (3, 0)


def test_search_finds_a_chinese_word(cache: ChatCache) -> None:
    cache.apply_event(ev(2, content={"text": "你好世界"}))
    cache.apply_event(ev(3, content={"text": "明天见"}))
    cache.apply_event(ev(4, content={"text": "100% sure_thing"}))
    assert [h.text for h in cache.search("世界")] == ["你好世界"]  # 2 chars: LIKE
    assert [h.text for h in cache.search("你好世")] == ["你好世界"]  # 3 chars: FTS5 trigram
    assert [h.seq for h in cache.search("%")] == [4]  # LIKE wildcards are literal
    assert cache.search('"') == []
    assert cache.search("   ") == []
    assert cache.search("世界", conversation_id=2) == []


def test_other_schema_version_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    c = ChatCache(path)
    c.apply_event(ev(2))
    c.close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    c = ChatCache(path)
    assert c.messages(1) == [] and c.cursors() == {}
    assert c.apply_event(ev(2))
    assert c.search("message 2")[0].seq == 2
    c.close()


def test_cache_survives_reopening(tmp_path: Path) -> None:
    c = ChatCache(tmp_path / "c.db")
    c.apply_event(ev(1))
    c.close()
    again = ChatCache(tmp_path / "c.db")
    assert [m.seq for m in again.messages(1)] == [1]
    assert again.cursors() == {1: 1}
    again.close()
