"""Group settings against a real server: rename (seen by the other member), roles, members,
what a plain member may do, and leaving."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.chat.mutes import Mutes
from tests.ui.chat.people import ChatPerson, chat_people
from tests.ui.conftest import until
from tests.ui.helpers import ThreadServer, thread_server
from ui.chat.conversation_list import ConversationList
from ui.chat.group_settings import GroupSettingsDialog


@pytest.fixture
async def family(tsrv: ThreadServer, tmp_path: Path) -> AsyncIterator[list[ChatPerson]]:
    people = [("mum", "Mum"), ("dad", "Dad"), ("gran", "Grandma 奶奶")]
    async with chat_people(tsrv, tmp_path, people) as signed_in:
        yield signed_in


def _dialog(qtbot: QtBot, person: ChatPerson, cid: int) -> GroupSettingsDialog:
    dialog = GroupSettingsDialog(person.connection, person.directory, cid)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def _roles(person: ChatPerson, cid: int) -> dict[int, str]:
    c = person.connection.cache.conversation(cid)
    assert c is not None
    return {m.user_id: m.role for m in c.members}


def _answer(dialog: GroupSettingsDialog, button: str) -> None:
    box = dialog.confirm
    assert isinstance(box, QMessageBox) and box.isVisible()
    next(b for b in box.buttons() if b.text() == button).click()


async def test_rename_shows_in_the_other_members_list(
    qtbot: QtBot, family: list[ChatPerson]
) -> None:
    mum, dad, _gran = family
    group = await mum.connection.create_group("Family", member_ids=[dad.user_id])
    await until(lambda: dad.connection.cache.conversation(group.id) is not None)
    dads = ConversationList(dad.connection, dad.directory, Mutes(dad.connection.cache))
    qtbot.addWidget(dads)
    dialog = _dialog(qtbot, mum, group.id)
    try:
        assert dialog.name.text() == "Family" and not dialog.name.edit.isReadOnly()
        assert not dialog.save_button.isEnabled()  # nothing changed yet
        dialog.name.edit.setText("")
        dialog.name.edit.textEdited.emit("")
        dialog.save_button.click()
        assert dialog.name.problem.text() == "Give the group a name."
        dialog.name.edit.setText(" 陈家 The Chens ")
        dialog.topic.edit.setText("Sunday lunch")
        dialog.topic.edit.textEdited.emit("Sunday lunch")
        dialog.save_button.click()
        await until(lambda: dialog.title.text() == "陈家 The Chens", what="renamed here")
        assert dialog.error.isHidden()
        assert dialog.name.text() == "陈家 The Chens" and not dialog.save_button.isEnabled()
        c = mum.connection.cache.conversation(group.id)
        assert c is not None and c.topic == "Sunday lunch"
        await until(
            lambda: [r.title for r in dads.model.rows()] == ["陈家 The Chens"],
            what="the new name in dad's list",
        )
    finally:
        dads.detach()
        dialog.reject()


async def test_a_member_sees_the_group_but_cannot_change_it(
    qtbot: QtBot, family: list[ChatPerson]
) -> None:
    mum, dad, gran = family
    group = await mum.connection.create_group(
        "Family", topic="dinner", member_ids=[dad.user_id, gran.user_id]
    )
    await until(lambda: dad.connection.cache.conversation(group.id) is not None)
    dialog = _dialog(qtbot, dad, group.id)
    try:
        assert dialog.name.edit.isReadOnly() and dialog.topic.edit.isReadOnly()
        assert dialog.read_only.isVisibleTo(dialog)
        assert not dialog.save_button.isVisibleTo(dialog)
        assert not dialog.add_button.isVisibleTo(dialog)
        assert not dialog.remove_button.isVisibleTo(dialog)
        assert not dialog.admin_button.isVisibleTo(dialog)
        assert dialog.leave_button.isVisibleTo(dialog)
        texts = [dialog.members.item(i).text() for i in range(dialog.members.count())]
        assert texts == ["Mum — Owner", "Dad (you) — Member", "Grandma 奶奶 — Member"]
        assert dialog.members_label.text() == "Members (3)"
    finally:
        dialog.reject()


async def test_owner_adds_promotes_removes_and_hands_over(
    qtbot: QtBot, family: list[ChatPerson]
) -> None:
    mum, dad, gran = family
    group = await mum.connection.create_group("Family", member_ids=[dad.user_id])
    dialog = _dialog(qtbot, mum, group.id)
    try:
        # Add Grandma: only people not in the group are offered.
        dialog.add_button.click()
        assert dialog.add_panel.isVisibleTo(dialog)
        assert [i.text() for i in dialog.picker.items()] == ["Grandma 奶奶 (gran)"]
        item = dialog.picker.item_for(gran.user_id)
        assert item is not None
        dialog.picker.list.itemActivated.emit(item)
        dialog.add_confirm.click()
        await until(lambda: gran.user_id in _roles(mum, group.id), what="gran added")
        await until(lambda: gran.connection.cache.conversation(group.id) is not None)
        assert dialog.members.count() == 3 and not dialog.add_panel.isVisibleTo(dialog)

        # Ourselves: nothing to do on our own row.
        dialog.select_member(mum.user_id)
        assert not dialog.remove_button.isEnabled() and not dialog.admin_button.isEnabled()

        dialog.select_member(dad.user_id)
        assert dialog.admin_button.text() == "Make admin"
        dialog.admin_button.click()
        await until(lambda: _roles(mum, group.id)[dad.user_id] == "admin", what="dad admin")
        await until(lambda: _roles(dad, group.id)[dad.user_id] == "admin", what="at dad's")
        dialog.select_member(dad.user_id)
        assert dialog.admin_button.text() == "Make member"

        dialog.select_member(gran.user_id)
        dialog.remove_button.click()
        _answer(dialog, "Cancel")
        assert gran.user_id in _roles(mum, group.id)
        dialog.remove_button.click()
        _answer(dialog, "Remove")
        await until(lambda: gran.user_id not in _roles(mum, group.id), what="gran removed")
        await until(lambda: gran.connection.cache.conversation(group.id).left)  # type: ignore[union-attr]

        # The owner must hand over before leaving. The removal's event can come before its
        # result, and the dialog takes no new action until the result is in.
        await until(dialog.leave_button.isEnabled, what="the removal answered")
        dialog.leave_button.click()
        assert dialog.confirm is None and "Make owner" in dialog.error.text()
        dialog.select_member(dad.user_id)
        dialog.owner_button.click()
        _answer(dialog, "Make owner")
        await until(lambda: _roles(mum, group.id)[dad.user_id] == "owner", what="handed over")
        assert _roles(mum, group.id)[mum.user_id] == "admin"
        # As an admin now, mum no longer changes roles, but may still rename.
        assert not dialog.admin_button.isVisibleTo(dialog)
        assert not dialog.name.edit.isReadOnly()

        dialog.leave_button.click()
        _answer(dialog, "Leave group")
        await until(lambda: not dialog.isVisible(), what="the dialog closed")
        c = mum.connection.cache.conversation(group.id)
        assert c is not None and c.left
        await until(lambda: mum.user_id not in _roles(dad, group.id), what="mum gone at dad's")
    finally:
        dialog.reject()


async def test_refusals_and_offline_are_shown_in_the_dialog(qtbot: QtBot, tmp_path: Path) -> None:
    people = [("mum", "Mum"), ("dad", "Dad"), ("gran", "Grandma 奶奶")]
    with thread_server(tmp_path / "server", max_group_size=2) as small:
        async with chat_people(small, tmp_path, people) as (mum, dad, gran):
            group = await mum.connection.create_group("Family", member_ids=[dad.user_id])
            dialog = _dialog(qtbot, mum, group.id)
            try:
                # The server refuses a third person, and the dialog says why.
                dialog.add_button.click()
                item = dialog.picker.item_for(gran.user_id)
                assert item is not None
                dialog.picker.list.itemActivated.emit(item)
                dialog.add_confirm.click()
                await until(lambda: dialog.error.isVisible(), what="the refusal")
                assert dialog.error.text().startswith("The group is full")
                assert set(_roles(mum, group.id)) == {mum.user_id, dad.user_id}

                # Offline: the change is not made, and the dialog says why.
                await mum.connection.stop()
                dialog.name.edit.setText("Offline name")
                dialog.name.edit.textEdited.emit("Offline name")
                dialog.save_button.click()
                await until(
                    lambda: dialog.error.text().startswith("You are not connected"),
                    what="the offline message",
                )
                assert dialog.title.text() == "Family"
                c = mum.connection.cache.conversation(group.id)
                assert c is not None and c.name == "Family"
                assert dialog.save_button.isEnabled()  # the edit is kept, to try again
            finally:
                dialog.reject()
