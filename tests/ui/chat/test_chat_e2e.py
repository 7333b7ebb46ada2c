"""The chat client end to end: two people, each with the whole app (a Shell) signed in to one real
server, write to each other through the widgets and see it on the other side."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from app.accounts.account import Account
from app.accounts.credentials import Credentials
from app.chat.account_chat import AccountChat
from app.chat.events import ConnectionState
from app.chat.timeline import MessageRow, Receipt
from app.paths import AppPaths
from tests.helpers.keyring_memory import MemoryKeyring
from tests.ui.chat.people import PASSWORD, add_person_tokens, claim_tokens
from tests.ui.conftest import until
from tests.ui.helpers import ThreadServer
from ui.chat.page import ChatPage
from ui.shell import Shell

WAIT_S = 30.0


@dataclass
class Person:
    """One person's app: the shell, their chat and their chat page."""

    shell: Shell
    chat: AccountChat
    page: ChatPage

    @property
    def user_id(self) -> int:
        uid = self.chat.connection.user_id
        assert uid is not None
        return uid

    def texts(self) -> list[str]:
        """The message texts the open conversation shows, oldest first."""
        return [r.text for r in self.page.messages.model.rows() if isinstance(r, MessageRow)]

    def find(self, text: str) -> MessageRow | None:
        """The newest row showing ``text``, if any (for waiting on)."""
        found = [
            r
            for r in self.page.messages.model.rows()
            if isinstance(r, MessageRow) and r.text == text
        ]
        return found[-1] if found else None

    def row(self, text: str) -> MessageRow:
        found = self.find(text)
        assert found is not None, f"no message {text!r} in {self.texts()}"
        return found

    def receipt(self, text: str) -> Receipt | None:
        found = self.find(text)
        return None if found is None else found.receipt

    def write(self, qtbot: QtBot, text: str) -> None:
        """Types into the composer and presses Enter, as a person does."""
        editor = self.page.composer.editor
        editor.setFocus()
        editor.setPlainText(text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)


async def _sign_in(qtbot: QtBot, tsrv: ThreadServer, root: Path, username: str) -> Person:
    paths = AppPaths(config=root / username / "cfg", data=root / username / "data").ensure()
    # Not registered with qtbot: pytest-qt deletes its widgets before fixtures end, and the
    # shell must stop (connections, pages) while its window still exists.
    shell = Shell(paths, language="en", theme="light", credentials=Credentials(MemoryKeyring()))
    shell.start()
    flow = shell.flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint)
    assert isinstance(await flow.login(username, PASSWORD), Account)
    key = f"{tsrv.server.rt.server_id}/{username}"
    await until(lambda: shell.chat_page(key) is not None, what="the chat page")
    chat = shell.chats[key]
    await asyncio.wait_for(chat.connection.wait_online(), WAIT_S)
    await until(lambda: len(chat.directory.users()) >= 3, what="the directory")
    page = shell.chat_page(key)
    assert page is not None
    # Signing in opens the chat page: it is what people come for.
    assert shell.window.stack.currentWidget() is page
    return Person(shell, chat, page)


@pytest.fixture
async def family(
    qtbot: QtBot, tsrv: ThreadServer, tmp_path: Path
) -> AsyncIterator[tuple[Person, Person]]:
    owner = claim_tokens(tsrv, "mum", "Mum")
    add_person_tokens(tsrv, owner, "dad", "Dad")
    add_person_tokens(tsrv, owner, "gran", "奶奶")
    mum = await _sign_in(qtbot, tsrv, tmp_path, "mum")
    dad = await _sign_in(qtbot, tsrv, tmp_path, "dad")
    try:
        yield mum, dad
    finally:
        for person in (mum, dad):
            await person.shell.stop()
            person.shell.window.close()
            person.shell.window.deleteLater()


async def _direct(mum: Person, dad: Person) -> int:
    conversation = await mum.chat.connection.create_direct(dad.user_id)
    mum.page.open_conversation(conversation.id)
    return conversation.id


