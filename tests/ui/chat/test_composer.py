"""The composer against a real server: keys, reply and edit, files dropped and pasted, the
transfer list, typing, a conversation we left, the voice button."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.chat.events import TypingReceived
from app.chat.transfers import Transfer, Transfers, TransferState
from tests.ui.chat.people import ChatPerson, chat_people
from tests.ui.conftest import until
from tests.ui.helpers import ThreadServer, thread_server
from ui.chat.composer import Composer
from ui.chat.voice import has_microphone, voice_format


@pytest.fixture
async def family(tsrv: ThreadServer, tmp_path: Path) -> AsyncIterator[list[ChatPerson]]:
    async with chat_people(tsrv, tmp_path, [("mum", "Mum"), ("dad", "Dad")]) as people:
        yield people


@pytest.fixture
async def transfers(family: list[ChatPerson]) -> AsyncIterator[Transfers]:
    mum = family[0]
    found = Transfers(mum.connection, mum.api, retry_delays=(0.05, 0.1))
    found.start()
    yield found
    await found.close()


def _composer(qtbot: QtBot, person: ChatPerson, transfers: Transfers, cid: int) -> Composer:
    composer = Composer(person.connection, person.directory, transfers)
    qtbot.addWidget(composer)
    composer.resize(600, 200)
    composer.show()
    composer.set_conversation(cid)
    return composer


async def _direct(mum: ChatPerson, dad: ChatPerson) -> int:
    return (await mum.connection.create_direct(dad.user_id)).id


def _texts(person: ChatPerson, cid: int) -> list[str | None]:
    return [m.text for m in person.connection.cache.messages(cid)]


async def test_enter_sends_and_shift_enter_breaks_the_line(
    qtbot: QtBot, family: list[ChatPerson], transfers: Transfers
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    composer = _composer(qtbot, mum, transfers, cid)
    qtbot.keyClicks(composer.editor, "dinner")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer.editor, "at 7?")
    assert composer.editor.toPlainText() == "dinner\nat 7?"
    one_line = composer.editor.height()
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    assert composer.editor.toPlainText() == ""
    await until(lambda: _texts(dad, cid) == ["dinner\nat 7?"], what="dad to get it")
    # Blank text sends nothing; many lines grow the field up to a limit.
    qtbot.keyClicks(composer.editor, "   ")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    composer.editor.setPlainText("\n".join("x" * 20))
    assert composer.editor.height() > one_line
    assert composer.editor.height() < 20 * composer.editor.fontMetrics().lineSpacing()
    assert mum.connection.outbox.pending() == []
    assert len(mum.connection.cache.messages(cid)) == 1


async def test_up_edits_our_last_message_and_escape_cancels(
    qtbot: QtBot, family: list[ChatPerson], transfers: Transfers
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    await mum.connection.send_message(cid, "first")
    await mum.connection.send_message(cid, "secnod")
    await until(lambda: mum.connection.outbox.pending() == [], what="both acknowledged")
    last = mum.connection.cache.messages(cid)[-1]
    composer = _composer(qtbot, mum, transfers, cid)

    qtbot.keyClick(composer.editor, Qt.Key.Key_Up)
    assert composer.editing == last.seq and composer.editor.toPlainText() == "secnod"
    assert composer.banner.isVisible()
    qtbot.keyClick(composer.editor, Qt.Key.Key_Escape)
    assert composer.editing is None and composer.editor.toPlainText() == ""
    assert not composer.banner.isVisible()

    qtbot.keyClick(composer.editor, Qt.Key.Key_Up)
    composer.editor.setPlainText("second")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    await until(lambda: _texts(dad, cid) == ["first", "second"], what="the edit to arrive")
    assert composer.editing is None


async def test_the_reply_banner_sends_reply_to(
    qtbot: QtBot, family: list[ChatPerson], transfers: Transfers
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    await dad.connection.send_message(cid, "Who is picking up the kids?")
    await until(lambda: bool(mum.connection.cache.messages(cid)), what="mum to get it")
    asked = mum.connection.cache.messages(cid)[0]
    composer = _composer(qtbot, mum, transfers, cid)

    composer.start_reply(cid, asked.seq)
    assert composer.banner.isVisible()
    assert composer.banner.text.text() == "Replying to Dad: Who is picking up the kids?"
    composer.banner.close_button.click()
    assert composer.reply_to is None and not composer.banner.isVisible()

    composer.start_reply(cid, asked.seq)
    qtbot.keyClicks(composer.editor, "I am")
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    await until(lambda: len(dad.connection.cache.messages(cid)) == 2, what="the reply")
    reply = dad.connection.cache.messages(cid)[-1]
    assert (reply.text, reply.reply_to) == ("I am", asked.seq)
    assert not composer.banner.isVisible()


async def test_dropped_and_pasted_files_are_sent_with_the_text(
    qtbot: QtBot, family: list[ChatPerson], transfers: Transfers, tmp_path: Path
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    composer = _composer(qtbot, mum, transfers, cid)
    notes = tmp_path / "notes.txt"
    notes.write_text("milk, eggs, 豆腐\n")

    qtbot.keyClicks(composer.editor, "the list")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(notes))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    composer.editor.dropEvent(drop)
    assert composer.editor.toPlainText() == ""  # the text went with the file
    [queued] = transfers.items(cid)
    assert queued.name == "notes.txt" and list(composer.transfer_list.rows) == [queued.id]

    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    QApplication.clipboard().setImage(image)
    composer.editor.paste()
    await until(lambda: len(dad.connection.cache.messages(cid)) == 2, timeout=30, what="both")
    # Each message goes out when its upload ends: either may come first.
    got = dad.connection.cache.messages(cid)
    [first] = [m for m in got if m.attachments[0].name == "notes.txt"]
    [second] = [m for m in got if m is not first]
    assert first.text == "the list" and len(first.attachments) == 1
    [pasted] = second.attachments
    assert pasted.mime == "image/png" and (pasted.width, pasted.height) == (40, 30)
    await until(lambda: not composer.transfer_list.rows, what="the list to empty")
    assert not composer.transfer_list.isVisible()


async def test_a_failed_upload_shows_its_reason_and_retry_only_where_it_can_help(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with thread_server(tmp_path / "srv", max_file_bytes=10_000, user_quota_bytes=3000) as small:
        async with chat_people(small, tmp_path, [("mum", "Mum"), ("dad", "Dad")]) as (mum, dad):
            transfers = Transfers(mum.connection, mum.api, retry_delays=(0.05,))
            transfers.start()
            try:
                cid = await _direct(mum, dad)
                composer = _composer(qtbot, mum, transfers, cid)

                def failed() -> list[Transfer]:
                    return [t for t in transfers.items(cid) if t.state is TransferState.FAILED]

                # Over the quota: the owner can make room, so Retry is offered.
                roomy = tmp_path / "holiday.mov"
                roomy.write_bytes(os.urandom(5000))
                composer.send_files([roomy])
                await until(lambda: len(failed()) == 1, what="the refusal")
                [row] = composer.transfer_list.rows.values()
                assert row.retry.isVisible() and row.remove.isVisible()
                assert not row.cancel.isVisible()
                assert "does not fit in your storage" in row.problem.text()
                row.retry.click()  # refused again: the quota has not changed
                await until(lambda: len(failed()) == 1 and row.retry.isVisible(), what="again")
                row.remove.click()
                assert transfers.items(cid) == [] and not composer.transfer_list.rows

                # Over the largest file the server takes: no retry can help; only Remove.
                big = tmp_path / "film.mov"
                big.write_bytes(os.urandom(20_000))
                composer.send_files([big])
                await until(lambda: len(failed()) == 1, what="the size refusal")
                [row] = composer.transfer_list.rows.values()
                assert "too large" in row.problem.text() and row.problem.isVisible()
                assert not row.retry.isVisible() and row.remove.isVisible()
            finally:
                await transfers.close()


async def test_typing_is_sent_at_most_every_three_seconds(
    qtbot: QtBot, family: list[ChatPerson], transfers: Transfers
) -> None:
    mum, dad = family
    cid = await _direct(mum, dad)
    seen: list[TypingReceived] = []
    unsubscribe = dad.connection.events.subscribe(
        lambda e: seen.append(e) if isinstance(e, TypingReceived) else None
    )
    composer = _composer(qtbot, mum, transfers, cid)
    qtbot.keyClicks(composer.editor, "on my way")
    await until(lambda: bool(seen), what="dad to see mum typing")
    sent_at = composer._typing_sent
    qtbot.keyClicks(composer.editor, "!!")
    assert composer._typing_sent == sent_at  # not again within 3 s
    unsubscribe()


async def test_emoji_are_inserted_at_the_cursor(
    qtbot: QtBot, family: list[ChatPerson], transfers: Transfers
) -> None:
    mum, dad = family
    composer = _composer(qtbot, mum, transfers, await _direct(mum, dad))
    composer.editor.setPlainText("good night")
    cursor = composer.editor.textCursor()
    cursor.setPosition(4)
    composer.editor.setTextCursor(cursor)
    composer.emoji.click()
    assert composer.picker is not None and composer.picker.isVisible()
    composer.picker.buttons[0].click()
    assert composer.editor.toPlainText() == "good😀 night"
    assert not composer.picker.isVisible()


async def test_a_conversation_we_left_cannot_be_written_to(
    qtbot: QtBot, family: list[ChatPerson], transfers: Transfers
) -> None:
    mum, dad = family
    group = await dad.connection.create_group("Trip", member_ids=[mum.user_id])
    await until(lambda: mum.connection.cache.conversation(group.id) is not None, what="mum in")
    composer = _composer(qtbot, mum, transfers, group.id)
    assert composer.editor.isEnabled() and not composer.left_notice.isVisible()
    await mum.connection.group_command("conversation/leave", conversation_id=group.id)
    await until(lambda: composer.left_notice.isVisible(), what="the notice")
    assert not composer.editor.isEnabled() and not composer.send_button.isEnabled()
    composer.editor.setPlainText("hello?")
    composer.send()
    assert mum.connection.outbox.pending() == []


async def test_the_voice_button_only_shows_with_a_microphone(
    qtbot: QtBot, family: list[ChatPerson], transfers: Transfers
) -> None:
    mum, dad = family
    composer = _composer(qtbot, mum, transfers, await _direct(mum, dad))
    # This machine has no microphone: no button. The recording itself needs a device.
    assert not has_microphone()
    assert not composer.voice.isVisible()
    chosen = voice_format()
    assert chosen is not None and chosen[1] in (".ogg", ".m4a")
    problems: list[str] = []
    composer.voice.failed.connect(problems.append)
    composer.voice.start()  # as if the button were pressed just as the device went away
    assert problems and "microphone" in problems[0]
    assert not composer.voice.recording
