"""Qt tests: offscreen, on a qasync loop, with the app's files in a temporary home.

Async tests under tests/ui run on a `qasync.QEventLoop`, so coroutines and Qt signals share one
loop as in the app. Never call qtbot.waitUntil/waitSignal inside a coroutine (a nested Qt loop
inside a qasync task raises); poll with `await asyncio.sleep` instead (see `until`).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402 (Qt reads QT_QPA_PLATFORM when it starts)
from collections.abc import Callable, Mapping  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.paths import AppPaths  # noqa: E402


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    def factory() -> asyncio.AbstractEventLoop:
        app = QApplication.instance() or QApplication([])
        return qasync.QEventLoop(app)

    return {"qasync": factory}


@pytest.fixture
def app_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    """The app's config and data directories, private to the test."""
    home = tmp_path / "app-home"
    monkeypatch.setenv("ROOST_APP_HOME", str(home))
    return AppPaths(config=home / "config", data=home / "data").ensure()


async def until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> None:
    """Waits (on the running loop) until ``predicate()`` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.02)
