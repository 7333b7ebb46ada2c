"""Shared fixtures: a real server on loopback per test, and the ROOST_REQUIRE_ALL policy."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.helpers.server import Running, make_settings, running

REQUIRE_ALL = os.environ.get("ROOST_REQUIRE_ALL") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that needs root or network namespaces skips on a developer's machine, but in CI
    (ROOST_REQUIRE_ALL=1) it runs and fails if it cannot, so breakage never hides as a skip."""
    if REQUIRE_ALL:
        return
    have_root = os.geteuid() == 0 and shutil.which("ip") is not None
    for item in items:
        if "needs_root" in item.keywords and not have_root:
            item.add_marker(pytest.mark.skip(reason="needs root and iproute2 (network namespaces)"))


@pytest_asyncio.fixture
async def srv(tmp_path: Path) -> AsyncIterator[Running]:
    """An unclaimed server."""
    async with running(make_settings(tmp_path)) as r:
        yield r


@pytest_asyncio.fixture
async def claimed(srv: Running) -> Running:
    """A claimed server whose owner is signed in (``claimed.owner``)."""
    await srv.claim()
    return srv
