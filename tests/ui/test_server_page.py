"""The Server page on a real server: settings, backups, download, logs, audit, members."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.accounts.account import Account
from app.accounts.session import AccountFlows
from tests.ui.conftest import until
from tests.ui.helpers import ThreadServer, thread_server
from ui.pages.server import ServerPage

PASSWORD = "a long family passphrase"
BACKUP_PASS = "the backup passphrase"


@pytest.fixture
def bsrv(tmp_path: Path) -> Iterator[ThreadServer]:
    """An unclaimed server whose backups are quick to make (a cheap passphrase key)."""
    with thread_server(tmp_path, backup_kdf_log2n=10) as s:
        yield s


async def _owner(srv: ThreadServer, flows: AccountFlows) -> Account:
    return await flows.claim(
        srv.address, srv.fingerprint, srv.setup_code(), "Chen family", "mum", "Mum", PASSWORD
    )


async def _page(qtbot: QtBot, account: Account) -> ServerPage:
    page = ServerPage(account)
    qtbot.addWidget(page)
    page.resize(1000, 800)
    page.show()
    await page.start()
    return page


async def _settled(page: ServerPage) -> None:
    await until(lambda: not page._tasks, what="the page's tasks to end")


def _get(srv: ThreadServer, token: str, path: str) -> dict[str, object]:
    r = srv.client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    data: dict[str, object] = r.json()
    return data


async def test_settings_change_is_saved_listed_and_audited(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = await _owner(tsrv, flows)
    page = await _page(qtbot, owner)
    assert page.server_name.text() == "Chen family"
    assert page.settings_changes.text() == ""
    page.server_name.setText("The Chens")
    page.retention.setValue(30)
    assert "The Chens" in page.settings_changes.text()
    assert "30 days" in page.settings_changes.text()
    page.save_settings.click()
    await until(lambda: "Saved." in page.settings_message.text(), what="saved")
    assert "Server name: Chen family → The Chens" in page.settings_message.text()
    token = await owner.api.access_token()
    settings = _get(tsrv, token, "/api/v1/admin/settings")
    assert settings["server_name"] == "The Chens" and settings["retention_days"] == 30
    assert settings["max_file_bytes"] == page.form.current.max_file_bytes  # type: ignore[union-attr]
    # The audit tab shows who changed what.
    await until(
        lambda: any("changed the settings" in line.what for line in page.audit_lines),
        what="the audit line",
    )
    line = next(x for x in page.audit_lines if "changed the settings" in x.what)
    assert line.who == "Mum" and "Server name" in line.what and "Keep messages" in line.what
    assert page.audit.rowCount() == len(page.audit_lines)
    # Saving again with nothing changed says so.
    page.save_settings.click()
    await until(lambda: "Nothing had changed" in page.settings_message.text(), what="no-op")
    await _settled(page)
    await page.stop()


async def test_bad_settings_are_refused_with_the_fields_message_and_nothing_saved(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = await _owner(tsrv, flows)
    page = await _page(qtbot, owner)
    token = await owner.api.access_token()
    before = _get(tsrv, token, "/api/v1/admin/settings")
    page.allowlist.setPlainText("192.168.1.0/24\nthe kitchen")
    page.server_name.setText("Renamed")
    page.save_settings.click()
    await until(lambda: page.settings_message.isVisible(), what="the refusal")
    assert page.settings_message.property("role") == "error"
    assert "Each trusted address must be an address or network" in page.settings_message.text()
    page.allowlist.setPlainText("")
    page.server_name.setText("   ")
    page.save_settings.click()
    await until(lambda: "1 to 64 characters" in page.settings_message.text(), what="the name")
    await _settled(page)
    assert _get(tsrv, token, "/api/v1/admin/settings") == before
    page.on_revert_settings()
    assert page.server_name.text() == "Chen family" and not page.settings_message.isVisible()
    await page.stop()


async def test_backup_verify_and_download_from_the_page(
    qtbot: QtBot, bsrv: ThreadServer, flows: AccountFlows, tmp_path: Path
) -> None:
    owner = await _owner(bsrv, flows)
    page = await _page(qtbot, owner)
    page.tabs.setCurrentIndex(1)
    assert page.no_backups.isVisible() and not page.files.isVisible()
    assert "No backups yet" in page.no_backups.text() and not page.last_backup.isVisible()
    # Two different passphrases are refused before anything is sent.
    page.passphrase.setText(BACKUP_PASS)
    page.passphrase_again.setText(BACKUP_PASS + "!")
    page.back_up_button.click()
    await until(lambda: page.job_message.text() != "", what="the mismatch")
    assert "not the same" in page.job_message.text()
    await _settled(page)
    assert not bsrv.server.rt.settings.data_dir.parent.joinpath("roost-backups").exists() or not [
        *bsrv.server.rt.settings.data_dir.parent.joinpath("roost-backups").glob("*.roostbak")
    ]

    stages: list[str] = []
    page.backups.events.subscribe(
        lambda e: stages.append(e.job.state) if hasattr(e, "job") else None
    )
    page.passphrase_again.setText(BACKUP_PASS)
    page.back_up_button.click()
    await until(lambda: page.files.rowCount() == 1, what="the backup in the list")
    await _settled(page)
    assert stages[0] == "running" and stages[-1] == "done"
    assert "Backup finished" in page.job_message.text()
    assert not page.no_backups.isVisible()
    assert "it worked" in page.last_backup.text()
    assert page.passphrase.text() == ""
    name = page.selected_backup()
    assert name is not None and name.endswith(".roostbak")

    # Verify: a wrong passphrase is explained, the right one gives the report.
    page.file_passphrase.setText("not the right one")
    page.verify_button.click()
    await until(lambda: "does not open this backup" in page.job_message.text(), what="refused")
    await _settled(page)
    page.file_passphrase.setText(BACKUP_PASS)
    page.verify_button.click()
    await until(lambda: "can be restored" in page.job_message.text(), what="the report")
    assert "1 accounts" in page.job_message.text()
    await _settled(page)

    # Restore: asked first; cancelling changes nothing; confirming stages it for the restart.
    page.restore_button.click()
    assert page.confirm is not None and "next time the server starts" in page.confirm.text()
    page.confirm.button(QMessageBox.StandardButton.Cancel).click()
    assert not page._tasks and not page.restore_pending.isVisible()
    page.restore_button.click()
    accept = next(
        b
        for b in page.confirm.buttons()
        if page.confirm.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole
    )
    accept.click()
    await until(lambda: page.restore_pending.isVisible(), what="the staged restore")
    await _settled(page)
    assert "applied the next time the server starts" in page.job_message.text()

    # Download: a part left by a stopped download is continued, and the result is whole.
    archive = bsrv.server.rt.settings.data_dir.parent / "roost-backups" / name
    whole = archive.read_bytes()
    target = tmp_path / "desktop" / name
    target.parent.mkdir()
    target.with_name(name + ".part").write_bytes(whole[: len(whole) // 3])
    page.ask_save_path = lambda suggested: target
    page.download_button.click()
    await until(lambda: "Saved to" in page.download_message.text(), what="the download")
    await _settled(page)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(whole).hexdigest()
    assert page.download is not None and page.download.done == page.download.total == len(whole)
    assert not page.download_progress.isVisible()
    await page.stop()


async def test_logs_tab_shows_and_saves_lines(
    qtbot: QtBot,
    tsrv: ThreadServer,
    flows: AccountFlows,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="server.test_server_page")  # the CLI sets info
    logging.getLogger("server.test_server_page").info("the kettle is on")
    owner = await _owner(tsrv, flows)
    page = await _page(qtbot, owner)
    page.log_level.setCurrentIndex(page.log_level.findData("debug"))
    await until(lambda: page.logs.level == "debug", what="log lines")
    await _settled(page)
    assert "INFO     server.test_server_page: the kettle is on" in page.log_text.toPlainText()
    assert page.log_text.toPlainText().count("\n") == len(page.logs.entries)
    target = tmp_path / "server.log"
    page.ask_save_path = lambda suggested: target
    page.save_logs.click()
    assert target.read_text(encoding="utf-8") == page.log_text.toPlainText()
    assert "Saved to" in page.logs_message.text()
    page.log_level.setCurrentIndex(page.log_level.findData("critical"))
    await until(lambda: page.logs.level == "critical", what="the level")
    await _settled(page)
    assert all(e.level == "critical" for e in page.logs.entries)
    assert "the kettle is on" not in page.log_text.toPlainText()
    assert page.about_version.text() == bsrv_version(tsrv)
    await page.stop()


def bsrv_version(srv: ThreadServer) -> str:
    r = srv.client.get("/api/v1/server")
    return str(r.json()["version"])


async def test_a_member_sees_only_admins(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = await _owner(tsrv, flows)
    token = await owner.api.access_token()
    r = tsrv.post(
        "/api/v1/admin/users", {"username": "kid", "display_name": "Kid", "role": "member"}, token
    )
    assert r.status_code == 201, r.text
    one_time = r.json()["one_time_code"]
    r = tsrv.post("/api/v1/auth/login", {"username": "kid", "password": one_time})
    tokens = r.json()
    r = tsrv.post(
        "/api/v1/me/password",
        {"current_password": one_time, "new_password": "kid's own long passphrase"},
        tokens["access_token"],
    )
    assert r.status_code == 200, r.text
    kid = await flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint).login(
        "kid", "kid's own long passphrase"
    )
    assert isinstance(kid, Account)
    page = await _page(qtbot, kid)
    assert page.members_only.isVisible() and not page.tabs.isVisible()
    assert "Only the server's owner and administrators" in page.members_only.text()
    # The server refuses too; the page says the same words.
    page.on_refresh_audit()
    await until(lambda: page.audit_message.text() != "", what="the refusal")
    assert page.audit_message.text() == page.members_only.text()
    await page.stop()


async def test_schedule_needs_a_passphrase_and_an_existing_folder(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows, tmp_path: Path
) -> None:
    owner = await _owner(tsrv, flows)
    page = await _page(qtbot, owner)
    page.schedule_enabled.setChecked(True)
    page.schedule_hour.setValue(4)
    page.schedule_keep.setValue(3)
    page.save_schedule.click()
    await until(lambda: page.schedule_message.text() != "", what="no passphrase")
    assert "Choose a passphrase" in page.schedule_message.text()
    await _settled(page)
    page.schedule_passphrase.setText(BACKUP_PASS)
    page.schedule_again.setText(BACKUP_PASS)
    page.schedule_folder.setText(str(tmp_path / "no such folder"))
    page.save_schedule.click()
    await until(lambda: "full path of a folder" in page.schedule_message.text(), what="folder")
    await _settled(page)
    token = await owner.api.access_token()
    assert _get(tsrv, token, "/api/v1/admin/backups")["schedule"] == {
        "enabled": False,
        "hour": 3,
        "keep": 7,
        "folder": page.backups.overview.schedule.folder,  # type: ignore[union-attr]
        "has_passphrase": False,
    }
    usb = tmp_path / "usb"
    usb.mkdir()
    page.schedule_folder.setText(str(usb))
    page.save_schedule.click()
    await until(lambda: page.schedule_message.text() == "Schedule saved.", what="saved")
    await _settled(page)
    schedule = _get(tsrv, token, "/api/v1/admin/backups")["schedule"]
    assert schedule == {
        "enabled": True,
        "hour": 4,
        "keep": 3,
        "folder": str(usb),
        "has_passphrase": True,
    }
    assert page.schedule_passphrase.text() == "" and page.schedule_folder.text() == str(usb)
    await page.stop()
