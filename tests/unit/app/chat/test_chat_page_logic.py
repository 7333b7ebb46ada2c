"""The chat page's logic without widgets: typing lines, notifications, the header's words,
search snippets and results, over a real cache."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.chat.cache import CachedAttachment, ChatCache
from app.chat.connection import ChatConnection
from app.chat.directory import Directory
from app.chat.events import (
    ChatEvent,
    ConnectionState,
    ConnectionStateChanged,
    MessageReceived,
    TypingReceived,
)
from app.chat.header import connection_sentence, subtitle
from app.chat.notifications import Notice, Situation, notice_for, unread_total
from app.chat.search import search_rows, snippet_around
from app.chat.typing import TypingTracker, typing_sentence
from app.chat.wording import conversation_title, describe_attachments
from app.events import Emitter
from app.net.address import Address
from server.protocol.chat import Event, EventKind
from tests.unit.app.chat.test_cache import ev

ME, MUM, DAD, GRAN = 1, 2, 3, 4


class _NoTokens:
    """The connection is never started in these tests; asking it for tokens is a bug."""

    async def access_token(self) -> str:
        raise AssertionError("not connecting in a unit test")

    async def refresh(self, stale_access_token: str | None = None) -> None:
        raise AssertionError("not connecting in a unit test")


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[ChatCache]:
    c = ChatCache(tmp_path / "c.db")
    c.set_meta("user_id", str(ME))
    c.set_meta(
        "directory",
        json.dumps(
            [[ME, "me", "Me"], [MUM, "mum", "Mum"], [DAD, "dad", "Dad"], [GRAN, "gran", "奶奶"]],
            ensure_ascii=False,
        ),
    )
    yield c
    c.close()


@pytest.fixture
def directory(cache: ChatCache) -> Directory:
    conn = ChatConnection(cache, Address("127.0.0.1", 1), None, _NoTokens())
    return Directory(conn)


def _direct(cache: ChatCache, cid: int = 1, other: int = MUM) -> None:
    cache.apply_event(
        ev(
            1,
            "created",
            cid=cid,
            sender_id=ME,
            content={"kind": "direct", "member_ids": [ME, other]},
        )
    )


def _group(cache: ChatCache, cid: int = 2, name: str = "Family 家", topic: str = "") -> None:
    cache.apply_event(
        ev(
            1,
            "created",
            cid=cid,
            sender_id=ME,
            content={"kind": "group", "name": name, "topic": topic, "member_ids": [ME, MUM, DAD]},
        )
    )


# --- the directory, as the rest reads it ---------------------------------------------------


def test_directory_names_come_from_the_cache_offline(directory: Directory) -> None:
    assert directory.name(GRAN) == "奶奶"
    assert directory.name(None) == "Roost"  # the server itself
    assert directory.name(99) == "Deleted user"
    assert [u.username for u in directory.users()] == ["dad", "me", "mum", "gran"]
    assert directory.online(MUM) is None  # presence is not kept across starts


# --- header ----------------------------------------------------------------------------------


def test_titles_and_subtitles(cache: ChatCache, directory: Directory) -> None:
    _direct(cache)
    _group(cache, topic="Sunday lunch")
    direct, group = cache.conversation(1), cache.conversation(2)
    assert direct is not None and group is not None
    assert conversation_title(direct, directory, ME) == "Mum"
    assert conversation_title(group, directory, ME) == "Family 家"
    assert subtitle(group, directory, ME) == "3 members · Sunday lunch"
    assert subtitle(direct, directory, ME) == ""  # presence unknown: say nothing


def test_connection_sentences() -> None:
    assert connection_sentence(ConnectionState.ONLINE, retry_at=None, problem=None, now=0) == ""
    assert "Connecting" in connection_sentence(
        ConnectionState.CONNECTING, retry_at=None, problem=None, now=0
    )
    offline = connection_sentence(
        ConnectionState.OFFLINE, retry_at=12.2, problem="The server is not answering.", now=0
    )
    assert offline.startswith("The server is not answering. Trying again in 13 s.")
    assert "keep writing" in offline


# --- typing ----------------------------------------------------------------------------------


def test_typing_sentences() -> None:
    assert typing_sentence([]) == ""
    assert typing_sentence(["Mum"]) == "Mum is typing…"
    assert typing_sentence(["Mum", "奶奶"]) == "Mum and 奶奶 are typing…"
    assert typing_sentence(["A", "B", "C"]) == "Several people are typing…"


async def test_typing_expires_and_ends_with_the_message() -> None:
    events: Emitter[ChatEvent] = Emitter()
    now = [100.0]
    tracker = TypingTracker(events.subscribe, clock=lambda: now[0])
    changes: list[int] = []
    tracker.changed.subscribe(changes.append)
    events.emit(TypingReceived(7, MUM, 0.2))
    events.emit(TypingReceived(7, DAD, 5.0))
    assert tracker.typists(7) == [MUM, DAD]
    now[0] += 0.3
    await asyncio.sleep(0.4)  # the expiry timer fires
    assert tracker.typists(7) == [DAD]
    assert changes.count(7) >= 3
    message = Event(
        conversation_id=7,
        seq=9,
        kind=EventKind.MESSAGE,
        sender_id=DAD,
        client_id="x",
        target_seq=None,
        created_at=1.0,
        content={"text": "hi"},
    )
    events.emit(MessageReceived(message))
    assert tracker.typists(7) == []
    events.emit(TypingReceived(8, MUM, 5.0))
    events.emit(ConnectionStateChanged(ConnectionState.OFFLINE, 3.0, None))
    assert tracker.typists(8) == []  # offline: nobody's typing reaches us
    tracker.close()


# --- notifications ---------------------------------------------------------------------------


def _notice(cache: ChatCache, directory: Directory, cid: int, **over: Any) -> Notice | None:
    values: dict[str, Any] = {
        "seq": 5,
        "sender_id": MUM,
        "text": "  Dinner\n is ready  ",
        "attachments": (),
        "muted": False,
        "directory": directory,
        "situation": Situation(window_active=False, show_text=True),
    }
    values.update(over)
    return notice_for(cache.conversation(cid), **values)


def test_notifications_follow_the_rules(cache: ChatCache, directory: Directory) -> None:
    _direct(cache)
    _group(cache)
    direct = _notice(cache, directory, 1)
    assert direct is not None
    assert (direct.title, direct.body) == ("Mum", "Dinner is ready")
    group = _notice(cache, directory, 2, sender_id=DAD)
    assert group is not None and group.title == "Dad in Family 家"
    assert _notice(cache, directory, 1, muted=True) is None
    assert _notice(cache, directory, 1, situation=Situation(True, True)) is None
    private = _notice(cache, directory, 1, situation=Situation(False, False))
    assert private is not None and private.body == "New message"
    long = _notice(cache, directory, 1, text="x" * 500)
    assert long is not None and len(long.body) == 160 and long.body.endswith("…")
    assert _notice(cache, directory, 404) is None


def _attachment(mime: str, name: str = "a") -> CachedAttachment:
    return CachedAttachment(name, name, 10, mime, "", None, None, None, False)


def test_attachments_in_words() -> None:
    assert describe_attachments((_attachment("image/png"),)) == "Photo"
    assert describe_attachments((_attachment("image/png"),) * 3) == "3 photos"
    assert describe_attachments((_attachment("audio/ogg"),)) == "Voice message"
    assert describe_attachments((_attachment("video/mp4"),)) == "Video"
    assert describe_attachments((_attachment("application/pdf", "tax.pdf"),)) == "File: tax.pdf"
    two = (_attachment("image/png"), _attachment("application/pdf"))
    assert describe_attachments(two) == "2 files"


def test_unread_total_leaves_out_muted(cache: ChatCache) -> None:
    _direct(cache)
    _group(cache)
    for seq in (2, 3):
        cache.apply_event(ev(seq, cid=1, sender_id=MUM))
    cache.apply_event(ev(2, cid=2, sender_id=DAD))
    conversations = cache.conversations()
    assert unread_total(conversations, []) == 3
    assert unread_total(conversations, [1]) == 1


# --- search ----------------------------------------------------------------------------------


def test_snippets_cut_around_the_match() -> None:
    text = "a" * 100 + " 你好世界 " + "b" * 100
    snippet, at = snippet_around(text, "世界")
    assert snippet.startswith("…") and snippet.endswith("…")
    assert snippet[at : at + 2] == "世界"
    assert snippet_around("Short\ntext", "TEXT") == ("Short text", 6)
    assert snippet_around("no match here", "zzz") == ("no match here", -1)


def test_search_rows_find_chinese_and_name_things(cache: ChatCache, directory: Directory) -> None:
    _group(cache)
    cache.apply_event(ev(2, cid=2, sender_id=GRAN, content={"text": "明天我们去公园散步"}))
    cache.apply_event(ev(3, cid=2, sender_id=MUM, content={"text": "see you at the park"}))
    rows = search_rows(cache, directory, "公园", lambda cid: f"conversation {cid}")
    assert [(r.seq, r.sender, r.conversation) for r in rows] == [(2, "奶奶", "conversation 2")]
    assert rows[0].snippet[rows[0].match_start :].startswith("公园")
    assert search_rows(cache, directory, "   ", str) == []
    assert [r.seq for r in search_rows(cache, directory, "PARK", str)] == [3]