async def test_direct_messages_with_reply_edit_reaction_and_delete(
    family: tuple[Person, Person], qtbot: QtBot
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    mum.write(qtbot, "Dinner at 7? 🍝")
    assert mum.page.composer.editor.toPlainText() == ""
    await until(lambda: mum.receipt("Dinner at 7? 🍝") is Receipt.SENT, what="the ack")

    # Dad's list shows it with a badge before he opens it; then the view shows it from Mum.
    await until(lambda: dad.chat.connection.cache.conversation(cid) is not None)
    await until(lambda: (c := dad.chat.connection.cache.conversation(cid)) and c.unread == 1)
    dad.page.conversations.select(cid)
    dad.page.open_conversation(cid)
    # Dad looks at his window: what is on screen there counts as read.
    dad.shell.window.activateWindow()
    await until(lambda: dad.shell.window.isActiveWindow(), what="Dad's window in front")
    await until(lambda: "Dinner at 7? 🍝" in dad.texts(), what="the message at Dad's")
    first = dad.row("Dinner at 7? 🍝")
    assert (first.sender, first.own) == ("Mum", False)
    assert dad.page.header.title.full_text() == "Mum"

    # A reply, chosen from the message as the view offers it.
    assert first.seq is not None
    dad.page.messages.replyRequested.emit(cid, first.seq)
    assert dad.page.composer.reply_to == first.seq
    dad.write(qtbot, "Yes! 好的")
    await until(lambda: "Yes! 好的" in mum.texts(), what="the reply at Mum's")
    reply = mum.row("Yes! 好的")
    assert reply.reply is not None and reply.reply.text == "Dinner at 7? 🍝"
    # Mum's message shows as read once Dad had it open.
    await until(lambda: mum.receipt("Dinner at 7? 🍝") is Receipt.READ_ALL, what="read")

    # Up in the empty composer edits her last message.
    editor = mum.page.composer.editor
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Up)
    assert mum.page.composer.editing == first.seq
    editor.setPlainText("Dinner at 8? 🍝")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    await until(lambda: "Dinner at 8? 🍝" in dad.texts(), what="the edit at Dad's")
    assert dad.row("Dinner at 8? 🍝").edited

    await dad.chat.connection.react(cid, first.seq, "❤️")
    await until(
        lambda: (
            (r := mum.find("Dinner at 8? 🍝")) is not None
            and [(x.emoji, x.count) for x in r.reactions] == [("❤️", 1)]
        ),
        what="the reaction at Mum's",
    )
    await mum.chat.connection.delete_message(cid, first.seq)

    def deleted_at_dad() -> bool:
        rows = [r for r in dad.page.messages.model.rows() if isinstance(r, MessageRow)]
        return any(r.seq == first.seq and r.deleted for r in rows)

    await until(deleted_at_dad, what="the deletion at Dad's")
    assert "Dinner at 8? 🍝" not in dad.texts()


async def test_group_messages_reach_every_member(
    family: tuple[Person, Person], qtbot: QtBot
) -> None:
    mum, dad = family
    gran = next(u.id for u in mum.chat.directory.users() if u.username == "gran")
    group = await mum.chat.connection.create_group(
        "Family 家", topic="Sunday lunch", member_ids=[dad.user_id, gran]
    )
    mum.page.open_conversation(group.id)
    assert mum.page.header.title.full_text() == "Family 家"
    assert mum.page.header.subtitle.full_text() == "3 members · Sunday lunch"
    assert mum.page.header.settings.isVisibleTo(mum.page)
    mum.write(qtbot, "Who brings dessert?")
    await until(lambda: dad.chat.connection.cache.conversation(group.id) is not None)
    dad.page.open_conversation(group.id)
    await until(lambda: "Who brings dessert?" in dad.texts(), what="the group message")
    dad.write(qtbot, "I will 🍰")
    await until(lambda: "I will 🍰" in mum.texts(), what="Dad's answer")
    assert mum.row("I will 🍰").sender == "Dad"


