"""The conversation list against a real server: order, live updates, filter, new conversations,
the menu of a conversation (mute, mark as read, leave)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.chat.conversation_rows import ConversationRow
from app.chat.mutes import Mutes
from tests.ui.chat.people import ChatPerson, chat_people
from tests.ui.conftest import until
from tests.ui.helpers import ThreadServer
from ui.chat.conversation_delegate import ROW_ROLE
from ui.chat.conversation_list import ConversationList
from ui.chat.new_conversation import NewGroupDialog, NewMessageDialog


@pytest.fixture
async def family(tsrv: ThreadServer, tmp_path: Path) -> AsyncIterator[list[ChatPerson]]:
    people = [("mum", "Mum"), ("dad", "Dad"), ("gran", "Grandma 奶奶")]
    async with chat_people(tsrv, tmp_path, people) as signed_in:
        yield signed_in


def _list(qtbot: QtBot, person: ChatPerson) -> ConversationList:
    lst = ConversationList(person.connection, person.directory, Mutes(person.connection.cache))
    qtbot.addWidget(lst)
    lst.resize(360, 600)
    lst.show()
    return lst


def _rows(lst: ConversationList) -> list[ConversationRow]:
    return lst.model.rows()


def _titles(lst: ConversationList) -> list[str]:
    return [r.title for r in _rows(lst)]


def _row(lst: ConversationList, cid: int) -> ConversationRow:
    return next(r for r in _rows(lst) if r.id == cid)


def _record(signal: SignalInstance) -> list[int]:
    seen: list[int] = []
    signal.connect(seen.append)
    return seen


def _selected_id(lst: ConversationList) -> int | None:
    indexes = lst.view.selectionModel().selectedIndexes()
    if not indexes:
        return None
    row = indexes[0].data(ROW_ROLE)
    assert isinstance(row, ConversationRow)
    return row.id


async def test_fills_sorts_and_moves_a_new_message_to_the_top(
    qtbot: QtBot, family: list[ChatPerson]
) -> None:
    mum, dad, gran = family
    with_dad = await mum.connection.create_direct(dad.user_id)
    with_gran = await mum.connection.create_direct(gran.user_id)
    group = await mum.connection.create_group("家人 Family", member_ids=[dad.user_id, gran.user_id])
    await mum.connection.send_message(with_dad.id, "dinner at 7?")
    await until(lambda: mum.connection.outbox.pending() == [], what="the message acknowledged")
    lst = _list(qtbot, mum)
    try:
        assert _titles(lst) == ["Dad", "家人 Family", "Grandma 奶奶"]
        assert _row(lst, with_dad.id).preview == "You: dinner at 7?"
        assert _row(lst, group.id).preview == "No messages yet"
        lst.select(with_dad.id)
        with qtbot.assert_not_emitted(lst.activated):
            assert lst.current() == with_dad.id and _selected_id(lst) == with_dad.id

        await gran.connection.send_message(with_gran.id, "你好! Are you coming?")
        await until(lambda: _titles(lst)[0] == "Grandma 奶奶", what="gran's conversation on top")
        row = _row(lst, with_gran.id)
        assert row.unread == 1 and row.preview == "你好! Are you coming?"
        assert row.online is True  # gran is connected
        # The selection stayed on Dad, though his row moved down.
        assert lst.current() == with_dad.id and _selected_id(lst) == with_dad.id

        # A group message says who wrote it.
        await dad.connection.send_message(group.id, "on my way")
        await until(lambda: _titles(lst)[0] == "家人 Family", what="the group on top")
        assert _row(lst, group.id).preview == "Dad: on my way"
        assert _titles(lst) == ["家人 Family", "Grandma 奶奶", "Dad"]
    finally:
        lst.detach()


async def test_clicking_a_row_activates_it(qtbot: QtBot, family: list[ChatPerson]) -> None:
    mum, dad, _gran = family
    conv = await mum.connection.create_direct(dad.user_id)
    lst = _list(qtbot, mum)
    try:
        activated = _record(lst.activated)
        rect = lst.view.visualRect(lst.model.index(0))
        QTest.mouseClick(lst.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert activated == [conv.id] and lst.current() == conv.id
        QTest.mouseClick(lst.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert activated == [conv.id]  # the same one again: nothing new to open
    finally:
        lst.detach()


async def test_empty_states_and_filter_with_a_chinese_name(
    qtbot: QtBot, family: list[ChatPerson]
) -> None:
    mum, dad, gran = family
    lst = _list(qtbot, mum)
    try:
        assert lst.stack.currentWidget() is lst.empty
        assert lst.empty.text() == "No conversations yet. Start one with New."
        await mum.connection.create_direct(dad.user_id)
        with_gran = await mum.connection.create_direct(gran.user_id)
        await mum.connection.create_group("Book club", member_ids=[dad.user_id])
        await until(lambda: len(_rows(lst)) == 3, what="three conversations")
        assert lst.stack.currentWidget() is lst.view

        lst.filter.setText("奶奶")
        assert [r.id for r in _rows(lst)] == [with_gran.id]
        lst.filter.setText("BOOK")
        assert _titles(lst) == ["Book club"]
        lst.filter.setText("dad")  # a member's name finds the group too
        assert sorted(_titles(lst)) == ["Book club", "Dad"]
        lst.filter.setText("nobody here")
        assert _rows(lst) == []
        assert lst.stack.currentWidget() is lst.empty
        assert lst.empty.text() == "Nothing matches “nobody here”."
        lst.filter.clear()
        assert len(_rows(lst)) == 3
    finally:
        lst.detach()


async def test_new_message_dialog_opens_the_conversation(
    qtbot: QtBot, family: list[ChatPerson]
) -> None:
    mum, dad, _gran = family
    lst = _list(qtbot, mum)
    try:
        lst.new_message_action.trigger()
        dialog = lst.dialog
        assert isinstance(dialog, NewMessageDialog) and dialog.isVisible()
        people = [i.text() for i in dialog.picker.items()]
        assert people == ["Dad", "Grandma 奶奶 (gran)"]  # not ourselves
        assert not dialog.continue_button.isEnabled()
        dialog.picker.search.setText("da")
        assert [i.isHidden() for i in dialog.picker.items()] == [False, True]
        item = dialog.picker.item_for(dad.user_id)
        assert item is not None
        item.setSelected(True)
        assert dialog.continue_button.isEnabled()
        activated = _record(lst.activated)
        dialog.continue_button.click()
        await until(lambda: activated != [], what="the new conversation")
        [cid] = activated
        assert lst.current() == cid and _titles(lst) == ["Dad"]
        assert _selected_id(lst) == cid
        assert not dialog.isVisible()
        await until(lambda: dad.connection.cache.conversation(cid) is not None, what="at dad's")
    finally:
        lst.detach()


async def test_new_group_dialog_checks_the_name_then_creates(
    qtbot: QtBot, family: list[ChatPerson]
) -> None:
    mum, dad, gran = family
    lst = _list(qtbot, mum)
    dads = _list(qtbot, dad)
    try:
        lst.new_group_action.trigger()
        dialog = lst.dialog
        assert isinstance(dialog, NewGroupDialog)
        dialog.name.edit.setText("   ")
        dialog.continue_button.click()
        await until(lambda: dialog.name.problem.isVisible(), what="the name's problem")
        assert dialog.name.problem.text() == "Give the group a name."
        dialog.name.edit.setText("x" * 65)
        dialog.continue_button.click()
        await until(lambda: "at most 64" in dialog.name.problem.text(), what="too long")
        assert mum.connection.cache.conversations() == []  # nothing was created

        dialog.name.edit.setText("  读书会 Book club ")
        dialog.topic.edit.setText("Chapter 3 on Friday")
        item = dialog.picker.item_for(dad.user_id)
        assert item is not None
        dialog.picker.list.itemActivated.emit(item)  # Enter or a double click ticks
        assert dialog.picker.chosen() == [dad.user_id]
        dialog.continue_button.click()
        await until(lambda: _titles(lst) == ["读书会 Book club"], what="the group")
        cid = _rows(lst)[0].id
        assert lst.current() == cid
        assert _rows(lst)[0].my_role == "owner"
        # Dad was put in: his list shows it; Grandma was not.
        await until(lambda: _titles(dads) == ["读书会 Book club"], what="the group at dad's")
        assert gran.connection.cache.conversation(cid) is None
    finally:
        lst.detach()
        dads.detach()


async def test_offline_the_dialog_says_so_and_nothing_changes(
    qtbot: QtBot, family: list[ChatPerson]
) -> None:
    mum, dad, _gran = family
    await mum.connection.stop()
    lst = _list(qtbot, mum)
    try:
        lst.new_message_action.trigger()
        dialog = lst.dialog
        assert isinstance(dialog, NewMessageDialog)
        item = dialog.picker.item_for(dad.user_id)  # the directory is in the cache
        assert item is not None
        item.setSelected(True)
        dialog.continue_button.click()
        await until(lambda: dialog.error.isVisible(), what="the error")
        assert dialog.error.text().startswith("You are not connected to the server right now")
        assert dialog.isVisible()
        assert mum.connection.cache.conversations() == [] and _rows(lst) == []
    finally:
        lst.detach()
        mum.connection.start()  # so that closing it is the normal path
        await mum.online()


def _action(lst: ConversationList, row: ConversationRow, text: str) -> None:
    menu = lst.menu_for(row)
    found = [a for a in menu.actions() if a.text() == text]
    assert found, [a.text() for a in menu.actions()]
    assert found[0].isEnabled()
    found[0].trigger()
    menu.close()


async def test_mute_persists_and_mark_as_read_clears_the_badge(
    qtbot: QtBot, family: list[ChatPerson]
) -> None:
    mum, dad, _gran = family
    conv = await dad.connection.create_direct(mum.user_id)
    await dad.connection.send_message(conv.id, "one")
    await dad.connection.send_message(conv.id, "two")
    lst = _list(qtbot, mum)
    try:
        await until(lambda: _rows(lst) and _rows(lst)[0].unread == 2, what="two unread")
        _action(lst, _rows(lst)[0], "Mute")
        await until(lambda: _row(lst, conv.id).muted, what="the row muted")
        assert Mutes(mum.connection.cache).is_muted(conv.id)
        _action(lst, _rows(lst)[0], "Mark as read")
        await until(lambda: _row(lst, conv.id).unread == 0, what="the badge cleared")
        assert mum.connection.cache.conversation(conv.id).unread == 0  # type: ignore[union-attr]
        _action(lst, _rows(lst)[0], "Unmute")
        await until(lambda: not _row(lst, conv.id).muted)
        assert not Mutes(mum.connection.cache).is_muted(conv.id)
        menu = lst.menu_for(_rows(lst)[0])
        texts = [a.text() for a in menu.actions() if a.text()]
        assert texts == ["Mute", "Mark as read"]  # nothing about groups for a direct one
        menu.close()
    finally:
        lst.detach()


async def test_leave_a_group_after_confirming(qtbot: QtBot, family: list[ChatPerson]) -> None:
    mum, dad, _gran = family
    group = await mum.connection.create_group("Chess", member_ids=[dad.user_id])
    other = await dad.connection.create_direct(mum.user_id)
    await until(lambda: dad.connection.cache.conversation(group.id) is not None)
    lst = _list(qtbot, dad)
    try:
        await until(lambda: len(_rows(lst)) == 2)
        asked = _record(lst.settingsRequested)
        _action(lst, _row(lst, group.id), "Group settings…")
        assert asked == [group.id]

        # The owner cannot leave while others are in: the list says what to do instead.
        mums = _list(qtbot, mum)
        try:
            await until(lambda: any(r.id == group.id for r in _rows(mums)))
            _action(mums, _row(mums, group.id), "Leave group…")
            assert mums.confirm is None
            await until(lambda: mums.problem.isVisible())
            assert "make someone else the owner" in mums.problem.text()
        finally:
            mums.detach()

        _action(lst, _row(lst, group.id), "Leave group…")
        box = lst.confirm
        assert isinstance(box, QMessageBox) and box.isVisible()
        box.button(QMessageBox.StandardButton.Cancel).click()
        assert not _row(lst, group.id).left

        _action(lst, _row(lst, group.id), "Leave group…")
        box = lst.confirm
        assert isinstance(box, QMessageBox)
        leave = next(b for b in box.buttons() if b.text() == "Leave group")
        leave.click()
        await until(lambda: _row(lst, group.id).left, what="the group left")
        row = _row(lst, group.id)
        assert row.preview == "You are no longer in this group."
        assert [r.id for r in _rows(lst)] == [other.id, group.id]  # left ones go last
        texts = [a.text() for a in lst.menu_for(row).actions() if a.text()]
        assert "Leave group…" not in texts
    finally:
        lst.detach()
