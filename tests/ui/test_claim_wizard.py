"""The claim wizard against a real unclaimed server: claim, 2FA enrolment, mistakes, a wrong pin."""

from __future__ import annotations

import pyotp
from pytestqt.qtbot import QtBot

from app.accounts.session import AccountFlows
from app.wizard.claim import ClaimTarget, ClaimWizard, FingerprintSource
from tests.ui.conftest import proceed, until
from tests.ui.helpers import ThreadServer
from ui.wizards.claim import ClaimDialog

PASSWORD = "a long family passphrase"


def _dialog(
    qtbot: QtBot,
    srv: ThreadServer,
    flows: AccountFlows,
    *,
    fingerprint: str | None = None,
    code: bool = True,
) -> ClaimDialog:
    target = ClaimTarget(
        address=srv.address,
        fingerprint=fingerprint or srv.fingerprint,
        source=FingerprintSource.INSTALLER,
        advertised_name="Roost on kitchen-pi",
        setup_code=srv.setup_code() if code else None,
    )
    dialog = ClaimDialog(ClaimWizard(target, flows))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill_account(d: ClaimDialog, *, repeat: str = PASSWORD) -> None:
    d.server_name.edit.setText("Chen family")
    d.display_name.edit.setText("Mum")
    d.display_name.edit.textEdited.emit("Mum")
    d.password.edit.setText(PASSWORD)
    d.repeat.edit.setText(repeat)


async def test_claim_with_two_factor(qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows) -> None:
    d = _dialog(qtbot, tsrv, flows)
    assert not d.setup_code.isVisible()  # the installer read it
    await proceed(d)
    await until(lambda: d.stack.currentWidget() is d.account_page, what="account page")
    _fill_account(d)
    assert d.username.text() == "mum"  # suggested from the name
    await proceed(d)
    await until(lambda: d.stack.currentWidget() is d.tfa_page, what="2FA page")
    assert d.wizard.account is not None and d.wizard.account.user.role == "owner"
    assert d.wizard.account.remembered  # the memory keyring holds the refresh token
    known = flows.servers.get(d.wizard.account.server_id)
    assert known is not None and known.fingerprint == tsrv.fingerprint  # pinned
    assert not d.cancel_button.isVisible()
    await proceed(d)  # start enrolment
    await until(lambda: d.qr.data.startswith("otpauth://") or d.error.isVisible(), what="QR")
    assert not d.error.isVisible(), d.error.text()
    secret = d.secret.text().replace(" ", "")
    d.tfa_code.edit.setText("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    await proceed(d)
    await until(lambda: d.error.isVisible(), what="wrong-code message")
    assert d.tfa_setup.isVisible()
    d.tfa_code.edit.setText(pyotp.TOTP(secret).now())
    await proceed(d)
    await until(lambda: d.codes_box.isVisible(), what="recovery codes")
    assert len(d.recovery.toPlainText().split()) == 10
    assert not d.continue_button.isEnabled()  # until the codes are kept
    d.saved.setChecked(True)
    await proceed(d)
    await until(lambda: d.stack.currentWidget() is d.done_page, what="done page")
    assert "Chen family" in d.done_text.text()
    await proceed(d)
    await until(lambda: d.result() == ClaimDialog.DialogCode.Accepted, what="closed")
    # The server is claimed, and the owner now needs a second factor.
    r = tsrv.post("/api/v1/auth/login", {"username": "mum", "password": PASSWORD})
    assert r.json()["status"] == "second_factor_required"


async def test_mistakes_are_shown_by_their_fields_and_nothing_is_sent(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    d = _dialog(qtbot, tsrv, flows, code=False)
    assert d.setup_code.isVisibleTo(d)
    await proceed(d)
    await until(lambda: d.setup_code.problem.isVisibleTo(d), what="setup code problem")
    d.setup_code.edit.setText("wrongcode123")
    await proceed(d)
    await until(lambda: d.stack.currentWidget() is d.account_page)
    _fill_account(d, repeat="something else")
    await proceed(d)
    await until(lambda: d.repeat.problem.isVisibleTo(d) or d.password.problem.isVisibleTo(d))
    assert not tsrv.claimed()  # still unclaimed
    d.repeat.edit.setText(PASSWORD)
    await proceed(d)  # the server refuses the wrong setup code
    await until(lambda: d.error.isVisible(), what="server refusal")
    assert "setup code" in d.error.text().lower()
    assert not tsrv.claimed()


async def test_a_different_certificate_is_refused(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    d = _dialog(qtbot, tsrv, flows, fingerprint="0" * 64)
    await proceed(d)
    await until(lambda: d.error.isVisible(), what="certificate warning")
    assert d.stack.currentWidget() is d.verify_page
    assert "certificate" in d.error.text().lower() or "not the server" in d.error.text().lower()
    assert not tsrv.claimed()
