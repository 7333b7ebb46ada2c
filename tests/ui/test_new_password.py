"""Choosing one's own password: at the first sign-in with an administrator's one-time code (also
when two-step sign-in is owed after it), and later from the Change password dialog."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from app.accounts.account import Account
from app.accounts.session import AccountFlows, NewPasswordNeeded, SignedIn, SignIn
from app.home import AccountRow
from app.net.errors import ApiError
from app.net.explain import explain
from server.protocol.errors import ErrorCode
from tests.ui.conftest import proceed, until
from tests.ui.helpers import ThreadServer
from ui.dialogs.change_password import ChangePasswordDialog
from ui.dialogs.sign_in import SignInDialog
from ui.pages.home import HomePage
from ui.widgets.two_factor_setup import SetupStage

PASSWORD = "a long family passphrase"
KIDS = "the kid's own passphrase"


def _owner_token(srv: ThreadServer, *, two_factor: bool = False) -> str:
    """Claims the server over plain HTTPS (as another device would); the owner's token."""
    r = srv.post(
        "/api/v1/setup/claim",
        {
            "setup_code": srv.setup_code(),
            "server_name": "Chen family",
            "admin": {"username": "mum", "display_name": "Mum", "password": PASSWORD},
        },
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["tokens"]["access_token"]
    if two_factor:
        secret = srv.post("/api/v1/me/2fa/enrol", {"password": PASSWORD}, token).json()["secret"]
        r = srv.post("/api/v1/me/2fa/confirm", {"code": pyotp.TOTP(secret).now()}, token)
        assert r.status_code == 200, r.text
    return token


def _add_kid(srv: ThreadServer, token: str) -> tuple[int, str]:
    """The admin adds "kid" on the People page: its id and one-time code."""
    r = srv.post("/api/v1/admin/users", {"username": "kid", "display_name": "Kid"}, token)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body["user"]["id"], body["one_time_code"]


def _login_status(srv: ThreadServer, password: str) -> int:
    r = srv.post("/api/v1/auth/login", {"username": "kid", "password": password})
    return r.status_code


def _sign_in_dialog(qtbot: QtBot, srv: ThreadServer, flows: AccountFlows) -> SignInDialog:
    d = SignInDialog(
        flows.sign_in(address=srv.address, fingerprint=srv.fingerprint),
        server_name="Chen family",
        keyring=flows.credentials.status(),
    )
    qtbot.addWidget(d)
    d.show()
    return d


async def _to_new_password(d: SignInDialog, code: str) -> None:
    d.username.edit.setText("kid")
    d.password.edit.setText(code)
    await proceed(d)
    await until(
        lambda: d.stack.currentWidget() is d.new_password_page or d.error.isVisible(),
        what="the new password page",
    )
    assert not d.error.isVisible(), d.error.text()


def _no_account_yet(d: SignInDialog) -> bool:
    # A function, so that the type checker does not carry "is None" to the end of the test.
    return d.account is None


async def test_a_new_person_chooses_their_own_password_at_first_sign_in(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    _, code = _add_kid(tsrv, _owner_token(tsrv))
    announced: list[object] = []
    flows.events.subscribe(announced.append)
    d = _sign_in_dialog(qtbot, tsrv, flows)
    await _to_new_password(d, code)
    said = [label.text() for label in d.new_password_page.findChildren(QLabel)]
    assert any("one-time password from your administrator" in text for text in said)
    assert d.password.text() == ""  # the code is not kept on screen
    assert _no_account_yet(d) and not announced  # a session that may only change its password

    # Too short: said under the field, in words; nothing sent, nothing changed.
    d.new_password.edit.setText("short")
    d.repeat.edit.setText("short")
    await proceed(d)
    await until(lambda: d.new_password.problem.isVisible(), what="the refusal")
    assert "at least 8 characters" in d.new_password.problem.text()
    assert d.stack.currentWidget() is d.new_password_page and _no_account_yet(d)
    assert _login_status(tsrv, code) == 200  # the code still works

    # Two different passwords: said under the second one.
    d.new_password.edit.setText(KIDS)
    d.repeat.edit.setText(KIDS + "!")
    await proceed(d)
    await until(lambda: d.repeat.problem.isVisible(), what="the mismatch")
    assert "not the same" in d.repeat.problem.text()
    assert not d.new_password.problem.isVisible()

    d.repeat.edit.setText(KIDS)
    await proceed(d)
    await until(lambda: d.account is not None or d.error.isVisible(), what="signed in")
    assert d.account is not None, d.error.text()
    assert not d.account.user.must_change_password
    assert any(isinstance(e, SignedIn) and e.account is d.account for e in announced)
    # The session works in full, the code is spent, and the new password signs in.
    sessions = await d.account.api.request("GET", "/me/sessions")
    assert any(s["current"] for s in sessions["sessions"])
    assert _login_status(tsrv, code) == 401
    assert _login_status(tsrv, KIDS) == 200
    await d.account.close()


async def test_cancelling_the_new_password_ends_its_session(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    token = _owner_token(tsrv)
    kid_id, code = _add_kid(tsrv, token)
    d = _sign_in_dialog(qtbot, tsrv, flows)
    await _to_new_password(d, code)
    r = tsrv.client.get(
        f"/api/v1/admin/users/{kid_id}/sessions", headers={"Authorization": f"Bearer {token}"}
    )
    assert len(r.json()["sessions"]) == 1
    d.reject()
    assert d.closing is not None
    await d.closing
    assert d.account is None
    r = tsrv.client.get(
        f"/api/v1/admin/users/{kid_id}/sessions", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.json()["sessions"] == []
    assert _login_status(tsrv, code) == 200  # unchanged: the code is still the way in


async def test_a_new_password_then_two_step_sign_in_when_both_are_owed(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    token = _owner_token(tsrv, two_factor=True)
    headers = {"Authorization": f"Bearer {token}"}
    settings: dict[str, Any] = tsrv.client.get("/api/v1/admin/settings", headers=headers).json()
    r = tsrv.client.put(
        "/api/v1/admin/settings", json={**settings, "require_2fa": True}, headers=headers
    )
    assert r.status_code == 200, r.text
    _, code = _add_kid(tsrv, token)
    d = _sign_in_dialog(qtbot, tsrv, flows)
    await _to_new_password(d, code)
    d.new_password.edit.setText(KIDS)
    d.repeat.edit.setText(KIDS)
    await proceed(d)
    # Enrolling asks the server for the password again: the new one is what the flow uses.
    await until(lambda: d.tfa.stage is SetupStage.SCAN or d.error.isVisible(), what="QR code")
    assert not d.error.isVisible(), d.error.text()
    assert d.stack.currentWidget() is d.enrol_page and _no_account_yet(d)
    secret = d.tfa.secret.text().replace(" ", "")
    d.tfa.code.edit.setText(pyotp.TOTP(secret).now())
    await proceed(d)
    await until(lambda: d.tfa.stage is SetupStage.CODES or d.error.isVisible(), what="codes")
    assert not d.error.isVisible(), d.error.text()
    d.tfa.saved.setChecked(True)
    await proceed(d)
    await until(lambda: d.account is not None or d.error.isVisible(), what="signed in")
    assert d.account is not None, d.error.text()
    assert d.account.user.totp_enabled and not d.account.user.must_change_password
    r = tsrv.post("/api/v1/auth/login", {"username": "kid", "password": KIDS})
    assert r.json()["status"] == "second_factor_required"
    await d.account.close()


def _step(flow: SignIn) -> str:
    # A function, so that the type checker does not carry the step it saw last.
    return flow.step


async def test_a_refused_new_password_may_be_followed_by_another(
    tsrv: ThreadServer, flows: AccountFlows
) -> None:
    _, code = _add_kid(tsrv, _owner_token(tsrv))
    flow = flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint)
    assert isinstance(await flow.login("kid", code), NewPasswordNeeded)
    assert flow.step == "new_password"
    with pytest.raises(RuntimeError):
        await flow.start_two_factor()  # not before the password is the kid's own
    # Sent without the form's checks, the server's rules still apply and nothing changes.
    with pytest.raises(ApiError) as caught:
        await flow.new_password("kkkkkkkkkk")
    assert caught.value.code == ErrorCode.WEAK_PASSWORD
    assert "stronger password" in explain(caught.value)
    assert flow.step == "new_password" and _login_status(tsrv, code) == 200
    kid = await flow.new_password(KIDS)
    assert isinstance(kid, Account) and _step(flow) == "done"
    assert not kid.user.must_change_password
    with pytest.raises(RuntimeError):
        await flow.new_password("yet another passphrase")
    await kid.logout()


async def _kid_signed_in(tsrv: ThreadServer, flows: AccountFlows) -> Account:
    _, code = _add_kid(tsrv, _owner_token(tsrv))
    flow = flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint)
    await flow.login("kid", code)
    kid = await flow.new_password(KIDS)
    assert isinstance(kid, Account)
    return kid


def _changed(d: ChangePasswordDialog) -> bool:
    # A function, so that the type checker does not carry "not changed" to the end of the test.
    return d.changed


async def test_change_password_refuses_a_wrong_current_one_then_changes(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    kid = await _kid_signed_in(tsrv, flows)
    d = ChangePasswordDialog(kid)
    qtbot.addWidget(d)
    d.show()
    new = "a brand new kid passphrase"
    d.current.edit.setText("not my password")
    d.new_password.edit.setText(new)
    d.repeat.edit.setText(new)
    await proceed(d)
    await until(lambda: d.current.problem.isVisible() or d.error.isVisible(), what="refusal")
    assert "not your current password" in d.current.problem.text(), d.error.text()
    assert d.stack.currentWidget() is d.form_page and not _changed(d)
    assert _login_status(tsrv, KIDS) == 200 and _login_status(tsrv, new) == 401

    d.current.edit.setText(KIDS)
    d.repeat.edit.setText("")
    await proceed(d)
    await until(lambda: d.repeat.problem.isVisible(), what="the missing repeat")
    assert not _changed(d)

    d.repeat.edit.setText(new)
    await proceed(d)
    await until(lambda: d.changed or d.error.isVisible(), what="changed")
    assert d.changed, d.error.text()
    assert d.stack.currentWidget() is d.done_page and d.current.text() == ""
    await proceed(d)
    await until(lambda: d.result() == QDialog.DialogCode.Accepted.value, what="closed")
    # This session goes on; a new sign-in takes the new password and not the old one.
    await kid.api.me()
    assert _login_status(tsrv, KIDS) == 401
    again = await flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint).login(
        "kid", new
    )
    assert isinstance(again, Account)
    await again.close()
    await kid.close()


def test_each_signed_in_account_offers_to_change_its_password(qtbot: QtBot) -> None:
    page = HomePage()
    qtbot.addWidget(page)
    rows = [
        AccountRow(
            key=f"s{i}/{name}",
            server_name="Chen family",
            display_name=name.title(),
            username=name,
            is_admin=i == 1,
            remembered=False,
            two_factor=False,
        )
        for i, name in ((1, "mum"), (2, "kid"))
    ]
    page.show_accounts(rows)
    page.show()
    assert all(card.change_password.isVisible() for card in page.account_rows)
    with qtbot.wait_signal(page.change_password_requested) as blocker:
        page.account_rows[1].change_password.click()
    assert blocker.args == ["s2/kid"]
