"""The capacity check from the Server page, against a real server: a tiny run ends with the
sentence and a report, Cancel stops it, and neither leaves a test account behind."""

from __future__ import annotations

import json

import pytest
from pytestqt.qtbot import QtBot

from app.accounts.account import Account
from app.accounts.session import AccountFlows
from app.capacity.check import Plan
from tests.ui.conftest import until
from tests.ui.helpers import ThreadServer
from ui.dialogs.capacity import CapacityDialog
from ui.pages.server import ServerPage

pytestmark = pytest.mark.slow  # CI runs these on its first Python only (.ci/run)

PASSWORD = "a long family passphrase"
# Two groups of ten, two short low steps; the limit is loose because the machine is shared.
TINY = Plan(users=20, rates=(2, 4), step_s=1.0, drain_s=3.0, pause_s=0.2, p99_limit_ms=3000)


async def _owner(srv: ThreadServer, flows: AccountFlows) -> Account:
    return await flows.claim(
        srv.address, srv.fingerprint, srv.setup_code(), "Chen family", "mum", "Mum", PASSWORD
    )


def _usernames(srv: ThreadServer, token: str) -> list[str]:
    r = srv.client.get("/api/v1/admin/users", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return sorted(u["username"] for u in r.json()["users"])


async def _dialog(qtbot: QtBot, owner: Account, plan: Plan) -> tuple[ServerPage, CapacityDialog]:
    page = ServerPage(owner)
    qtbot.addWidget(page)
    page.show()
    await page.start()
    page.capacity_plan = plan
    page.tabs.setCurrentIndex(page.tabs.count() - 1)
    page.check_capacity.click()
    dialog = page.capacity_dialog
    assert isinstance(dialog, CapacityDialog)
    assert dialog.isVisible()
    return page, dialog


async def test_a_tiny_check_ends_with_the_sentence_and_removes_its_accounts(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = await _owner(tsrv, flows)
    page, dialog = await _dialog(qtbot, owner, TINY)
    dialog.start_button.click()
    assert dialog.cancel_button.isVisible()
    await until(lambda: "Step 1 of 2" in dialog.status.text(), timeout=60, what="the first step")
    await until(lambda: not dialog.running, timeout=90, what="the check to end")
    assert dialog.outcome is not None, dialog.status.text()
    result = dialog.outcome
    assert [s["rate"] for s in result.steps] == [2, 4]
    assert all(s["lost"] == 0 and s["duplicates"] == 0 for s in result.steps)
    assert result.held_rate == 4 and result.reached_top
    # 4 msgs/s × 0.5 headroom / 0.2 msgs/s per person
    assert result.people == 10
    assert dialog.answer.text() == (
        "This server comfortably serves at least 10 people chatting at once (the check "
        "stopped before the server reached its limit)."
    )
    assert dialog.answer.isVisible() and dialog.open_report.isVisible()
    assert result.removed == 20 and dialog.cleaned_up == 20
    report = json.loads(result.json_path.read_text())
    assert report["capacity"]["people"] == 10
    assert "<svg" in result.html_path.read_text()
    assert str(result.html_path) in dialog.report.text()
    token = await owner.api.access_token()
    assert _usernames(tsrv, token) == ["mum"]
    await page.stop()


async def test_cancel_stops_the_check_and_still_removes_the_test_accounts(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = await _owner(tsrv, flows)
    long_step = Plan(users=20, rates=(2,), step_s=120.0, p99_limit_ms=3000)
    page, dialog = await _dialog(qtbot, owner, long_step)
    dialog.start_button.click()
    await until(lambda: "Step 1 of 1" in dialog.status.text(), timeout=60, what="the step")
    token = await owner.api.access_token()
    assert len(_usernames(tsrv, token)) == 21  # the test accounts exist while it runs
    dialog.cancel_button.click()
    assert "Cancelling" in dialog.status.text()
    await until(lambda: not dialog.running, timeout=60, what="the check to stop")
    assert dialog.outcome is None
    assert dialog.status.text() == "Check cancelled. The test accounts were removed."
    assert dialog.cleaned_up == 20
    assert _usernames(tsrv, token) == ["mum"]
    assert dialog.start_button.isVisible() and not dialog.cancel_button.isVisible()
    await page.stop()
