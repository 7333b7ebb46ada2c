"""Conversation rows from the cache: titles, previews, times, order, filter; group rights."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QDateTime, QLocale, QTime

from app.chat.cache import ChatCache
from app.chat.connection import ChatConnection
from app.chat.conversation_rows import (
    ConversationRow,
    can_manage,
    can_remove,
    can_set_roles,
    clean_group_name,
    conversation_rows,
    filter_rows,
    group_name_problem,
    group_topic_problem,
    must_hand_over,
    time_label,
)
from app.chat.directory import Directory
from app.chat.events import PresenceChanged
from app.chat.mutes import Mutes
from app.net.address import Address
from server.protocol.chat import Conversation, Event, EventKind, Member

ME, DAD, GRAN, GONE = 1, 2, 3, 99
EN = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


class _NoTokens:
    """The connection is never started here: it only carries the cache and the events."""

    async def access_token(self) -> str:
        raise AssertionError("not used")

    async def refresh(self, stale_access_token: str | None = None) -> None:
        raise AssertionError("not used")


@dataclass
class World:
    cache: ChatCache
    conn: ChatConnection
    directory: Directory
    mutes: Mutes

    def rows(self, now: float = 2_000_000_000.0) -> list[ConversationRow]:
        return conversation_rows(
            self.cache, self.conn.outbox, self.directory, self.mutes, now=now, locale=EN
        )

    def row(self, cid: int) -> ConversationRow:
        return next(r for r in self.rows() if r.id == cid)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    cache = ChatCache(tmp_path / "c.db")
    cache.set_meta("user_id", str(ME))
    # The directory as a previous run left it in the cache (id, username, display name).
    people = [[ME, "mum", "Mum"], [DAD, "dad", "Dad"], [GRAN, "gran", "Grandma 奶奶"]]
    cache.set_meta("directory", json.dumps(people))
    conn = ChatConnection(cache, Address("127.0.0.1", 9), None, _NoTokens())
    directory = Directory(conn)
    yield World(cache, conn, directory, Mutes(cache))
    directory.close()
    cache.close()


def _conversation(
    cid: int, kind: str, members: list[tuple[int, str]], name: str = "", **extra: Any
) -> Conversation:
    return Conversation(
        id=cid,
        kind=kind,
        name=name,
        topic="",
        last_seq=extra.pop("last_seq", 1),
        members=[Member(user_id=u, role=r, read_seq=0) for u, r in members],
        unread=extra.pop("unread", 0),
        read_seq=0,
        last_event=None,
        left=extra.pop("left", False),
    )


def _message(cid: int, seq: int, sender: int, at: float, text: str = "", **content: Any) -> Event:
    body: dict[str, Any] = {"text": text, **content}
    return Event(
        conversation_id=cid,
        seq=seq,
        kind=EventKind.MESSAGE,
        sender_id=sender,
        client_id=None,
        target_seq=None,
        created_at=at,
        content=body,
    )


def _photo(name: str = "beach.jpg", mime: str = "image/jpeg") -> dict[str, Any]:
    return {"id": name, "name": name, "size": 10, "mime": mime, "sha256": ""}


def test_titles_previews_and_order(world: World) -> None:
    c = world.cache
    c.store_conversations(
        [
            _conversation(1, "direct", [(ME, "member"), (DAD, "member")]),
            _conversation(2, "group", [(ME, "owner"), (DAD, "member"), (GRAN, "admin")], "家人"),
            _conversation(3, "direct", [(ME, "member"), (GRAN, "member")]),
            _conversation(4, "direct", [(GONE, "member"), (ME, "member")]),
        ]
    )
    c.apply_event(_message(1, 2, DAD, 1000.0, "see you\nat  eight"))
    c.apply_event(_message(2, 2, GRAN, 3000.0, "晚饭好了"))
    c.apply_event(_message(3, 2, ME, 2000.0, "hello gran"))
    rows = world.rows()
    assert [r.id for r in rows] == [2, 3, 1, 4]  # newest activity first; none at all last
    by_id = {r.id: r for r in rows}
    assert by_id[1].title == "Dad" and by_id[1].preview == "see you at eight"
    assert by_id[2].title == "家人" and by_id[2].preview == "Grandma 奶奶: 晚饭好了"
    assert by_id[3].title == "Grandma 奶奶" and by_id[3].preview == "You: hello gran"
    assert by_id[4].title == "Deleted user" and by_id[4].preview == "No messages yet"
    assert by_id[1].unread == 1 and by_id[3].unread == 0
    assert by_id[2].my_role == "owner" and by_id[1].my_role is None
    assert (by_id[1].kind, by_id[1].other_id, by_id[2].other_id) == ("direct", DAD, None)
    assert by_id[3].initials == "G" and by_id[2].initials == "家人"
    # A direct conversation takes the person's colour; a group its own.
    assert by_id[1].colour == world.row(1).colour
    assert 0 <= by_id[2].colour < 10


def test_attachment_and_deleted_previews(world: World) -> None:
    c = world.cache
    c.store_conversations(
        [_conversation(cid, "direct", [(ME, "member"), (DAD, "member")]) for cid in range(1, 7)]
    )
    c.apply_event(_message(1, 2, DAD, 10.0, attachments=[_photo()]))
    c.apply_event(_message(2, 2, ME, 10.0, attachments=[_photo("a.pdf", "application/pdf")]))
    c.apply_event(_message(3, 2, DAD, 10.0, attachments=[_photo("a.jpg"), _photo("b.png")]))
    c.apply_event(_message(4, 2, DAD, 10.0, attachments=[_photo(), _photo("n.txt", "text/plain")]))
    c.apply_event(_message(5, 2, DAD, 10.0, "look", attachments=[_photo()]))
    c.apply_event(_message(6, 2, DAD, 10.0, "oops"))
    c.apply_event(
        Event(
            conversation_id=6,
            seq=3,
            kind=EventKind.DELETE,
            sender_id=DAD,
            client_id=None,
            target_seq=2,
            created_at=11.0,
            content={},
        )
    )
    previews = {r.id: r.preview for r in world.rows()}
    assert previews == {
        1: "Photo",
        2: "You: File: a.pdf",
        3: "2 photos",
        4: "2 files",
        5: "look",
        6: "Message deleted",
    }


def test_pending_message_shows_first_and_moves_up(world: World) -> None:
    c = world.cache
    c.store_conversations(
        [
            _conversation(1, "direct", [(ME, "member"), (DAD, "member")]),
            _conversation(2, "direct", [(ME, "member"), (GRAN, "member")]),
        ]
    )
    c.apply_event(_message(1, 2, DAD, 1000.0, "old"))
    c.apply_event(_message(2, 2, GRAN, 5000.0, "newer"))
    world.conn.outbox.add(1, "message/send", {"text": "written offline"})
    rows = world.rows()
    assert rows[0].id == 1 and rows[0].preview == "You: written offline" and rows[0].pending
    assert not rows[1].pending


def test_left_groups_go_last_and_say_so(world: World) -> None:
    c = world.cache
    c.store_conversations(
        [
            _conversation(1, "group", [], "Old club", left=True, unread=2),
            _conversation(2, "direct", [(ME, "member"), (DAD, "member")]),
        ]
    )
    c.apply_event(_message(1, 2, DAD, 9000.0, "bye"))
    c.apply_event(_message(2, 2, DAD, 10.0, "hi"))
    rows = world.rows()
    assert [r.id for r in rows] == [2, 1]
    assert rows[1].left and rows[1].preview == "You are no longer in this group."
    assert rows[1].my_role is None


def test_muted_and_presence(world: World) -> None:
    world.cache.store_conversations(
        [
            _conversation(1, "direct", [(ME, "member"), (DAD, "member")]),
            _conversation(2, "group", [(ME, "owner"), (DAD, "member")], "G"),
        ]
    )
    assert world.row(1).online is None  # presence not known yet (or switched off)
    world.mutes.set_muted(1, True)
    world.conn.events.emit(PresenceChanged(DAD, True))
    assert world.row(1).muted and not world.row(2).muted
    assert world.row(1).online is True
    world.conn.events.emit(PresenceChanged(DAD, False))
    assert world.row(1).online is False
    assert world.row(2).online is None


def _at(day: QDate, hour: int, minute: int) -> float:
    return QDateTime(day, QTime(hour, minute)).toMSecsSinceEpoch() / 1000


def test_time_labels() -> None:
    today = QDate(2026, 11, 27)  # a Friday
    now = _at(today, 18, 0)
    assert time_label(_at(today, 9, 5), now, EN) == "09:05"
    assert time_label(_at(today.addDays(-1), 23, 59), now, EN) == "Yesterday"
    assert time_label(_at(today.addDays(-3), 12, 0), now, EN) == "Tue"
    assert time_label(_at(today.addDays(-8), 12, 0), now, EN) == "19/11/2026"
    assert time_label(_at(today.addDays(1), 8, 0), now, EN) == "08:00"  # a clock ahead of ours
    assert time_label(0, now, EN) == ""
    zh = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    assert time_label(_at(today.addDays(-3), 12, 0), now, zh) == "周二"


def _row(cid: int, title: str, *names: str) -> ConversationRow:
    return ConversationRow(
        cid, "group", title, "", "", 0.0, 0, False, None, "", 0, False, False, None, None,
        (title, *names),
    )  # fmt: skip


def test_filter_matches_titles_and_members_in_any_case_and_chinese() -> None:
    rows = [
        _row(1, "Family 家人", "Mum", "mum", "Dad", "dad"),
        _row(2, "Grandma 奶奶", "Grandma 奶奶", "gran"),
        _row(3, "Book club", "Anna Chen", "anna"),
    ]

    def ids(query: str) -> list[int]:
        return [r.id for r in filter_rows(rows, query)]

    assert ids("") == [1, 2, 3] and ids("   ") == [1, 2, 3]
    assert ids("奶奶") == [2]
    assert ids("家") == [1]
    assert ids("FAMILY") == [1]
    assert ids("chen") == [3]
    assert ids("mum dad") == [1]  # every word, anywhere
    assert ids("mum anna") == []
    assert ids("xyz") == []


def test_group_rights() -> None:
    assert can_manage("owner") and can_manage("admin") and not can_manage("member")
    assert not can_manage(None)
    assert can_set_roles("owner") and not can_set_roles("admin")
    assert can_remove("owner", "admin", themselves=False)
    assert can_remove("admin", "member", themselves=False)
    assert not can_remove("admin", "admin", themselves=False)
    assert not can_remove("owner", "owner", themselves=False)
    assert not can_remove("owner", "member", themselves=True)
    assert not can_remove("member", "member", themselves=False)


def test_owner_must_hand_over_only_when_others_remain(world: World) -> None:
    world.cache.store_conversations(
        [
            _conversation(1, "group", [(ME, "owner"), (DAD, "member")], "Two"),
            _conversation(2, "group", [(ME, "owner")], "Alone"),
            _conversation(3, "group", [(ME, "admin"), (DAD, "owner")], "Not mine"),
        ]
    )
    found = {cid: world.cache.conversation(cid) for cid in (1, 2, 3)}
    assert [must_hand_over(c, ME) for c in found.values() if c is not None] == [
        True,
        False,
        False,
    ]


def test_group_name_rules() -> None:
    assert group_name_problem("  家人 Family ") is None
    assert clean_group_name("  家人 Family ") == "家人 Family"
    assert group_name_problem("   ") == "Give the group a name."
    assert group_name_problem("x" * 64) is None
    assert group_name_problem("x" * 65) is not None
    assert group_name_problem("two\nlines") is not None
    assert group_topic_problem("t" * 500) is None
    assert group_topic_problem("t" * 501) is not None
