"""The message view against a real server: live messages, history from the server, edits,
deletions and reactions from someone else, failed sends and Retry, read receipts, the menu."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from app.chat.cache import ChatCache
from app.chat.connection import ChatConnection
from app.chat.directory import Directory
from app.chat.outbox import OutboxState
from app.chat.timeline import MessageRow, Reaction, Receipt
from app.net.address import Address
from server.protocol.auth import Tokens
from server.protocol.chat import Event, EventKind
from tests.ui.chat.people import ChatPerson, add_person_tokens, claim_tokens, close, connect
from tests.ui.conftest import until
from tests.ui.helpers import ThreadServer, thread_server
from ui.chat.message_view import MessageView


@dataclass
class Family:
    tsrv: ThreadServer
    root: Path
    owner: Tokens
    mum: ChatPerson
    dad: ChatPerson


@pytest.fixture
def fast_server(tmp_path: Path) -> Iterator[ThreadServer]:
    """A server that lets a test send a hundred messages at once."""
    with thread_server(tmp_path, send_rate_per_s=10_000.0, send_burst=10_000) as s:
        yield s


@pytest.fixture
async def family(fast_server: ThreadServer, tmp_path: Path) -> AsyncIterator[Family]:
    owner = claim_tokens(fast_server, "mum", "Mum")
    dad_tokens = add_person_tokens(fast_server, owner, "dad", "Dad")
    mum = await connect(fast_server, tmp_path, owner)
    dad = await connect(fast_server, tmp_path, dad_tokens)
    await mum.directory.refresh()
    try:
        yield Family(fast_server, tmp_path, owner, mum, dad)
    finally:
        await close(dad)
        await close(mum)


def _view(qtbot: QtBot, person: ChatPerson, cid: int) -> MessageView:
    view = MessageView(person.connection, person.directory, None)
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    view.show_conversation(cid)
    return view


def _messages(view: MessageView) -> list[MessageRow]:
    return [r for r in view.model.rows() if isinstance(r, MessageRow)]


def _texts(view: MessageView) -> list[str]:
    return [r.text for r in _messages(view)]


def _row(view: MessageView, text: str) -> MessageRow:
    return next(r for r in _messages(view) if r.text == text)


async def _send_many(person: ChatPerson, cid: int, texts: list[str]) -> None:
    items = [await person.connection.send_message(cid, t) for t in texts]
    outbox = person.connection.outbox

    def all_sent() -> bool:
        return all(
            (i := outbox.get(item.client_id)) is not None and i.state is OutboxState.SENT
            for item in items
        )

    await until(all_sent, what="every message stored")


def _submenu(menu: QMenu, text: str) -> QMenu:
    found = next(a for a in menu.actions() if a.text() == text).menu()
    assert isinstance(found, QMenu)
    return found


def _at_bottom(view: MessageView) -> bool:
    bar = view.list.verticalScrollBar()
    return bar.value() >= bar.maximum() - 4


async def test_messages_from_someone_else_appear_live(qtbot: QtBot, family: Family) -> None:
    mum, dad = family.mum, family.dad
    cid = (await dad.connection.create_direct(mum.user_id)).id
    await until(lambda: mum.connection.cache.conversation(cid) is not None)
    view = _view(qtbot, mum, cid)
    assert view.stack.currentWidget() is view.empty
    assert view.empty.text() == "No messages yet. Say hello!"

    await dad.connection.send_message(cid, "你好 👋")
    await until(lambda: _texts(view) == ["你好 👋"], what="the message in mum's view")
    assert view.stack.currentWidget() is view.list
    row = _row(view, "你好 👋")
    assert (row.sender, row.own, row.first_in_group) == ("Dad", False, True)

    # Enough to scroll; the view follows the newest while at the bottom.
    await _send_many(dad, cid, [f"line {i}" for i in range(40)])
    await until(lambda: len(_texts(view)) == 41, what="all 41 messages")
    await until(lambda: _at_bottom(view), what="the view to stay at the bottom")

    # Scrolled up, a new message does not move the view; a button counts it.
    bar = view.list.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    await asyncio.sleep(0.05)
    kept = bar.value()
    await dad.connection.send_message(cid, "are you there?")
    await until(lambda: "are you there?" in _texts(view))
    assert bar.value() == kept
    assert view.new_button.isVisible() and view.new_button.text() == "↓ 1 new"
    view.new_button.click()
    await until(lambda: _at_bottom(view))
    assert not view.new_button.isVisible()


async def test_scrolling_to_the_top_loads_older_history_from_the_server(
    qtbot: QtBot, family: Family
) -> None:
    mum, dad = family.mum, family.dad
    gran_tokens = add_person_tokens(family.tsrv, family.owner, "gran", "Gran")
    group = await mum.connection.create_group(
        "Family", member_ids=[dad.user_id, gran_tokens.user.id]
    )
    texts = [f"story part {i}" for i in range(130)]
    await _send_many(dad, group.id, texts)
    # Gran signs in now: her first sync brings only the newest events (``recent``).
    gran = await connect(family.tsrv, family.root, gran_tokens)
    try:
        view = _view(qtbot, gran, group.id)
        await until(lambda: _texts(view)[-1:] == ["story part 129"])
        assert len(_texts(view)) < 60
        assert gran.connection.cache.lowest_seq(group.id) != 1

        # Where the first message on screen is before and after each batch of older rows.
        shifts: list[int] = []
        noted: list[tuple[str, int] | None] = []

        def before() -> None:
            index = view._first_visible_message()
            row = view.model.row(index.row()) if index is not None else None
            noted.append(None if row is None or index is None else (row.key, _top(index.row())))

        def after() -> None:
            mark = noted.pop() if noted else None
            row = view.model.row_of(mark[0]) if mark else None
            if mark is not None and row is not None:
                shifts.append(_top(row) - mark[1])

        def _top(row: int) -> int:
            return view.list.visualRect(view.model.index(row)).top()

        view.model.aboutToUpdate.connect(before)
        view.model.updated.connect(after)
        bar = view.list.verticalScrollBar()
        for _ in range(100):
            if "story part 0" in _texts(view):
                break
            shown = len(_texts(view))
            bar.setValue(0)

            def older(n: int = shown) -> bool:
                timeline = view.model.timeline
                return len(_texts(view)) > n or timeline is None or not timeline.has_older()

            await until(older, what="older messages")
        assert shifts and all(s == 0 for s in shifts), shifts
        assert _texts(view)[: len(texts)] == texts  # every message once, in order
        assert gran.connection.cache.lowest_seq(group.id) == 1  # asked the server
        assert not view.model.canFetchMore(QModelIndex())
    finally:
        await close(gran)


async def test_edit_delete_and_reactions_by_someone_else_show_up(
    qtbot: QtBot, family: Family
) -> None:
    mum, dad = family.mum, family.dad
    cid = (await dad.connection.create_direct(mum.user_id)).id
    await _send_many(dad, cid, ["dinner at 7?", "or 8"])
    await until(lambda: mum.connection.cache.conversation(cid) is not None)
    view = _view(qtbot, mum, cid)
    await until(lambda: _texts(view) == ["dinner at 7?", "or 8"])
    first, second = (r.seq for r in _messages(view))
    assert first is not None and second is not None

    await dad.connection.edit_message(cid, first, "dinner at 7:30?")
    await until(lambda: _texts(view)[0] == "dinner at 7:30?", what="the edit")
    assert _messages(view)[0].edited
    await dad.connection.react(cid, first, "👍")
    await until(lambda: _messages(view)[0].reactions == (Reaction("👍", 1, False),))
    await dad.connection.delete_message(cid, second)
    await until(lambda: _messages(view)[1].deleted, what="the deletion")
    assert _messages(view)[1].text == ""

    # Mum answers; her reply quotes dad's message.
    await mum.connection.send_message(cid, "7:30 works", reply_to=first)
    await until(lambda: _texts(view)[-1] == "7:30 works")
    await until(lambda: _messages(view)[-1].receipt is not Receipt.PENDING)
    quote = _messages(view)[-1].reply
    assert quote is not None and (quote.sender, quote.text) == ("Dad", "dinner at 7:30?")


async def test_failed_send_shows_and_retry_sends_it_once(qtbot: QtBot, family: Family) -> None:
    mum, dad = family.mum, family.dad
    group = await dad.connection.create_group("Dinner", member_ids=[mum.user_id])
    await until(lambda: mum.connection.cache.conversation(group.id) is not None)
    view = _view(qtbot, mum, group.id)
    # Dad removes mum; what she writes now is refused.
    await dad.connection.request(
        "conversation/remove_member", conversation_id=group.id, user_id=mum.user_id
    )
    await until(lambda: bool(mum.connection.cache.conversation(group.id).left))  # type: ignore[union-attr]
    await mum.connection.send_message(group.id, "wait for me")
    await until(lambda: [r.receipt for r in _messages(view)] == [Receipt.FAILED])
    failed = _messages(view)[0]
    assert failed.problem and failed.seq is None

    # Back in the group, Retry from the menu sends it, once.
    await dad.connection.request(
        "conversation/add_members", conversation_id=group.id, user_ids=[mum.user_id]
    )
    await until(lambda: not mum.connection.cache.conversation(group.id).left)  # type: ignore[union-attr]
    menu = view.menu_for(failed)
    labels = [a.text() for a in menu.actions()]
    assert "Retry" in labels and "Discard" in labels and "Reply" not in labels
    next(a for a in menu.actions() if a.text() == "Retry").trigger()
    await until(
        lambda: [(r.text, r.receipt) for r in _messages(view)] == [("wait for me", Receipt.SENT)],
        what="the retried message, stored",
    )
    await until(
        lambda: [m.text for m in dad.connection.cache.messages(group.id)] == ["wait for me"]
    )
    assert mum.connection.outbox.items(group.id) == []


async def test_read_state_follows_the_other_reader(qtbot: QtBot, family: Family) -> None:
    mum, dad = family.mum, family.dad
    cid = (await mum.connection.create_direct(dad.user_id)).id
    view = _view(qtbot, mum, cid)
    await mum.connection.send_message(cid, "home by 6")
    await until(lambda: [r.receipt for r in _messages(view)] == [Receipt.SENT], what="sent")
    seq = _messages(view)[0].seq
    assert seq is not None
    await until(lambda: dad.connection.cache.message(cid, seq) is not None)

    await dad.connection.mark_read(cid, seq)
    await until(lambda: _messages(view)[0].receipt is Receipt.READ_ALL, what="read by dad")
    assert _messages(view)[0].read_by == 1


async def test_an_open_view_in_the_active_window_marks_read(qtbot: QtBot, family: Family) -> None:
    mum, dad = family.mum, family.dad
    cid = (await dad.connection.create_direct(mum.user_id)).id
    await dad.connection.send_message(cid, "ping")
    await until(lambda: mum.connection.cache.message(cid, 2) is not None)
    view = _view(qtbot, mum, cid)
    view.activateWindow()
    await until(lambda: view.isActiveWindow(), what="the window to be active")
    view.show_conversation(cid)
    conversation = mum.connection.cache.conversation
    await until(lambda: conversation(cid).read_seq >= 2, what="mum's marker")  # type: ignore[union-attr]
    await until(
        lambda: (
            dict((m.user_id, m.read_seq) for m in dad.connection.cache.conversation(cid).members)[  # type: ignore[union-attr]
                mum.user_id
            ]
            >= 2
        ),
        what="dad to see that mum read it",
    )


async def test_the_menu_replies_reacts_edits_and_deletes(qtbot: QtBot, family: Family) -> None:
    mum, dad = family.mum, family.dad
    cid = (await mum.connection.create_direct(dad.user_id)).id
    await _send_many(dad, cid, ["how was school?"])
    await _send_many(mum, cid, ["fine, thanks"])
    await until(lambda: mum.connection.cache.message(cid, 2) is not None)
    view = _view(qtbot, mum, cid)
    theirs, mine = _messages(view)
    assert theirs.seq is not None and mine.seq is not None

    menu = view.menu_for(theirs)
    labels = [a.text() for a in menu.actions()]
    assert labels[:3] == ["Copy", "Reply", "React"] and "Edit" not in labels
    with qtbot.wait_signal(view.replyRequested) as replied:
        next(a for a in menu.actions() if a.text() == "Reply").trigger()
    assert replied.args == [cid, theirs.seq]
    next(a for a in menu.actions() if a.text() == "Copy").trigger()
    assert QApplication.clipboard().text() == "how was school?"
    react = _submenu(menu, "React")
    next(a for a in react.actions() if a.text() == "❤️").trigger()
    await until(lambda: _messages(view)[0].reactions == (Reaction("❤️", 1, True),))
    # Reacting again with the same emoji takes it off.
    menu = view.menu_for(_messages(view)[0])
    react = _submenu(menu, "React")
    heart = next(a for a in react.actions() if a.text() == "❤️")
    assert heart.isChecked()
    heart.trigger()
    await until(lambda: _messages(view)[0].reactions == ())

    menu = view.menu_for(mine)
    with qtbot.wait_signal(view.editRequested) as edit:
        next(a for a in menu.actions() if a.text() == "Edit").trigger()
    assert edit.args == [cid, mine.seq]
    next(a for a in menu.actions() if a.text() == "Delete…").trigger()
    box = view.dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    box.reject()  # cancelled: nothing happens
    await asyncio.sleep(0.1)
    assert not _messages(view)[1].deleted
    next(a for a in view.menu_for(mine).actions() if a.text() == "Delete…").trigger()
    box = view.dialog
    assert isinstance(box, QMessageBox)
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    delete.click()
    await until(lambda: _messages(view)[1].deleted, what="the deletion")
    mine_seq = mine.seq

    def gone_for_dad() -> bool:
        found = dad.connection.cache.message(cid, mine_seq)
        return found is not None and found.deleted

    await until(gone_for_dad, what="dad to see the deletion")


async def test_jump_to_first_unread_and_scroll_to_a_message(qtbot: QtBot, family: Family) -> None:
    mum, dad = family.mum, family.dad
    cid = (await dad.connection.create_direct(mum.user_id)).id
    await _send_many(dad, cid, [f"news {i}" for i in range(60)])
    await until(lambda: len(mum.connection.cache.messages(cid, limit=100)) == 60)
    view = _view(qtbot, mum, cid)  # a window that is not active: nothing is marked read
    assert view.unread_button.isVisible()
    view.unread_button.click()
    unread = view.model.row_of("unread")
    assert unread is not None
    rect = view.list.visualRect(view.model.index(unread))
    assert rect.top() >= 0 and rect.bottom() <= view.list.viewport().height()
    assert not view.unread_button.isVisible()

    target = _row(view, "news 30").seq
    assert target is not None
    view.scroll_to(target)
    row = view.model.row_of_seq(target)
    assert row is not None and view.delegate.highlight_key == f"m{target}"
    assert view.list.visualRect(view.model.index(row)).intersects(view.list.viewport().rect())
    await until(lambda: view.delegate.highlight_key is None, what="the highlight to fade")


class FolderThumbnails:
    """Thumbnails from a folder, as MediaFiles keeps them once downloaded (the download is
    MediaFiles' business; here they "arrive" when the test says so)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.asked: list[str] = []
        self.arrived = asyncio.Event()

    def cached_thumbnail(self, attachment_id: str) -> Path | None:
        path = self.folder / f"{attachment_id}.png"
        return path if path.exists() else None

    async def thumbnail(self, attachment_id: str) -> Path | None:
        self.asked.append(attachment_id)
        await self.arrived.wait()
        return self.cached_thumbnail(attachment_id)


async def test_pictures_keep_their_size_until_the_thumbnail_arrives(
    qtbot: QtBot, tmp_path: Path
) -> None:

    class Offline:
        async def access_token(self) -> str:
            raise AssertionError("not connecting")

        async def refresh(self, stale_access_token: str | None = None) -> None:
            raise AssertionError("not connecting")

    cache = ChatCache(tmp_path / "c.db")
    cache.set_meta("user_id", "1")
    conn = ChatConnection(cache, Address("127.0.0.1", 9), None, Offline())
    photo = {
        "id": "p1",
        "name": "lake.jpg",
        "size": 9,
        "mime": "image/jpeg",
        "sha256": "0",
        "width": 1600,
        "height": 1200,
        "thumbnail": True,
    }
    for seq, content in enumerate(
        [{"text": "look"}, {"text": "", "attachments": [photo]}, {"text": "nice"}], start=1
    ):
        cache.apply_event(
            Event(
                conversation_id=5,
                seq=seq,
                kind=EventKind.MESSAGE,
                sender_id=2,
                client_id=f"c{seq}",
                target_seq=None,
                created_at=1e9 + seq,
                content=content,
            )
        )
    thumbs = FolderThumbnails(tmp_path)
    view = MessageView(conn, Directory(conn), thumbs)
    qtbot.addWidget(view)
    view.resize(600, 600)
    view.show()
    view.show_conversation(5)
    await until(lambda: thumbs.asked == ["p1"], what="the visible picture to be asked for")
    row = view.model.row_of_seq(2)
    assert row is not None
    before = view.list.visualRect(view.model.index(row)).height()
    assert before > 200  # 1600x1200 shown within 280x220: a 280-wide box, 210 high

    image = QImage(160, 120, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    assert image.save(str(tmp_path / "p1.png"))
    thumbs.arrived.set()
    await until(lambda: "p1" in view.delegate._pixmaps, what="the thumbnail")
    await asyncio.sleep(0.05)
    assert view.list.visualRect(view.model.index(row)).height() == before
    assert thumbs.asked == ["p1"]  # once, however often it was painted
    shot = view.list.viewport().grab().toImage()
    rect = view.list.visualRect(view.model.index(row))
    teal = QColor("teal").rgb()
    assert any(
        shot.pixel(x, rect.center().y()) == teal for x in range(rect.left(), rect.right(), 4)
    )
    view.close()
    cache.close()
