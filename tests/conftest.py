"""Shared fixtures: a real server on loopback per test, and the ROOST_REQUIRE_ALL policy."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from app.provision.bundle import ROOT, build_wheel_blocking
from tests.helpers.server import Running, make_settings, running
from tests.helpers.ssh_pi import SandboxPi, build_wheelhouse_blocking, sandbox_pi

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


@pytest.fixture(scope="session")
def server_wheel(pytestconfig: pytest.Config) -> Path:
    """The wheel of this source tree, built once per change of the sources."""
    cache = pytestconfig.cache.mkdir("roost-server-wheels")  # type: ignore[union-attr]
    return build_wheel_blocking(ROOT, cache, lambda _: None)


@pytest.fixture(scope="session")
def wheelhouse(pytestconfig: pytest.Config, server_wheel: Path) -> Path:
    """A package index's worth of the server's dependencies, for the sandbox Pi's pip."""
    cache = pytestconfig.cache.mkdir("roost-pi-wheelhouse")  # type: ignore[union-attr]
    return build_wheelhouse_blocking(server_wheel, cache)


@pytest_asyncio.fixture
async def pi(tmp_path: Path, wheelhouse: Path) -> AsyncIterator[SandboxPi]:
    """A sandbox Pi reached over real SSH (tests/helpers/ssh_pi.py)."""
    async with sandbox_pi(tmp_path / "pi", wheelhouse) as sandbox:
        yield sandbox
