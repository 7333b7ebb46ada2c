"""The home list fills from a real mDNS advertisement in a network namespace.

Namespace A runs a real Roost server advertising ``_roost._tcp`` on a veth link; the app's own
discovery (on the GUI thread, its sockets opened inside namespace B) sees it appear, change to
"ready" when it is claimed, and go away when it stops. Nothing leaves the veth pair.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from app.accounts.credentials import Credentials
from app.discovery.browser import Discovery
from app.paths import AppPaths
from server.serve import RoostServer
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.netns import NamespaceLoop, TwoHosts, thread_in_namespace, two_hosts
from tests.helpers.pinned_request import pinned_context
from tests.helpers.server import Running, make_settings
from tests.ui.conftest import until
from ui.shell import Shell

pytestmark = pytest.mark.needs_root


@pytest.fixture
def hosts() -> Iterator[TwoHosts]:
    with two_hosts() as made:
        yield made


async def _claim_from_b(srv: RoostServer, host: str, port: int) -> None:
    assert srv.rt.cert_path is not None
    verify = pinned_context(srv.rt.cert_path, check_hostname=False)
    async with httpx.AsyncClient(base_url=f"https://{host}:{port}", verify=verify) as client:
        await Running(srv, client).claim()


def _rows(shell: Shell) -> list[tuple[str, str, str]]:
    page = shell.home_page
    assert page is not None
    return [(r.entry.title, r.entry.host, r.button.text()) for r in page.rows]


async def test_home_list_follows_a_real_advertisement(
    qtbot: QtBot, app_paths: AppPaths, hosts: TwoHosts, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path, host=hosts.ip_a, port=8443, mdns=True, mdns_interfaces=[hosts.ip_a]
    )
    discovery = Discovery(interfaces=[hosts.ip_b], hostnames=(), quiet_after=300)
    shell = Shell(
        app_paths,
        language="en",
        theme="light",
        discovery=discovery,
        credentials=Credentials(MemoryKeyring()),
    )
    qtbot.addWidget(shell.window)
    with NamespaceLoop(hosts.a) as host_a, NamespaceLoop(hosts.b) as host_b:
        srv = RoostServer(settings)
        host_a.run(srv.start())
        try:
            shell.window.show()
            # The app's mDNS sockets are opened on B's side of the link.
            with thread_in_namespace(hosts.b):
                await discovery.start()
            await until(lambda: len(_rows(shell)) == 1, what="the server in the list")
            title, host, button = _rows(shell)[0]
            assert (title, host, button) == (srv.rt.name, hosts.ip_a, "Set up")
            page = shell.home_page
            assert page is not None and page.status.text()  # says what it found
            host_b.run(_claim_from_b(srv, hosts.ip_a, 8443))
            await until(lambda: _rows(shell) and _rows(shell)[0][2] == "Sign in", what="ready")
            assert _rows(shell)[0][0] == "Family"  # renamed by the claim
        finally:
            host_a.run(srv.stop())
        await until(lambda: not _rows(shell), what="the goodbye to empty the list")
        await shell.stop()
