"""The People page on a real server: table, add, switch off, resets, roles, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.accounts.account import Account
from app.accounts.session import AccountFlows
from app.users.people import USER_ROLE, Column
from app.users.problems import NotAllowed
from server.protocol.common import Role
from tests.ui.conftest import proceed, until
from tests.ui.helpers import ThreadServer, thread_server
from ui.dialogs.user_create import CreateUserDialog
from ui.dialogs.user_delete import DeleteUserDialog
from ui.dialogs.user_handover import HandOverDialog
from ui.dialogs.user_sessions import UserSessionsDialog
from ui.pages.people import PeoplePage

PASSWORD = "a long family passphrase"


async def _owner(tsrv: ThreadServer, flows: AccountFlows) -> Account:
    return await flows.claim(
        tsrv.address, tsrv.fingerprint, tsrv.setup_code(), "Chen family", "mum", "Mum", PASSWORD
    )


async def _page(qtbot: QtBot, account: Account) -> PeoplePage:
    page = PeoplePage(account)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    await page.start()
    return page


def _login(tsrv: ThreadServer, username: str, password: str) -> httpx.Response:
    return tsrv.post("/api/v1/auth/login", {"username": username, "password": password})


def _cells(page: PeoplePage, column: Column) -> list[str]:
    model = page.proxy
    return [str(model.index(r, column).data()) for r in range(model.rowCount())]


def _row_of(page: PeoplePage, username: str) -> int:
    return _cells(page, Column.USERNAME).index(username)


async def _add(page: PeoplePage, username: str, name: str, role: Role = Role.MEMBER) -> str:
    """Adds a person through the dialog; returns the one-time password it shows."""
    page.add_button.click()
    dialog = page.dialog
    assert isinstance(dialog, CreateUserDialog)
    dialog.display_name.edit.setText(name)
    dialog.username.edit.setText(username)
    dialog.role.setCurrentIndex(dialog.role.findData(role.value))
    await proceed(dialog)
    await until(lambda: dialog.created is not None or dialog.error.isVisible(), what="created")
    assert dialog.created is not None, dialog.error.text()
    code = dialog.handover.code.text()
    assert code == dialog.created.one_time_code
    dialog.close()
    return code


async def _hand_over_code(page: PeoplePage) -> str:
    await until(lambda: isinstance(page.dialog, HandOverDialog), what="the code dialog")
    dialog = page.dialog
    assert isinstance(dialog, HandOverDialog)
    code = dialog.panel.code.text()
    dialog.accept()
    page.dialog = None
    return code


def _first_sign_in(tsrv: ThreadServer, username: str, one_time: str, new: str) -> dict[str, Any]:
    r = _login(tsrv, username, one_time)
    assert r.status_code == 200, r.text
    tokens: dict[str, Any] = r.json()
    assert tokens["user"]["must_change_password"] is True
    r = tsrv.post(
        "/api/v1/me/password",
        {"current_password": one_time, "new_password": new},
        tokens["access_token"],
    )
    assert r.status_code == 200, r.text
    return tokens


async def test_owner_alone_sees_the_invite_call_to_action(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    page = await _page(qtbot, await _owner(tsrv, flows))
    assert _cells(page, Column.USERNAME) == ["mum"]
    assert _cells(page, Column.ROLE) == ["Owner"]
    assert page.empty.isVisible()
    assert not page.message.isVisible()
    page.empty_invite.click()
    assert page.dialog is not None and page.dialog.isVisible()
    page.dialog.close()
    await page.stop()


async def test_add_a_person_whose_one_time_password_signs_in(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    page = await _page(qtbot, await _owner(tsrv, flows))
    code = await _add(page, "grandma", "Grandma 奶奶")
    await _add(page, "dad", "Dad", Role.ADMIN)
    assert _cells(page, Column.USERNAME) == ["mum", "grandma", "dad"]
    assert _cells(page, Column.ROLE) == ["Owner", "Family member", "Administrator"]
    assert _cells(page, Column.NAME)[1] == "Grandma 奶奶"
    assert _cells(page, Column.STATE)[1] == "Waiting for first sign-in"
    assert _cells(page, Column.LAST_SEEN)[1] == "Never"
    assert not page.empty.isVisible()
    # The code is the password for the first sign-in, exactly as shown.
    _first_sign_in(tsrv, "grandma", code, "grandma's own passphrase")
    # A taken username is said next to the field, and nothing is added.
    page.add_button.click()
    dialog = page.dialog
    assert isinstance(dialog, CreateUserDialog)
    dialog.display_name.edit.setText("Another Grandma")
    dialog.username.edit.setText("grandma")
    await proceed(dialog)
    await until(dialog.username.problem.isVisible, what="the username problem")
    assert "already has that username" in dialog.username.problem.text()
    assert dialog.created is None
    dialog.close()
    await page.people.refresh()
    assert len(_cells(page, Column.USERNAME)) == 3
    # A username the server would refuse is explained next to the field before sending.
    page.add_button.click()
    dialog = page.dialog
    assert isinstance(dialog, CreateUserDialog)
    dialog.display_name.edit.setText("Uncle")
    dialog.username.edit.setText("U!")
    await proceed(dialog)
    await until(dialog.username.problem.isVisible, what="the username problem")
    assert "3 to 32 characters" in dialog.username.problem.text()
    dialog.close()
    assert len(page.people.users) == 3
    # The filter narrows the table, Chinese names included.
    page.filter.setText("奶奶")
    assert _cells(page, Column.USERNAME) == ["grandma"]
    page.filter.setText("")
    await page.stop()


async def test_switch_off_stops_sign_in_and_switch_on_restores_it(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    page = await _page(qtbot, await _owner(tsrv, flows))
    code = await _add(page, "grandma", "Grandma")
    _first_sign_in(tsrv, "grandma", code, "grandma's own passphrase")
    page.select_user(page.people.users[1].id)
    assert page.switch_button.text() == "Switch off"
    page.switch_button.click()
    await until(lambda: _cells(page, Column.STATE)[1] == "Switched off", what="switched off")
    r = _login(tsrv, "grandma", "grandma's own passphrase")
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_disabled"
    assert "can't sign in" in page.message.text()
    page.select_user(page.people.users[1].id)
    assert page.switch_button.text() == "Switch on"
    page.switch_button.click()
    await until(lambda: _cells(page, Column.STATE)[1] == "Active", what="switched on")
    assert _login(tsrv, "grandma", "grandma's own passphrase").status_code == 200
    await page.stop()


async def test_reset_password_and_two_factor_give_codes_that_work(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    page = await _page(qtbot, await _owner(tsrv, flows))
    code = await _add(page, "grandma", "Grandma")
    _first_sign_in(tsrv, "grandma", code, "grandma's own passphrase")
    page.select_user(page.people.users[1].id)
    page.reset_password_button.click()
    new_code = await _hand_over_code(page)
    assert new_code != code
    assert _login(tsrv, "grandma", "grandma's own passphrase").status_code == 401
    _first_sign_in(tsrv, "grandma", new_code, "grandma's newer passphrase")

    page.select_user(page.people.users[1].id)
    page.reset_two_factor_button.click()
    second = await _hand_over_code(page)
    r = _login(tsrv, "grandma", "grandma's newer passphrase")
    assert r.status_code == 200 and r.json()["status"] == "second_factor_required", r.text
    r = tsrv.post(
        "/api/v1/auth/login/second-factor", {"challenge": r.json()["challenge"], "code": second}
    )
    assert r.status_code == 200 and r.json()["status"] == "ok", r.text
    await page.stop()


async def test_owner_sets_roles_and_an_admin_cannot(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    page = await _page(qtbot, await _owner(tsrv, flows))
    code = await _add(page, "dad", "Dad")
    await _add(page, "kid", "Kid")
    page.select_user(page.people.users[1].id)
    assert page.make_admin_action.isEnabled() and not page.make_member_action.isEnabled()
    page.make_admin_action.trigger()
    await until(lambda: _cells(page, Column.ROLE)[1] == "Administrator", what="dad an admin")
    await page.stop()

    # Dad, now an admin, manages members but not other admins, and changes no roles.
    _first_sign_in(tsrv, "dad", code, "dad's own long passphrase")
    dad = await flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint).login(
        "dad", "dad's own long passphrase"
    )
    assert isinstance(dad, Account)
    dads = await _page(qtbot, dad)
    assert not dads.role_button.isVisible()
    dads.select_user(dads.people.users[2].id)  # kid, a member
    assert dads.reset_password_button.isEnabled() and dads.delete_button.isEnabled()
    dads.select_user(dads.people.users[0].id)  # mum, the owner
    assert not dads.reset_password_button.isEnabled() and not dads.delete_button.isEnabled()
    create = CreateUserDialog(dads.people)
    qtbot.addWidget(create)
    roles = [create.role.itemData(i) for i in range(create.role.count())]
    assert roles == [Role.MEMBER.value]
    # Refused before anything is sent, with a reason in words.
    with pytest.raises(NotAllowed, match="Only the owner can add administrators"):
        await dads.people.create("nanny", "Nanny", Role.ADMIN)
    mum_id = dads.people.users[0].id
    with pytest.raises(NotAllowed):
        await dads.people.reset_password(mum_id)
    assert [u.username for u in dads.people.users] == ["mum", "dad", "kid"]
    await dads.stop()


async def test_hand_over_ownership_after_confirming(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    page = await _page(qtbot, await _owner(tsrv, flows))
    await _add(page, "dad", "Dad", Role.ADMIN)
    page.select_user(page.people.users[1].id)
    assert page.transfer_action.isEnabled()
    page.transfer_action.trigger()
    await until(lambda: page.dialog is not None and page.dialog.isVisible(), what="confirm")
    assert page.transfer_button is not None
    page.transfer_button.click()
    await until(lambda: _cells(page, Column.ROLE) == ["Administrator", "Owner"], what="handed")
    assert page.account.user.role == Role.ADMIN
    # Now an admin: mum can no longer act on dad, the owner.
    page.select_user(page.people.users[1].id)
    assert not page.reset_password_button.isEnabled()
    assert not page.role_button.isVisible()
    await page.stop()


async def test_delete_needs_the_username_typed(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    page = await _page(qtbot, await _owner(tsrv, flows))
    code = await _add(page, "grandma", "Grandma")
    page.select_user(page.people.users[1].id)
    page.delete_button.click()
    await until(lambda: isinstance(page.dialog, DeleteUserDialog), what="the delete dialog")
    dialog = page.dialog
    assert isinstance(dialog, DeleteUserDialog)
    assert not dialog.delete_button.isEnabled()
    dialog.confirm.edit.setText("grandm")
    assert not dialog.delete_button.isEnabled()
    dialog.confirm.edit.setText("grandma")
    assert dialog.delete_button.isEnabled()
    dialog.delete_button.click()
    await until(lambda: _cells(page, Column.USERNAME) == ["mum"], what="deleted")
    assert _login(tsrv, "grandma", code).status_code == 401
    assert page.empty.isVisible()
    await page.stop()


async def test_cancelled_delete_changes_nothing(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    page = await _page(qtbot, await _owner(tsrv, flows))
    await _add(page, "grandma", "Grandma")
    page.select_user(page.people.users[1].id)
    page.delete_button.click()
    await until(lambda: isinstance(page.dialog, DeleteUserDialog), what="the delete dialog")
    assert page.dialog is not None
    page.dialog.reject()
    await until(lambda: not page._tasks, what="the delete task to end")
    await page.people.refresh()
    assert _cells(page, Column.USERNAME) == ["mum", "grandma"]
    await page.stop()


async def test_a_member_sees_only_admins(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = await _owner(tsrv, flows)
    page = await _page(qtbot, owner)
    code = await _add(page, "kid", "Kid")
    await page.stop()
    _first_sign_in(tsrv, "kid", code, "kid's own long passphrase")
    kid = await flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint).login(
        "kid", "kid's own long passphrase"
    )
    assert isinstance(kid, Account)
    kids = await _page(qtbot, kid)
    assert kids.members_only.isVisible()
    assert "Only the server's owner and administrators" in kids.members_only.text()
    assert not kids.table.isVisible() and not kids.invite_button.isVisible()
    # The server refuses too: the page says the same rather than failing.
    kids.people.users = []
    kids.members_only.hide()
    kids._run(kids.people.refresh(), "refresh")
    await until(lambda: kids.members_only.isVisible(), what="only admins again")
    await kids.stop()


async def test_the_model_carries_the_user(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    page = await _page(qtbot, await _owner(tsrv, flows))
    user = page.proxy.index(0, 0).data(USER_ROLE)
    assert user.username == "mum"
    assert _cells(page, Column.NAME) == ["Mum (you)"]
    assert _cells(page, Column.TWO_FACTOR) == ["Off"]
    assert _cells(page, Column.STORAGE) == ["0 bytes"]  # the server said: no files yet
    await page.stop()


async def test_unlock_after_too_many_wrong_passwords(
    qtbot: QtBot, tmp_path: Path, flows: AccountFlows
) -> None:
    # Loopback is in the home-network allowlist by default, which is never locked out; the
    # long lock keeps it in force however slow the machine is.
    with thread_server(tmp_path / "locking", login_allowlist=[], lockout_base_s=3600) as tsrv:
        await _unlock(qtbot, tsrv, flows)


async def _unlock(qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows) -> None:
    owner = await _owner(tsrv, flows)
    page = await _page(qtbot, owner)
    code = await _add(page, "grandma", "Grandma")
    _first_sign_in(tsrv, "grandma", code, "grandma's own passphrase")
    for _ in range(5):
        assert _login(tsrv, "grandma", "not her password").status_code == 401
    r = _login(tsrv, "grandma", "grandma's own passphrase")
    assert r.status_code == 429 and r.json()["error"]["code"] == "account_locked"
    await page.people.refresh()
    assert _cells(page, Column.STATE)[1] == "Locked for a while"
    page.select_user(page.people.users[1].id)
    assert page.unlock_action.isEnabled() and not page.enable_action.isEnabled()
    page.unlock_action.trigger()
    await until(lambda: _cells(page, Column.STATE)[1] == "Active", what="unlocked")
    assert _login(tsrv, "grandma", "grandma's own passphrase").status_code == 200
    await page.stop()
    await owner.close()  # before its server stops, so no connection is left open


async def _answer(dialog: UserSessionsDialog, accept: bool) -> None:
    await until(lambda: dialog.confirm is not None, what="the confirmation")
    box = dialog.confirm
    assert box is not None
    if accept:
        yes = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
        yes[0].click()
    else:
        box.button(QMessageBox.StandardButton.Cancel).click()


async def test_sessions_of_a_person_signed_out_one_then_everywhere(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    page = await _page(qtbot, await _owner(tsrv, flows))
    code = await _add(page, "grandma", "Grandma")
    new = "grandma's own passphrase"
    laptop = _first_sign_in(tsrv, "grandma", code, new)
    r = tsrv.post(
        "/api/v1/auth/login",
        {"username": "grandma", "password": new, "device_name": "Grandma's phone"},
    )
    phone = r.json()
    page.select_user(page.people.users[1].id)
    assert page.sessions_button.isEnabled()
    page.sessions_button.click()
    dialog = page.dialog
    assert isinstance(dialog, UserSessionsDialog)
    await until(lambda: dialog.table.topLevelItemCount() == 2, what="two devices")
    rows = [dialog.table.topLevelItem(i) for i in range(2)]
    devices = [row.text(0) for row in rows if row is not None]
    assert "Grandma's phone" in devices
    assert "Grandma is signed in on these devices" in dialog.summary.text()
    assert not dialog.sign_out_button.isEnabled()  # nothing selected yet

    phone_row = rows[devices.index("Grandma's phone")]
    assert phone_row is not None
    dialog.table.setCurrentItem(phone_row)
    assert dialog.sign_out_button.isEnabled()
    dialog.sign_out_button.click()
    await _answer(dialog, accept=True)
    await until(lambda: dialog.table.topLevelItemCount() == 1, what="one device left")
    assert not dialog.error.isVisible()
    refresh = {"refresh_token": phone["refresh_token"]}
    assert tsrv.post("/api/v1/auth/refresh", refresh).status_code == 401

    # cancelling changes nothing
    dialog.sign_out_all_button.click()
    await _answer(dialog, accept=False)
    await until(lambda: dialog.sign_out_all_button.isEnabled(), what="idle again")
    assert dialog.table.topLevelItemCount() == 1

    dialog.sign_out_all_button.click()
    await _answer(dialog, accept=True)
    await until(lambda: dialog.table.topLevelItemCount() == 0, what="no devices")
    assert "not signed in on any device" in dialog.summary.text()
    assert not dialog.sign_out_all_button.isEnabled()
    refresh = {"refresh_token": laptop["refresh_token"]}
    assert tsrv.post("/api/v1/auth/refresh", refresh).status_code == 401
    dialog.accept()
    await page.stop()


async def test_sessions_of_someone_deleted_meanwhile_says_so(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = await _owner(tsrv, flows)
    page = await _page(qtbot, owner)
    await _add(page, "grandma", "Grandma")
    page.select_user(page.people.users[1].id)
    await owner.api.request("DELETE", f"/admin/users/{page.people.users[1].id}")
    page.sessions_button.click()
    dialog = page.dialog
    assert isinstance(dialog, UserSessionsDialog)
    await until(lambda: dialog.error.isVisible(), what="the error")
    assert "does not exist any more" in dialog.error.text()
    assert dialog.table.topLevelItemCount() == 0
    dialog.accept()
    await page.stop()


async def test_showing_the_page_again_lists_who_joined_meanwhile(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = await _owner(tsrv, flows)
    page = await _page(qtbot, owner)
    try:
        assert _cells(page, Column.USERNAME) == ["mum"]
        made = tsrv.post(
            "/api/v1/admin/users",
            {"username": "gran", "display_name": "Grandma", "role": "member"},
            await owner.api.access_token(),
        )
        assert made.status_code == 201, made.text
        page.hide()  # the owner looks at another page, then comes back
        page.show()
        await until(lambda: "gran" in _cells(page, Column.USERNAME), what="the new person")
    finally:
        await page.stop()
