"""Trying Roost on this computer, and a server whose certificate changed being refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.paths import AppPaths
from tests.ui.conftest import claim_without_2fa, started_shell, until, visible_dialog
from tests.ui.helpers import thread_server
from ui.dialogs.sign_in import SignInDialog
from ui.shell import Shell
from ui.wizards.claim import ClaimDialog

PASSWORD = "a long family passphrase"


async def _claim(c: ClaimDialog) -> None:
    await claim_without_2fa(c, server="Our family", name="Dad", username="dad", password=PASSWORD)


@pytest.mark.timeout(180)
async def test_try_roost_on_this_computer(qtbot: QtBot, app_paths: AppPaths) -> None:
    shell = started_shell(qtbot, app_paths)
    try:
        shell.on_trial_requested()
        await until(
            lambda: visible_dialog(shell, ClaimDialog) is not None, timeout=90, what="wizard"
        )
        c = visible_dialog(shell, ClaimDialog)
        assert isinstance(c, ClaimDialog)
        assert not c.setup_code.isVisibleTo(c)  # read from this computer's own files
        await _claim(c)
        await until(lambda: bool(shell.accounts), what="signed in")
        assert shell.trial.running
        assert (app_paths.data / "trial-server" / "roost.db").exists()
        # A second start finds the server claimed: sign-in, not setup.
        await shell.trial.stop()
        shell.on_trial_requested()
        await until(
            lambda: visible_dialog(shell, SignInDialog) is not None, timeout=90, what="sign-in"
        )
    finally:
        await shell.stop()
    assert not shell.trial.running


async def test_a_changed_certificate_is_refused(
    qtbot: QtBot, app_paths: AppPaths, tmp_path: Path
) -> None:
    shell = started_shell(qtbot, app_paths)
    with thread_server(tmp_path / "one") as srv:
        port = srv.address.port
        shell.on_address_entered(f"127.0.0.1:{port}")
        await until(lambda: visible_dialog(shell, ClaimDialog) is not None, what="wizard")
        c = visible_dialog(shell, ClaimDialog)
        assert isinstance(c, ClaimDialog)
        c.setup_code.edit.setText(srv.setup_code())
        await _claim(c)
        await until(lambda: bool(shell.accounts), what="signed in")
        server_id = next(iter(shell.accounts.values())).server_id
        for chat in list(shell.chats.values()):
            await chat.close()
        for account in list(shell.accounts.values()):
            await account.close()
    # The same server (same id, same data) comes back with a new certificate on the same port:
    # a reinstall, or someone pretending to be it.
    for name in ("tls-cert.pem", "tls-key.pem"):
        (tmp_path / "one" / "data" / name).unlink()
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    with thread_server(tmp_path / "two", port=port) as again:
        assert again.fingerprint != shell.servers.get(server_id).fingerprint  # type: ignore[union-attr]
        shell.on_address_entered(f"127.0.0.1:{port}")
        await until(lambda: _warning_shown(shell), what="the warning")
        assert visible_dialog(shell, SignInDialog) is None  # nothing was sent
    await shell.stop()


def _warning_shown(shell: Shell) -> bool:
    for box in shell.window.findChildren(QMessageBox):
        if box.isVisible() and "certificate" in box.text().lower():
            box.close()
            return True
    return False
