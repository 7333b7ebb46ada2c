"""The message view's rows over a real cache: separators, grouping, receipts, outbox, windowing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.chat.cache import ChatCache
from app.chat.connection import ChatConnection
from app.chat.directory import Directory
from app.chat.events import EventStored, ReadMarkerMoved, SendFailed, SendQueued
from app.chat.timeline import (
    DayRow,
    MessageRow,
    Quote,
    Reaction,
    Receipt,
    Timeline,
    UnreadRow,
    day_label,
)
from app.net.address import Address
from server.protocol.chat import Conversation, Event, EventKind, Member
from server.protocol.common import Role
from server.protocol.errors import ErrorCode

ME, MEI, BO = 1, 2, 3
CID = 7
TODAY = date(2026, 6, 10)  # a Wednesday
NOON = datetime(2026, 6, 10, 12, 0).timestamp()


class NoTokens:
    """The connection is never started: these tests read the cache only."""

    async def access_token(self) -> str:
        raise AssertionError("not connecting")

    async def refresh(self, stale_access_token: str | None = None) -> None:
        raise AssertionError("not connecting")


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[ChatConnection]:
    cache = ChatCache(tmp_path / "c.db")
    cache.set_meta("user_id", str(ME))
    cache.set_meta(
        "directory", json.dumps([[ME, "me", "Me"], [MEI, "mei", "美玲"], [BO, "bo", "Bo"]])
    )
    c = ChatConnection(cache, Address("127.0.0.1", 9), None, NoTokens())
    yield c
    cache.close()


class Feed:
    """Stores events in the cache as the connection would, numbering them."""

    def __init__(self, conn: ChatConnection) -> None:
        self.conn = conn
        self.seq = 0

    def event(self, kind: str, at: float, **fields: Any) -> Event:
        self.seq += 1
        values: dict[str, Any] = {
            "conversation_id": CID,
            "seq": self.seq,
            "kind": EventKind(kind),
            "sender_id": ME,
            "client_id": None,
            "target_seq": None,
            "created_at": at,
            "content": {},
        }
        values.update(fields)
        event = Event(**values)
        self.conn.cache.apply_event(event)
        return event

    def created(self, members: list[int], at: float = NOON - 10 * 86400) -> None:
        self.event(
            "created", at, content={"kind": "group", "name": "Family", "member_ids": members}
        )

    def say(self, sender: int, text: str, at: float, **content: Any) -> int:
        reply = content.get("reply_to")
        self.event(
            "message",
            at,
            sender_id=sender,
            client_id=f"c{self.seq + 1}",
            target_seq=reply,
            content={"text": text, **content},
        )
        return self.seq

    def members(self, read: dict[int, int]) -> None:
        self.conn.cache.store_conversations(
            [
                Conversation(
                    id=CID,
                    kind="group",
                    name="Family",
                    topic="",
                    last_seq=self.seq,
                    members=[
                        Member(user_id=u, role=Role.MEMBER, read_seq=r) for u, r in read.items()
                    ],
                    unread=0,
                    read_seq=read[ME],
                    last_event=None,
                )
            ]
        )


def timeline(conn: ChatConnection, **options: Any) -> Timeline:
    return Timeline(conn, Directory(conn), CID, today=lambda: TODAY, **options)


def messages(rows: list[Any]) -> list[MessageRow]:
    return [r for r in rows if isinstance(r, MessageRow)]


def test_days_grouping_and_own_messages(conn: ChatConnection) -> None:
    feed = Feed(conn)
    feed.created([ME, MEI, BO])
    yesterday = NOON - 86400
    feed.say(MEI, "早上好", yesterday)
    feed.say(MEI, "still there?", yesterday + 60)  # same sender, a minute later: grouped
    feed.say(MEI, "hello again", yesterday + 3600)  # an hour later: a new group
    feed.say(ME, "here", NOON)
    feed.say(BO, "me too", NOON + 30)
    feed.members({ME: feed.seq, MEI: feed.seq, BO: feed.seq})
    rows = timeline(conn).rows()

    assert [type(r).__name__ for r in rows] == [
        "DayRow",
        "MessageRow",
        "MessageRow",
        "MessageRow",
        "DayRow",
        "MessageRow",
        "MessageRow",
    ]
    assert isinstance(rows[0], DayRow) and rows[0].label == "Yesterday"
    assert isinstance(rows[4], DayRow) and rows[4].label == "Today"
    msgs = messages(rows)
    assert [m.text for m in msgs] == ["早上好", "still there?", "hello again", "here", "me too"]
    assert [m.first_in_group for m in msgs] == [True, False, True, True, True]
    assert [m.sender for m in msgs] == ["美玲", "美玲", "美玲", "Me", "Bo"]
    assert [m.own for m in msgs] == [False, False, False, True, False]
    assert msgs[3].receipt is Receipt.READ_ALL and msgs[0].receipt is Receipt.NONE
    assert msgs[0].time and ":" in msgs[0].time
    # In a group, a run of someone else's messages starts with their name.
    assert [m.show_sender for m in msgs] == [True, False, True, False, True]


def test_a_direct_conversation_names_nobody_above_the_bubbles(conn: ChatConnection) -> None:
    feed = Feed(conn)
    feed.event("created", NOON - 60, content={"kind": "direct", "member_ids": [ME, MEI]})
    feed.say(MEI, "在吗？", NOON)
    feed.say(ME, "在", NOON + 5)
    msgs = messages(timeline(conn).rows())
    assert [(m.sender, m.first_in_group, m.show_sender) for m in msgs] == [
        ("美玲", True, False),
        ("Me", True, False),
    ]


def test_edits_deletions_replies_reactions_and_files(conn: ChatConnection) -> None:
    feed = Feed(conn)
    feed.created([ME, MEI])
    first = feed.say(MEI, "Dinner at 7?\nor 8", NOON)
    photo = {
        "id": "a1",
        "name": "lake.jpg",
        "size": 2048,
        "mime": "image/jpeg",
        "sha256": "00",
        "width": 4000,
        "height": 3000,
        "thumbnail": True,
    }
    mine = feed.say(ME, "Yes! 🍜", NOON + 10, reply_to=first, attachments=[photo])
    feed.event("edit", NOON + 20, client_id="e", target_seq=mine, content={"text": "Yes, at 7"})
    doomed = feed.say(MEI, "oops", NOON + 30)
    feed.event("delete", NOON + 40, sender_id=MEI, client_id="d", target_seq=doomed)
    for who, emoji in ((MEI, "👍"), (ME, "👍"), (MEI, "❤️")):
        feed.event(
            "reaction",
            NOON + 50,
            sender_id=who,
            client_id=f"r{who}{emoji}",
            target_seq=first,
            content={"emoji": emoji, "op": "add"},
        )
    feed.say(MEI, "about the old thing", NOON + 60, reply_to=1000)
    rows = messages(timeline(conn).rows())

    asked, answer, deleted, dangling = rows
    assert asked.reactions == (Reaction("👍", 2, True), Reaction("❤️", 1, False))
    assert answer.text == "Yes, at 7" and answer.edited and not asked.edited
    assert answer.reply == Quote(first, "美玲", "Dinner at 7?")
    assert [a.id for a in answer.attachments] == ["a1"]
    assert answer.attachments[0].width == 4000
    assert deleted.deleted and deleted.text == "" and not deleted.edited
    assert dangling.reply == Quote(1000, "", "Original message not loaded")


def test_read_receipts_count_the_other_members(conn: ChatConnection) -> None:
    feed = Feed(conn)
    feed.created([ME, MEI, BO])
    one = feed.say(ME, "one", NOON)
    two = feed.say(ME, "two", NOON + 1)
    three = feed.say(ME, "three", NOON + 2)
    feed.members({ME: three, MEI: two, BO: one})
    tl = timeline(conn)
    receipts = [(m.receipt, m.read_by) for m in messages(tl.rows())]
    assert receipts == [(Receipt.READ_ALL, 2), (Receipt.READ_SOME, 1), (Receipt.SENT, 0)]

    conn.cache.set_read_marker(CID, BO, three)
    assert tl.apply(ReadMarkerMoved(CID, BO, three))
    receipts = [(m.receipt, m.read_by) for m in messages(tl.rows())]
    assert receipts == [(Receipt.READ_ALL, 2), (Receipt.READ_ALL, 2), (Receipt.READ_SOME, 1)]


def test_unread_marker_sits_above_the_first_unread_message_from_someone_else(
    conn: ChatConnection,
) -> None:
    feed = Feed(conn)
    feed.created([ME, MEI])
    feed.say(MEI, "read", NOON)
    read = feed.say(ME, "mine", NOON + 1)
    feed.say(ME, "mine, after the marker", NOON + 2)
    first_unread = feed.say(MEI, "new", NOON + 3)
    feed.say(MEI, "newer", NOON + 4)
    feed.members({ME: read, MEI: feed.seq})
    tl = timeline(conn)
    rows = tl.rows()
    marker = next(i for i, r in enumerate(rows) if isinstance(r, UnreadRow))
    marker_row = rows[marker]
    assert isinstance(marker_row, UnreadRow) and marker_row.label == "New messages"
    after = rows[marker + 1]
    assert isinstance(after, MessageRow) and after.seq == first_unread
    assert after.first_in_group  # the marker starts a new group
    assert tl.first_unread_seq() == first_unread

    # Reading moves our marker, but the line stays where it was while the conversation is open.
    conn.cache.set_read_marker(CID, ME, feed.seq)
    tl.apply(ReadMarkerMoved(CID, ME, feed.seq))
    assert any(isinstance(r, UnreadRow) for r in tl.rows())
    assert not any(isinstance(r, UnreadRow) for r in timeline(conn).rows())


def test_outbox_sends_follow_the_stored_messages_until_acknowledged(
    conn: ChatConnection,
) -> None:
    feed = Feed(conn)
    feed.created([ME, MEI])
    feed.say(MEI, "hi", NOON)
    feed.members({ME: feed.seq, MEI: feed.seq})
    tl = timeline(conn)
    pending = conn.outbox.add(CID, "message/send", {"text": "on its way"})
    refused = conn.outbox.add(CID, "message/send", {"text": "x" * 10})
    conn.outbox.add(CID, "message/react", {"seq": 2, "emoji": "👍"})  # not a row of its own
    assert tl.apply(SendQueued(pending))
    failed = conn.outbox.failed(refused.client_id, ErrorCode.MESSAGE_TOO_LONG)
    assert failed is not None
    assert tl.apply(SendFailed(failed, ErrorCode.MESSAGE_TOO_LONG, "too long"))
    rows = messages(tl.rows())
    assert [(m.text, m.receipt, m.seq) for m in rows] == [
        ("hi", Receipt.NONE, 2),
        ("on its way", Receipt.PENDING, None),
        ("x" * 10, Receipt.FAILED, None),
    ]
    assert rows[2].problem and rows[1].problem is None
    assert rows[1].key == f"o{pending.client_id}"

    # The server stores the pending one: the stored message takes its place.
    done = conn.outbox.acknowledged(pending.client_id, seq=3, created_at=NOON + 5, sender_id=ME)
    assert done is not None and done[1] is not None
    assert tl.apply(EventStored(done[1]))
    rows = messages(tl.rows())
    assert [(m.text, m.receipt, m.seq) for m in rows] == [
        ("hi", Receipt.NONE, 2),
        ("on its way", Receipt.SENT, 3),
        ("x" * 10, Receipt.FAILED, None),
    ]


def test_live_events_change_only_what_the_window_holds(conn: ChatConnection) -> None:
    feed = Feed(conn)
    feed.created([ME, MEI])
    for i in range(30):
        feed.say(MEI, f"m{i}", NOON + i)
    tl = timeline(conn, page=10, max_messages=20)
    assert tl.seqs == list(range(22, 32))
    before = tl.rows()
    # A reaction on a message outside the window changes nothing here.
    old = feed.event(
        "reaction",
        NOON + 40,
        sender_id=MEI,
        client_id="r",
        target_seq=2,
        content={"emoji": "👍", "op": "add"},
    )
    assert not tl.apply(EventStored(old))
    assert tl.rows() is before
    # An edit inside it does, and a new message is appended.
    edit = feed.event(
        "edit",
        NOON + 41,
        sender_id=MEI,
        client_id="e",
        target_seq=31,
        content={"text": "m29 (fixed)"},
    )
    assert tl.apply(EventStored(edit))
    new = feed.event("message", NOON + 42, sender_id=MEI, client_id="n", content={"text": "new"})
    assert tl.apply(EventStored(new))
    texts = [m.text for m in messages(tl.rows())]
    assert texts[-2:] == ["m29 (fixed)", "new"]
    # Other conversations are none of its business.
    other = Event(
        conversation_id=CID + 1,
        seq=1,
        kind=EventKind.MESSAGE,
        sender_id=MEI,
        client_id="o",
        target_seq=None,
        created_at=NOON,
        content={"text": "elsewhere"},
    )
    conn.cache.apply_event(other)
    assert not tl.apply(EventStored(other))


def test_window_pages_back_and_forth_and_never_holds_more_than_its_maximum(
    conn: ChatConnection,
) -> None:
    feed = Feed(conn)
    feed.created([ME, MEI])
    for i in range(100):
        feed.say(MEI if i % 3 else ME, f"message {i}", NOON + i * 60)
        if i % 10 == 0:  # reactions between messages: seqs are not contiguous
            feed.event(
                "reaction",
                NOON + i * 60 + 1,
                sender_id=MEI,
                client_id=f"r{i}",
                target_seq=feed.seq,
                content={"emoji": "👍", "op": "add"},
            )
    tl = timeline(conn, page=20, max_messages=50)
    assert len(tl.seqs) == 20 and tl.has_older()
    assert tl.at_end  # (read again below: paging changes it)
    newest = tl.seqs[-1]

    while tl.older_from_cache():
        assert len(tl.seqs) <= 50
    assert not tl.has_older()  # the cache starts at seq 1: nothing further
    assert tl.has_newer()
    assert tl.seqs[0] == 2  # the first message, right after "created"
    assert [m.text for m in messages(tl.rows())][0] == "message 0"

    while tl.load_newer():
        assert len(tl.seqs) <= 50
    assert tl.at_end and tl.seqs[-1] == newest
    texts = [m.text for m in messages(tl.rows())]
    assert texts[-1] == "message 99" and len(texts) == 50
    assert texts == [f"message {i}" for i in range(50, 100)]  # no gap, no repeat

    assert tl.open_around(40)
    assert 40 in tl.seqs
    assert tl.has_newer()
    assert not tl.open_around(10_000)


async def test_older_history_needs_the_server_when_the_cache_runs_out(
    conn: ChatConnection,
) -> None:
    feed = Feed(conn)
    feed.seq = 500  # the cache holds only the newest events (sync gave "recent")
    for i in range(5):
        feed.say(MEI, f"late {i}", NOON + i)
    tl = timeline(conn, page=10, max_messages=20)
    assert tl.has_older() and not tl.older_from_cache()
    # Offline: nothing added, and the timeline says it waits for the server.
    assert await tl.load_older() == 0
    assert tl.waiting_for_server and tl.has_older()


def test_empty_conversation(conn: ChatConnection) -> None:
    feed = Feed(conn)
    feed.created([ME, MEI])
    tl = timeline(conn)
    assert tl.empty
    assert tl.rows() == []
    assert not tl.has_older()


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [(0, "Today"), (1, "Yesterday"), (3, "Sunday"), (6, "Thursday")],
)
def test_day_labels(days_ago: int, expected: str) -> None:
    assert day_label(TODAY - timedelta(days=days_ago), TODAY) == expected


def test_older_days_show_the_date() -> None:
    label = day_label(date(2026, 3, 2), TODAY)
    assert "2" in label and "2026" not in label  # this year: no year
    assert "2025" in day_label(date(2025, 12, 24), TODAY)
