"""The async API on the loop the desktop app really uses: qasync over a Qt event loop.

Runs in a child process so that its QCoreApplication cannot clash with the QApplication of the
widget tests in this process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import asyncio, sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
import qasync
from app.accounts.credentials import Credentials
from app.accounts.session import AccountFlows
from app.net.address import Address
from app.net.errors import ApiError
from app.paths import AppPaths
from app.servers import KnownServers
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.server import PASSWORD, make_settings, running_in_thread

tmp = Path(sys.argv[1])
app = QCoreApplication([])
loop = qasync.QEventLoop(app)
ticks = 0

async def ticker() -> None:
    global ticks
    while True:
        ticks += 1
        await asyncio.sleep(0.005)

async def main(srv) -> None:
    paths = AppPaths(tmp / "config", tmp / "data")
    flows = AccountFlows(KnownServers(paths), Credentials(MemoryKeyring()), device_name="qasync")
    beat = asyncio.ensure_future(ticker())
    address = Address("127.0.0.1", srv.rt.bound_port)
    code = srv.rt.read_setup_code_blocking()
    account = await flows.claim(address, srv.rt.fingerprint, code, "F", "mum", "Mum", PASSWORD)
    before = ticks
    try:
        await flows.sign_in(srv.rt.server_id).login("mum", "wrong password")
    except ApiError as exc:
        print("refused", exc.code)
    assert ticks > before, "the loop kept running while the request was in flight"
    print("signed in", (await account.api.me()).username)
    await account.logout()
    beat.cancel()

with running_in_thread(make_settings(tmp)) as srv, loop:
    loop.run_until_complete(main(srv))
print("ok")
"""


def test_flows_run_on_a_qasync_loop_without_blocking_it(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split("\n")[:3] == ["refused invalid_credentials", "signed in mum", "ok"]
