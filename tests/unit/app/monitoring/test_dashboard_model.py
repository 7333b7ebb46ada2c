"""The dashboard view-model against a real server (no widgets): loading, the range switch,
and what a failed refresh keeps and says."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest_asyncio

from app.accounts.account import Account
from app.accounts.credentials import Credentials
from app.accounts.session import AccountFlows
from app.monitoring.cards import CardKey
from app.monitoring.dashboard import Dashboard, DashboardChanged
from app.net.address import Address
from app.paths import AppPaths
from app.servers import KnownServers
from tests.helpers.fake_host import make_fake_host
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.server import make_settings, running

PASSWORD = "a long family passphrase"


@pytest_asyncio.fixture
async def owner(tmp_path: Path) -> AsyncIterator[Account]:
    """The owner of a claimed server reading a fake host (one sample: the timer is an hour)."""
    host = make_fake_host(tmp_path / "host")
    host.set_temperature(55.0)
    settings = make_settings(tmp_path, metrics_interval_s=3600, **host.settings())
    async with running(settings) as r:
        paths = AppPaths(config=tmp_path / "app" / "config", data=tmp_path / "app" / "data")
        flows = AccountFlows(KnownServers(paths.ensure()), Credentials(MemoryKeyring()))
        parts = urlsplit(r.server.base_url)
        assert parts.hostname is not None and parts.port is not None
        account = await flows.claim(
            Address(parts.hostname, parts.port),
            str(r.rt.fingerprint),
            r.setup_code(),
            "Chen family",
            "mum",
            "Mum",
            PASSWORD,
        )
        try:
            yield account
        finally:
            await account.close()


async def test_refresh_loads_the_figures_and_the_range_switch_reloads(owner: Account) -> None:
    board = Dashboard(owner.api)
    seen: list[DashboardChanged] = []
    board.events.subscribe(seen.append)
    # The server takes its first sample as it starts; wait for it rather than for a timer.
    view = await board.refresh()
    while view.collecting:
        await asyncio.sleep(0.05)
        view = await board.refresh()
    assert view.problem is None and not view.forbidden
    assert view.snapshot is not None and view.snapshot.range == "1h"
    assert {c.key: c.value for c in view.cards}[CardKey.TEMPERATURE] == "55.0 °C"
    assert board.interval_s == 3600
    assert seen[-1].view is view

    day_loaded = asyncio.Event()
    board.events.subscribe(
        lambda e: (
            day_loaded.set()
            if e.view.snapshot is not None and e.view.snapshot.range == "24h"
            else None
        )
    )
    board.start()
    try:
        board.set_range("24h")
        assert board.view.range == "24h"  # shown at once, before the answer
        # The loop wakes at once instead of waiting out the hour-long interval.
        await asyncio.wait_for(day_loaded.wait(), 30)
        assert board.view.snapshot is not None and board.view.snapshot.step_s == 300
    finally:
        await board.stop()
    assert not board.running
