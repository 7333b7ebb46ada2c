"""Qt tests: offscreen, on a qasync loop, with the app's files in a temporary home.

Async tests under tests/ui run on a `qasync.QEventLoop`, so coroutines and Qt signals share one
loop as in the app. Never call qtbot.waitUntil/waitSignal inside a coroutine (a nested Qt loop
inside a qasync task raises); poll with `await asyncio.sleep` instead (see `until`).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402 (Qt reads QT_QPA_PLATFORM when it starts)
import gc  # noqa: E402
from collections.abc import AsyncIterator, Callable, Iterator, Mapping  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, TypeVar  # noqa: E402

import pytest  # noqa: E402
import pytest_asyncio  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

from app.accounts.account import Account  # noqa: E402
from app.accounts.credentials import Credentials  # noqa: E402
from app.accounts.session import AccountFlows, SignedIn  # noqa: E402
from app.i18n import uninstall_all  # noqa: E402
from app.paths import AppPaths  # noqa: E402
from app.servers import KnownServers  # noqa: E402
from tests.helpers.keyring_memory import MemoryKeyring  # noqa: E402
from tests.ui.helpers import ThreadServer, thread_server  # noqa: E402
from ui.main import new_loop  # noqa: E402
from ui.shell import Shell  # noqa: E402
from ui.wizards.claim import ClaimDialog  # noqa: E402
from ui.wizards.step_dialog import StepDialog  # noqa: E402

D = TypeVar("D", bound=QWidget)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    def factory() -> asyncio.AbstractEventLoop:
        app = QApplication.instance() or QApplication([])
        assert isinstance(app, QApplication)
        # Closing a test's only dialog must not quit the application (and stop the loop).
        app.setQuitOnLastWindowClosed(False)
        return new_loop(app)

    return {"qasync": factory}


@pytest.fixture
def app_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    """The app's config and data directories, private to the test."""
    home = tmp_path / "app-home"
    monkeypatch.setenv("ROOST_APP_HOME", str(home))
    return AppPaths(config=home / "config", data=home / "data").ensure()


async def until(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "") -> None:
    """Waits (on the running loop) until ``predicate()`` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.02)


async def proceed(dialog: StepDialog) -> None:
    """Presses Continue once the dialog has finished its previous step."""
    await until(lambda: not dialog.busy.isVisible(), what="the previous step to finish")
    dialog.continue_button.click()


def started_shell(qtbot: QtBot, app_paths: AppPaths, **options: Any) -> Shell:
    """A shell in English and light theme with an in-memory keyring, shown and started."""
    options.setdefault("credentials", Credentials(MemoryKeyring()))
    shell = Shell(app_paths, language="en", theme="light", **options)
    qtbot.addWidget(shell.window)
    shell.start()
    return shell


def visible_dialog(shell: Shell, kind: type[D]) -> D | None:
    """The newest visible dialog of ``kind`` opened over the shell's window, if any."""
    found = [d for d in shell.window.findChildren(kind) if d.isVisible()]
    return found[-1] if found else None


async def claim_without_2fa(
    c: ClaimDialog, *, server: str, name: str, username: str, password: str
) -> None:
    """Walks an open claim wizard from its first page to the end, skipping two-step sign-in."""
    await proceed(c)
    await until(lambda: c.stack.currentWidget() is c.account_page or c.error.isVisible())
    assert not c.error.isVisible(), c.error.text()
    c.server_name.edit.setText(server)
    c.display_name.edit.setText(name)
    c.username.edit.setText(username)
    c.password.edit.setText(password)
    c.repeat.edit.setText(password)
    await proceed(c)
    await until(lambda: c.stack.currentWidget() is c.tfa_page or c.error.isVisible())
    assert not c.error.isVisible(), c.error.text()
    c.tfa_enable.setChecked(False)
    await proceed(c)  # skip 2FA
    await until(lambda: c.stack.currentWidget() is c.done_page)
    await proceed(c)


@pytest.fixture
def tsrv(tmp_path: Path) -> Iterator[ThreadServer]:
    """An unclaimed server on its own thread."""
    with thread_server(tmp_path) as s:
        yield s


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    """An in-memory keyring, so "remember me" works without a desktop session."""
    return MemoryKeyring()


@pytest_asyncio.fixture
async def flows(app_paths: AppPaths, memory_keyring: MemoryKeyring) -> AsyncIterator[AccountFlows]:
    """The account flows of a fresh app; every account they sign in is closed afterwards."""
    flows = AccountFlows(KnownServers(app_paths), Credentials(memory_keyring))
    accounts: list[Account] = []
    unsubscribe = flows.events.subscribe(
        lambda e: accounts.append(e.account) if isinstance(e, SignedIn) else None
    )
    yield flows
    unsubscribe()
    for account in accounts:
        await account.close()


@pytest.fixture(autouse=True)
def collect_on_main_thread() -> Iterator[None]:
    """No garbage collection during a test, then a full one on this (the GUI) thread.

    As in the app (ui/gc_main_thread.py): a collection triggered on a worker thread (the REST
    client's, or the test server's) could free Qt objects there and crash PySide6.
    """
    gc.collect()
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """A test that switched the app to Chinese leaves it in English for the next one."""
    yield
    uninstall_all()
