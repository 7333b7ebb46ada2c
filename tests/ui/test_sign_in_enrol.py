"""Signing in on a server that requires two-step sign-in, to an account without it: the dialog
turns it on (QR code, key, code, recovery codes) and ends signed in."""

from __future__ import annotations

from typing import Any

import pyotp
from pytestqt.qtbot import QtBot

from app.accounts.session import AccountFlows, SignedIn
from tests.ui.conftest import proceed, until
from tests.ui.helpers import ThreadServer
from ui.dialogs.sign_in import SignInDialog
from ui.widgets.two_factor_setup import SetupStage

PASSWORD = "a long family passphrase"


def _server_requiring_2fa(srv: ThreadServer) -> None:
    """A claimed server (owner with 2FA) that requires it, and a member "kid" without it."""
    r = srv.post(
        "/api/v1/setup/claim",
        {
            "setup_code": srv.setup_code(),
            "server_name": "Chen family",
            "admin": {"username": "mum", "display_name": "Mum", "password": PASSWORD},
        },
    )
    assert r.status_code == 200, r.text
    token = r.json()["tokens"]["access_token"]
    secret = srv.post("/api/v1/me/2fa/enrol", {"password": PASSWORD}, token).json()["secret"]
    assert srv.post("/api/v1/me/2fa/confirm", {"code": pyotp.TOTP(secret).now()}, token)
    headers = {"Authorization": f"Bearer {token}"}
    settings: dict[str, Any] = srv.client.get("/api/v1/admin/settings", headers=headers).json()
    r = srv.client.put(
        "/api/v1/admin/settings", json={**settings, "require_2fa": True}, headers=headers
    )
    assert r.status_code == 200, r.text
    invite = srv.post("/api/v1/admin/invites", {}, token).json()["token"]
    r = srv.post(
        "/api/v1/auth/register",
        {"invite": invite, "username": "kid", "display_name": "Kid", "password": PASSWORD},
    )
    assert r.status_code == 200, r.text


def _no_account_yet(d: SignInDialog) -> bool:
    # A function, so that the type checker does not carry "is None" to the end of the test.
    return d.account is None


async def test_a_member_turns_it_on_while_signing_in(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    _server_requiring_2fa(tsrv)
    announced: list[object] = []
    flows.events.subscribe(announced.append)
    d = SignInDialog(
        flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint),
        server_name="Chen family",
        keyring=flows.credentials.status(),
    )
    qtbot.addWidget(d)
    d.show()
    d.username.edit.setText("kid")
    d.password.edit.setText(PASSWORD)
    await proceed(d)
    await until(lambda: d.tfa.stage is SetupStage.SCAN or d.error.isVisible(), what="QR code")
    assert not d.error.isVisible(), d.error.text()
    assert d.stack.currentWidget() is d.enrol_page
    assert d.tfa.qr.data.startswith("otpauth://totp/")
    secret = d.tfa.secret.text().replace(" ", "")
    assert secret and d.tfa.qr.data.find(f"secret={secret}") > 0
    # Not yet announced: the app must not use a session that can only enrol.
    assert _no_account_yet(d) and not any(isinstance(e, SignedIn) for e in announced)

    totp = pyotp.TOTP(secret)
    d.tfa.code.edit.setText("000000" if totp.now() != "000000" else "111111")
    await proceed(d)
    await until(lambda: d.error.isVisible(), what="wrong code")
    assert d.tfa.stage is SetupStage.SCAN and "code" in d.error.text().lower()

    d.tfa.code.edit.setText(totp.now())
    await proceed(d)
    await until(lambda: d.tfa.stage is SetupStage.CODES or d.error.isVisible(), what="codes")
    assert not d.error.isVisible(), d.error.text()
    assert len(d.tfa.recovery.toPlainText().split()) == 10
    assert not d.continue_button.isEnabled()  # the codes must be acknowledged first
    d.tfa.saved.setChecked(True)
    assert d.continue_button.isEnabled()
    await proceed(d)
    await until(lambda: d.account is not None or d.error.isVisible(), what="signed in")
    assert d.account is not None, d.error.text()
    assert d.account.user.totp_enabled and not d.account.user.two_factor_required
    assert any(isinstance(e, SignedIn) for e in announced)
    # the session works in full now
    sessions = await d.account.api.request("GET", "/me/sessions")
    assert any(s["current"] for s in sessions["sessions"])
    await d.account.close()


async def test_cancelling_the_enrolment_ends_its_session(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    _server_requiring_2fa(tsrv)
    d = SignInDialog(
        flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint),
        server_name="Chen family",
        keyring=flows.credentials.status(),
    )
    qtbot.addWidget(d)
    d.show()
    d.username.edit.setText("kid")
    d.password.edit.setText(PASSWORD)
    await proceed(d)
    await until(lambda: d.tfa.stage is SetupStage.SCAN or d.error.isVisible(), what="QR code")
    d.reject()
    assert d.closing is not None
    await d.closing
    assert d.account is None
    r = tsrv.client.post("/api/v1/auth/login", json={"username": "kid", "password": PASSWORD})
    token = r.json()["access_token"]
    mine = tsrv.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert mine["two_factor_required"] is True and mine["totp_enabled"] is False