async def test_files_and_images_arrive_with_a_thumbnail(
    family: tuple[Person, Person], qtbot: QtBot, tmp_path: Path
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    picture = tmp_path / "beach.png"
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7bd5"))
    assert image.save(str(picture))
    notes = tmp_path / "notes.txt"
    notes.write_text("bring towels\n", encoding="utf-8")
    mum.page.composer.editor.setPlainText("at the beach")
    mum.page.composer.send_files([picture])
    mum.page.composer.send_files([notes])

    dad.page.open_conversation(cid)

    def arrived() -> list[MessageRow]:
        return [
            r for r in dad.page.messages.model.rows() if isinstance(r, MessageRow) and r.attachments
        ]

    await until(lambda: len(arrived()) == 2, timeout=WAIT_S, what="both files at Dad's")
    # Each file's message goes out when its upload ends: the small one may come first.
    [photo] = [r for r in arrived() if r.attachments[0].mime == "image/png"]
    [text_file] = [r for r in arrived() if r.attachments[0].name == "notes.txt"]
    assert photo.text == "at the beach"
    assert [(a.name, a.mime, a.width) for a in photo.attachments] == [
        ("beach.png", "image/png", 640)
    ]
    assert [a.name for a in text_file.attachments] == ["notes.txt"]
    shown = photo.attachments[0].id
    await until(lambda: dad.chat.media.cached_thumbnail(shown) is not None, what="the thumbnail")
    # Dad saves the text file: the bytes are Mum's.
    target = tmp_path / "saved.txt"
    await dad.chat.media.download(text_file.attachments[0], target)
    assert target.read_text(encoding="utf-8") == "bring towels\n"


async def test_a_message_written_offline_is_delivered_once(
    family: tuple[Person, Person], qtbot: QtBot
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    dad.page.open_conversation(cid)
    await mum.chat.connection.stop()
    await until(lambda: mum.page.banner.isVisibleTo(mum.page), what="the offline banner")
    mum.write(qtbot, "written on the train")
    await until(lambda: mum.receipt("written on the train") is Receipt.PENDING, what="pending")
    await asyncio.sleep(0.5)
    assert "written on the train" not in dad.texts()

    mum.chat.connection.start()
    await asyncio.wait_for(mum.chat.connection.wait_online(), WAIT_S)
    await until(lambda: "written on the train" in dad.texts(), what="the delivery")
    await until(lambda: mum.receipt("written on the train") not in (None, Receipt.PENDING))
    await until(lambda: not mum.page.banner.isVisibleTo(mum.page), what="the banner to go")
    await asyncio.sleep(0.5)  # a duplicate would arrive within this
    assert dad.texts().count("written on the train") == 1
    stored = [
        m for m in dad.chat.connection.cache.messages(cid) if m.text == "written on the train"
    ]
    assert len(stored) == 1


async def test_search_finds_a_chinese_word_and_opens_the_message(
    family: tuple[Person, Person], qtbot: QtBot
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    for text in ("明天我们去公园散步", "bring an umbrella", "下午三点见"):
        mum.write(qtbot, text)
    await until(lambda: len(dad.chat.connection.cache.messages(cid)) == 3, what="3 messages")
    dad.page.show_search()
    assert dad.page.left.currentWidget() is dad.page.search
    dad.page.search.query.setText("公园")
    dad.page.search.run()
    assert [(r.sender, r.conversation) for r in dad.page.search.rows] == [("Mum", "Mum")]
    assert "公园" in dad.page.search.rows[0].snippet
    dad.page.search.results.itemActivated.emit(dad.page.search.results.item(0))
    assert dad.page.current == cid
    await until(lambda: "明天我们去公园散步" in dad.texts(), what="the found message")
    dad.page.search.closed.emit()
    assert dad.page.left.currentWidget() is dad.page.conversations


async def test_typing_notifications_and_the_tray_count(
    family: tuple[Person, Person], qtbot: QtBot
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    dad.page.open_conversation(cid)
    await mum.chat.connection.typing(cid)
    await until(lambda: dad.page.header.typing.text() == "Mum is typing…", what="typing line")

    notifier = dad.shell.notifier
    assert notifier is not None
    dad.shell.window.show_page("home")
    before = len(notifier.notices)
    mum.write(qtbot, "Are you home?")
    await until(lambda: len(notifier.notices) == before + 1, what="a notification")
    key, notice = notifier.notices[-1]
    assert (notice.title, notice.body, notice.conversation_id) == ("Mum", "Are you home?", cid)
    assert dad.page.header.typing.text() == ""  # her message ended her typing
    assert notifier.unread >= 1 and dad.shell.window.windowTitle().startswith("Roost (")

    # Clicking it opens the message; muting the conversation silences the next one.
    notifier.open_requested.emit(key, notice.conversation_id, notice.seq)
    assert dad.shell.window.stack.currentWidget() is dad.page
    dad.chat.mutes.set_muted(cid, True)
    mum.write(qtbot, "Hello?")
    await until(lambda: "Hello?" in dad.texts(), what="the second message")
    assert len(notifier.notices) == before + 1


async def test_language_switch_keeps_the_chat_and_sign_out_removes_it(
    family: tuple[Person, Person], qtbot: QtBot
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    mum.write(qtbot, "before the switch")
    key = mum.chat.key
    mum.shell.on_language_chosen("zh_CN")
    page = mum.shell.chat_page(key)
    assert page is not None and page is not mum.page  # rebuilt, in Chinese
    assert mum.shell.chats[key] is mum.chat  # the same chat, still connected
    assert mum.chat.connection.state is ConnectionState.ONLINE
    page.open_conversation(cid)
    mum.page = page
    await until(lambda: "before the switch" in mum.texts(), what="history after the switch")
    mum.shell.on_language_chosen("en")

    await mum.chat.account.logout()
    await until(lambda: mum.shell.chat_page(key) is None, what="the page to go")
    assert key not in mum.shell.chats


async def test_two_accounts_on_one_server_get_a_chat_page_each_named_by_person(
    family: tuple[Person, Person], tsrv: ThreadServer
) -> None:
    mum, _dad = family
    shell = mum.shell
    assert _labels(shell) == ["Chat"]
    flow = shell.flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint)
    assert isinstance(await flow.login("dad", PASSWORD), Account)
    await until(lambda: len(shell.chats) == 2, what="the second chat")
    assert sorted(_labels(shell)) == ["Chat: Dad", "Chat: Mum"]
    second = next(c for c in shell.chats.values() if c is not mum.chat)
    await asyncio.wait_for(second.connection.wait_online(), WAIT_S)


def _labels(shell: Shell) -> list[str]:
    nav = shell.window.nav
    return [
        nav.item(row).text()
        for row in range(nav.count())
        if str(nav.item(row).data(Qt.ItemDataRole.UserRole)).startswith("chat:")
    ]
