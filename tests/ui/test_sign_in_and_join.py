"""Sign-in (with 2FA, remember me, wrong password) and joining with an invite link, end to end."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from pytestqt.qtbot import QtBot

from app.accounts.credentials import account_key
from app.accounts.session import AccountFlows
from tests.helpers.keyring_memory import MemoryKeyring
from tests.ui.conftest import proceed, until
from tests.ui.helpers import ThreadServer
from ui.dialogs.join import JoinDialog
from ui.dialogs.sign_in import SignInDialog

PASSWORD = "a long family passphrase"


def _claim(srv: ThreadServer, *, two_factor: bool = False) -> dict[str, Any]:
    """Claims the server over plain HTTPS (as another device would) and returns the owner."""
    r = srv.post(
        "/api/v1/setup/claim",
        {
            "setup_code": srv.setup_code(),
            "server_name": "Chen family",
            "admin": {"username": "mum", "display_name": "Mum", "password": PASSWORD},
        },
    )
    assert r.status_code == 200, r.text
    tokens: dict[str, Any] = r.json()["tokens"]
    if two_factor:
        token = tokens["access_token"]
        secret = srv.post("/api/v1/me/2fa/enrol", {"password": PASSWORD}, token).json()["secret"]
        code = pyotp.TOTP(secret).now()
        assert srv.post("/api/v1/me/2fa/confirm", {"code": code}, token).status_code == 200
        tokens["secret"] = secret
    return tokens


def _dialog(qtbot: QtBot, srv: ThreadServer, flows: AccountFlows) -> SignInDialog:
    d = SignInDialog(
        flows.sign_in(address=srv.address, fingerprint=srv.fingerprint),
        server_name="Chen family",
        keyring=flows.credentials.status(),
    )
    qtbot.addWidget(d)
    d.show()
    return d


async def test_sign_in_with_two_factor_and_remember_me(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows, memory_keyring: MemoryKeyring
) -> None:
    owner = _claim(tsrv, two_factor=True)
    d = _dialog(qtbot, tsrv, flows)
    assert d.remember.isChecked()
    d.username.edit.setText("mum")
    d.password.edit.setText(PASSWORD)
    await proceed(d)
    await until(lambda: d.stack.currentWidget() is d.code_page or d.error.isVisible())
    assert not d.error.isVisible(), d.error.text()
    # The current code was spent on enrolment (replay protection): use the next one.
    d.code.edit.setText(pyotp.TOTP(owner["secret"]).at(time.time() + 30))
    await proceed(d)
    await until(lambda: d.account is not None or d.error.isVisible(), what="signed in")
    assert d.account is not None, d.error.text()
    assert d.account.user.username == "mum"
    # The refresh token is in the keyring, and signing in again from it works.
    key = ("Roost", account_key(d.account.server_id, "mum"))
    assert memory_keyring.store.get(key)
    await d.account.close()
    resumed = await flows.resume(d.account.server_id, "mum")
    assert resumed.user.username == "mum"
    await resumed.close()


async def test_wrong_password_says_so(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    _claim(tsrv)
    d = _dialog(qtbot, tsrv, flows)
    d.username.edit.setText("mum")
    d.password.edit.setText("not the password")
    await proceed(d)
    await until(lambda: d.error.isVisible(), what="error")
    assert "password" in d.error.text().lower()
    assert d.stack.currentWidget() is d.password_page and d.account is None
    d.reject()
    assert d.closing is not None
    await d.closing


async def test_without_a_keyring_nothing_is_remembered_and_it_says_so(
    qtbot: QtBot, tsrv: ThreadServer, app_paths: Any
) -> None:
    import keyring.backends.fail

    from app.accounts.credentials import Credentials
    from app.servers import KnownServers

    flows = AccountFlows(KnownServers(app_paths), Credentials(keyring.backends.fail.Keyring()))
    d = _dialog(qtbot, tsrv, flows)
    assert not d.remember.isChecked() and not d.remember.box.isEnabled()
    assert d.remember.note.isVisibleTo(d) and d.remember.note.text()


async def test_an_invitee_joins_from_the_link(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = _claim(tsrv)
    r = tsrv.post("/api/v1/admin/invites", {"note": "for Grandma"}, owner["access_token"])
    assert r.status_code == 201, r.text
    link = r.json()["link"]
    d = JoinDialog(flows, link="  " + link + "\n")  # as pasted from a message
    qtbot.addWidget(d)
    d.show()
    await until(lambda: d.stack.currentWidget() is d.account_page or d.error.isVisible())
    assert "Chen family" in d.welcome.text()
    d.display_name.edit.setText("Grandma Li")
    d.display_name.edit.textEdited.emit("Grandma Li")
    assert d.username.text() == "grandma.li"
    d.password.edit.setText(PASSWORD)
    d.repeat.edit.setText(PASSWORD)
    await proceed(d)
    await until(lambda: d.account is not None or d.error.isVisible(), what="joined")
    assert d.account is not None, d.error.text()
    assert d.account.user.role == "member"
    assert flows.servers.get(d.account.server_id) is not None  # remembered, pinned
    # The link is spent.
    again = JoinDialog(flows, link=link)
    qtbot.addWidget(again)
    again.show()
    await until(lambda: again.stack.currentWidget() is again.account_page)
    again.display_name.edit.setText("Someone")
    again.username.edit.setText("someone")
    again.password.edit.setText(PASSWORD)
    again.repeat.edit.setText(PASSWORD)
    await proceed(again)
    await until(lambda: again.error.isVisible(), what="refusal")
    assert again.account is None


async def test_a_broken_link_is_explained(qtbot: QtBot, flows: AccountFlows) -> None:
    d = JoinDialog(flows, link="roost://join?name=x")
    qtbot.addWidget(d)
    d.show()
    await until(lambda: d.error.isVisible(), what="explanation")
    assert d.stack.currentWidget() is d.link_page
