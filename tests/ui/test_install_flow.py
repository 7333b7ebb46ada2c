"""From "Install Roost" on a Pi in the home list to a claimed server, through the real UI.

The Pi is the sandbox of tests/helpers/ssh_pi.py: real SSH, commands really run in a sandbox
directory, only sudo and systemd stand in; the server it ends up running is real.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.home import Action, EntryKind, HomeEntry
from app.paths import AppPaths
from app.provision.bundle import PACKAGING, Bundle
from app.provision.installer import Installer
from tests.helpers.ssh_pi import PASSWORD, USERNAME, SandboxPi
from tests.ui.conftest import claim_without_2fa, proceed, started_shell, until, visible_dialog
from ui.shell import Shell
from ui.widgets.step_list import StepState
from ui.wizards.claim import ClaimDialog
from ui.wizards.install import InstallDialog

pytestmark = pytest.mark.slow  # CI runs these on its first Python only (.ci/run)

OWNER_PASSWORD = "a long family passphrase"


def _shell(qtbot: QtBot, app_paths: AppPaths, pi: SandboxPi, wheel: Path) -> Shell:
    bundle = Bundle(wheel, PACKAGING / "install.sh", PACKAGING / "roost-server.service")
    return started_shell(
        qtbot,
        app_paths,
        installer_factory=lambda paths: Installer(paths, index_url=pi.index_url, bundle=bundle),
    )


def _pi_entry(pi: SandboxPi) -> HomeEntry:
    return HomeEntry(
        key="pi:raspberrypi",
        kind=EntryKind.PI,
        title="raspberrypi",
        detail="",
        action=Action.INSTALL,
        host="127.0.0.1",
        port=pi.ssh_port,
    )


@pytest.mark.timeout(300)
async def test_install_then_claim_from_the_home_list(
    qtbot: QtBot, app_paths: AppPaths, pi: SandboxPi, server_wheel: Path
) -> None:
    shell = _shell(qtbot, app_paths, pi, server_wheel)
    shell.on_entry_activated(_pi_entry(pi))
    await until(lambda: visible_dialog(shell, InstallDialog) is not None, what="install dialog")
    d = visible_dialog(shell, InstallDialog)
    assert isinstance(d, InstallDialog)
    d.username.edit.setText(USERNAME)
    d.password.edit.setText(PASSWORD)
    await proceed(d)
    # First contact: the Pi's SSH key is shown and must be confirmed.
    await until(lambda: d.stack.currentWidget() is d.host_key_page, timeout=60, what="host key")
    assert "SHA256:" in d.host_key_text.text()
    d.trust_button.click()
    await until(
        lambda: d.stack.currentWidget() is d.done_page or d.problem.isVisible(),
        timeout=200,
        what="install to finish",
    )
    assert not d.problem.isVisible(), f"{d.problem_what.text()}\n{d.log.toPlainText()[-3000:]}"
    assert set(d.steps.states.values()) == {StepState.DONE}
    assert d.progress.value() == d.progress.maximum()
    assert d.log.toPlainText()  # the details log was filled
    outcome = d.outcome
    assert outcome is not None and outcome.setup_code
    await proceed(d)  # "Set it up": the claim wizard opens, knowing code and fingerprint
    await until(lambda: visible_dialog(shell, ClaimDialog) is not None, what="claim wizard")
    c = visible_dialog(shell, ClaimDialog)
    assert isinstance(c, ClaimDialog)
    assert not c.setup_code.isVisibleTo(c)
    await claim_without_2fa(
        c, server="Chen family", name="Mum", username="mum", password=OWNER_PASSWORD
    )
    await until(lambda: any(k.endswith("/mum") for k in shell.accounts), what="signed in")
    home = shell.home_page
    assert home is not None and [r.row.display_name for r in home.account_rows] == ["Mum"]
    assert home.account_rows[0].invite.isVisibleTo(home)  # the owner may invite
    assert all(shell.window.has_page(k) for k in ("dashboard", "people", "server"))
    # The server is remembered, pinned to what the installer read on the Pi.
    known = shell.servers.all()
    assert [s.fingerprint for s in known] == [outcome.fingerprint]
    await shell.stop()


@pytest.mark.timeout(120)
async def test_a_wrong_pi_password_says_so_and_goes_back(
    qtbot: QtBot, app_paths: AppPaths, pi: SandboxPi, server_wheel: Path
) -> None:
    shell = _shell(qtbot, app_paths, pi, server_wheel)
    shell.on_entry_activated(_pi_entry(pi))
    await until(lambda: visible_dialog(shell, InstallDialog) is not None)
    d = visible_dialog(shell, InstallDialog)
    assert isinstance(d, InstallDialog)
    d.username.edit.setText(USERNAME)
    d.password.edit.setText("not the password")
    await proceed(d)
    await until(lambda: d.stack.currentWidget() is d.host_key_page, timeout=60)
    d.trust_button.click()
    await until(lambda: d.problem.isVisible(), timeout=60, what="the problem")
    assert "password" in d.problem_what.text().lower()
    assert d.continue_button.text() == "Back"
    assert pi.server_pid() is None  # nothing was installed
    await proceed(d)
    await until(lambda: d.stack.currentWidget() is d.sign_in_page)
    d.reject()
    await shell.stop()
