"""The admin dashboard against a real server reading a fake host (tests/helpers/fake_host.py):
real figures and history, alerts in the app's words, members kept out, an unreachable server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from app.accounts.account import Account
from app.accounts.session import AccountFlows, NewPasswordNeeded
from app.chat.connection import ChatConnection
from app.monitoring.cards import CardKey, Level
from app.monitoring.series import SeriesKey
from app.paths import AppPaths
from tests.helpers.fake_host import make_fake_host
from tests.ui.conftest import until
from tests.ui.helpers import ThreadServer, thread_server
from ui.pages.dashboard import DashboardPage

PASSWORD = "a long family passphrase"


async def _owner(flows: AccountFlows, srv: ThreadServer) -> Account:
    return await flows.claim(
        srv.address, srv.fingerprint, srv.setup_code(), "Chen family", "mum", "Mum", PASSWORD
    )


def _page(qtbot: QtBot, account: Account) -> DashboardPage:
    page = DashboardPage(account)
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    return page


async def test_real_figures_history_and_a_hot_pi(
    qtbot: QtBot, tmp_path: Path, flows: AccountFlows
) -> None:
    host = make_fake_host(tmp_path / "host")
    host.set_temperature(82.0)
    with thread_server(tmp_path, metrics_interval_s=1, **host.settings()) as srv:
        owner = await _owner(flows, srv)
        page = _page(qtbot, owner)
        assert page.empty.isVisibleTo(page)
        await page.start()
        try:
            await until(lambda: CardKey.TEMPERATURE in page.cards, what="the first figures")
            temperature = page.cards[CardKey.TEMPERATURE]
            assert temperature.value.text() == "82.0 °C"
            assert temperature.level == Level.BAD
            assert page.cards[CardKey.MEMORY].detail.text() == "976.6 MB of 3.8 GB"
            assert not page.empty.isVisibleTo(page)
            # The server raises its alert once it has sampled the heat; the page words it.
            await until(lambda: page.alerts_box.isVisibleTo(page), what="the alert")
            words = " ".join(label.text() for label in page.alert_labels)
            assert "The server is hot (82 °C)" in words
            assert "The server is hot (82." not in words  # not the server's English message
            # The history grows as the server keeps sampling.
            chart = page.charts[SeriesKey.TEMPERATURE]
            await until(lambda: chart.series.count() >= 3, what="a history")
            assert {p.y() for p in chart.series.points()} == {82.0}

            host.set_temperature(45.0)
            await until(lambda: page.cards[CardKey.TEMPERATURE].value.text() == "45.0 °C")
            assert page.cards[CardKey.TEMPERATURE].level == Level.OK

            page.day_button.click()
            await until(
                lambda: (
                    page.dashboard.view.snapshot is not None
                    and page.dashboard.view.snapshot.range == "24h"
                ),
                what="the 24-hour figures",
            )
            assert page.day_button.isChecked() and not page.hour_button.isChecked()
        finally:
            await page.stop()
            await owner.close()  # before the server stops, so no connection is left open
        assert not page.dashboard.running


async def test_a_member_is_told_only_admins_may_look(
    qtbot: QtBot, tsrv: ThreadServer, flows: AccountFlows
) -> None:
    owner = await _owner(flows, tsrv)
    token = await owner.api.access_token()
    r = tsrv.post(
        "/api/v1/admin/users", {"username": "kid", "display_name": "Kid", "role": "member"}, token
    )
    assert r.status_code == 201, r.text
    one_time = r.json()["one_time_code"]
    flow = flows.sign_in(address=tsrv.address, fingerprint=tsrv.fingerprint)
    assert isinstance(await flow.login("kid", one_time), NewPasswordNeeded)
    member = await flow.new_password("the kid's own passphrase")
    assert isinstance(member, Account)

    page = _page(qtbot, member)
    await page.start()
    try:
        await until(lambda: page.problem.isVisibleTo(page), what="the refusal")
        assert "Only the server's owner and admins" in page.problem.text()
        assert not page.dashboard.running  # asking again would not help
        assert not page.charts[SeriesKey.CPU].isVisibleTo(page)
        assert not page.cards
    finally:
        await page.stop()


async def test_unreachable_server_keeps_the_last_figures(
    qtbot: QtBot, tmp_path: Path, flows: AccountFlows
) -> None:
    host = make_fake_host(tmp_path / "host")
    host.set_temperature(61.5)
    with thread_server(tmp_path, metrics_interval_s=1, **host.settings()) as srv:
        owner = await _owner(flows, srv)
        page = _page(qtbot, owner)
        await page.start()
        await until(lambda: CardKey.TEMPERATURE in page.cards, what="the first figures")
        # Pause while the server goes away, so no request of ours is open when it stops.
        await page.stop()
        owner.api.api.client.drop_connections()
    # The server has stopped; polling again, the page keeps the figures and says how old.
    await page.start()
    try:
        await until(lambda: page.problem.isVisibleTo(page), what="the problem line")
        assert page.problem.text().startswith("Can't reach the server; showing the last figures")
        assert page.cards[CardKey.TEMPERATURE].value.text() == "61.5 °C"
        assert page.charts[SeriesKey.TEMPERATURE].isVisibleTo(page)
        assert page.dashboard.running
    finally:
        await page.stop()


async def test_live_from_the_feed_and_polling_only_while_offline(
    qtbot: QtBot, tmp_path: Path, flows: AccountFlows, app_paths: AppPaths
) -> None:
    host = make_fake_host(tmp_path / "host")
    host.set_temperature(50.0)
    with thread_server(tmp_path, metrics_interval_s=1, **host.settings()) as srv:
        owner = await _owner(flows, srv)
        connection = ChatConnection.for_account(owner, app_paths)
        polls: list[str] = []
        request = owner.api.request

        async def counting(method: str, path: str, **kw: Any) -> Any:
            if "/admin/metrics" in path:
                polls.append(path)
            return await request(method, path, **kw)

        owner.api.request = counting  # type: ignore[method-assign]
        page = DashboardPage(owner, connection=connection)
        qtbot.addWidget(page)
        page.resize(1100, 800)
        page.show()
        connection.start()
        await page.start()
        try:
            await until(lambda: page.dashboard.live, what="the live feed")
            assert page.feed is not None and page.feed.subscription is not None
            await until(lambda: CardKey.TEMPERATURE in page.cards, what="the first figures")
            chart = page.charts[SeriesKey.TEMPERATURE]
            before = len(polls)
            host.set_temperature(66.0)
            await until(lambda: page.cards[CardKey.TEMPERATURE].value.text() == "66.0 °C")
            await until(lambda: 66.0 in {p.y() for p in chart.series.points()}, what="charted")
            assert len(polls) == before  # the feed brought it: no REST poll meanwhile

            # The 24 h history still comes from REST; live samples keep the cards moving.
            page.day_button.click()
            await until(lambda: any("range=24h" in p for p in polls), what="24 h from REST")
            host.set_temperature(70.0)
            await until(lambda: page.cards[CardKey.TEMPERATURE].value.text() == "70.0 °C")
            page.hour_button.click()

            # The connection goes away: polling takes over, and the figures keep coming.
            await connection.stop()
            assert not page.dashboard.live
            before = len(polls)
            host.set_temperature(48.0)
            await until(lambda: page.cards[CardKey.TEMPERATURE].value.text() == "48.0 °C")
            assert len(polls) > before

            # Back online: it subscribes again by itself.
            connection.start()
            await until(lambda: page.dashboard.live, what="live again")
        finally:
            await page.stop()
            await connection.close()
            await owner.close()
        assert not page.dashboard.running
