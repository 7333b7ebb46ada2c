"""Turning on two-step sign-in for one's own account (needed before requiring it of everyone)."""

from __future__ import annotations

import pyotp
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.accounts.session import AccountFlows
from tests.ui.conftest import proceed, until
from tests.ui.helpers import ThreadServer
from ui.dialogs.two_factor_enrol import TwoFactorEnrolDialog
from ui.widgets.two_factor_setup import SetupStage

PASSWORD = "a long family passphrase"


async def test_the_owner_turns_it_on_then_may_require_it(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = await flows.claim(
        tsrv.address, tsrv.fingerprint, tsrv.setup_code(), "Chen family", "mum", "Mum", PASSWORD
    )
    d = TwoFactorEnrolDialog(owner)
    qtbot.addWidget(d)
    d.show()
    d.password.edit.setText("not my password")
    await proceed(d)
    await until(d.error.isVisible, what="the wrong password")
    assert "password" in d.error.text().lower()
    assert d.stack.currentWidget() is d.password_page and d.tfa.stage is SetupStage.NOT_STARTED

    d.password.edit.setText(PASSWORD)
    await proceed(d)
    await until(lambda: d.tfa.stage is SetupStage.SCAN or d.error.isVisible(), what="QR code")
    assert d.stack.currentWidget() is d.setup_page, d.error.text()
    assert d.password.text() == ""  # not kept on screen
    secret = d.tfa.secret.text().replace(" ", "")
    d.tfa.code.edit.setText(pyotp.TOTP(secret).now())
    await proceed(d)
    await until(lambda: d.tfa.stage is SetupStage.CODES or d.error.isVisible(), what="codes")
    assert len(d.tfa.recovery.toPlainText().split()) == 10
    assert not d.continue_button.isEnabled()
    d.tfa.saved.setChecked(True)
    await proceed(d)
    await until(lambda: d.result() == QDialog.DialogCode.Accepted.value, what="done")
    assert owner.user.totp_enabled

    # and now requiring it of everyone is allowed
    settings = await owner.api.request("GET", "/admin/settings")
    changed = await owner.api.request(
        "PUT", "/admin/settings", body={**settings, "require_2fa": True}
    )
    assert changed["require_2fa"] is True
    await owner.close()
