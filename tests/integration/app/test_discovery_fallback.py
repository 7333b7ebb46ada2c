"""Discovery when mDNS cannot start: it says so, never raises, and still probes the addresses
that worked before (real TCP listeners on loopback; zeroconf is pinned to an address this
machine does not have, so it fails before sending anything)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest_asyncio

from app.discovery import (
    DiscoveredPi,
    Discovery,
    DiscoveryEvent,
    PiFound,
    Source,
    StatusChanged,
    StatusKind,
)

# TEST-NET-3 (RFC 5737): never assigned to a real interface, so zeroconf cannot bind to it.
NOWHERE = "203.0.113.7"


class Collected:
    """Events from a Discovery, awaitable one condition at a time."""

    def __init__(self) -> None:
        self.events: list[DiscoveryEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: DiscoveryEvent) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(
        self, match: Callable[[DiscoveryEvent], bool], what: str, timeout: float = 10
    ) -> DiscoveryEvent:
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for event in self.events:
                        if match(event):
                            return event
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"no {what} within {timeout:g}s; saw {self.events}") from None


async def _accept_and_close(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


@pytest_asyncio.fixture
async def two_listeners() -> AsyncIterator[tuple[int, int]]:
    """Two TCP ports on 127.0.0.1 that accept connections: stand-ins for Roost and SSH."""
    servers = [await asyncio.start_server(_accept_and_close, "127.0.0.1", 0) for _ in range(2)]
    try:
        yield servers[0].sockets[0].getsockname()[1], servers[1].sockets[0].getsockname()[1]
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()


def _discovery_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("discovery")]


async def test_mdns_that_cannot_start_is_reported_not_raised() -> None:
    discovery = Discovery(interfaces=[NOWHERE], hostnames=(), quiet_after=0.01)
    seen = Collected()
    discovery.subscribe(seen)
    await discovery.start()
    changed = await seen.wait_for(
        lambda e: isinstance(e, StatusChanged) and e.status.kind is StatusKind.UNAVAILABLE,
        "an 'unavailable' status",
    )
    assert isinstance(changed, StatusChanged)
    assert "type your Pi's address" in changed.status.message
    assert changed.status.detail.startswith("OSError")
    # refresh neither raises nor hides the problem (the quiet timer must not replace it)
    await discovery.refresh()
    await asyncio.sleep(0.05)
    assert discovery.snapshot().status.kind is StatusKind.UNAVAILABLE
    await discovery.stop()
    assert discovery.status.kind is StatusKind.IDLE
    assert _discovery_tasks() == []
    await discovery.stop()  # twice is harmless


async def test_known_addresses_are_probed_even_without_mdns(
    two_listeners: tuple[int, int],
) -> None:
    roost_port, ssh_port = two_listeners
    discovery = Discovery(
        interfaces=[NOWHERE],
        hostnames=(),
        # 127.0.0.2 is loopback too, but nothing listens there: it must not be listed.
        known_addresses=[("127.0.0.1", roost_port), ("127.0.0.2", roost_port)],
        roost_port=roost_port,
        ssh_port=ssh_port,
        probe_timeout=5,
    )
    seen = Collected()
    discovery.subscribe(seen)
    await discovery.start()
    try:
        found = await seen.wait_for(lambda e: isinstance(e, PiFound), "a PiFound from a probe")
        assert isinstance(found, PiFound)
        assert found.pi == DiscoveredPi(
            hostname="",
            addresses=("127.0.0.1",),
            ssh_port=ssh_port,
            source=Source.PROBE,
            looks_like_pi=False,
            roost_port=roost_port,
        )
        assert [p.key for p in discovery.snapshot().pis] == ["127.0.0.1"]
        # the lists update, but the status keeps pointing at manual entry
        assert discovery.status.kind is StatusKind.UNAVAILABLE
    finally:
        await discovery.stop()
    assert _discovery_tasks() == []


async def test_a_name_that_is_not_local_is_resolved_by_the_system_and_probed(
    two_listeners: tuple[int, int],
) -> None:
    roost_port, ssh_port = two_listeners
    discovery = Discovery(
        interfaces=[NOWHERE],
        hostnames=["localhost"],  # from /etc/hosts: no network involved
        roost_port=roost_port,
        ssh_port=ssh_port,
        probe_timeout=5,
    )
    seen = Collected()
    discovery.subscribe(seen)
    await discovery.start()
    try:
        found = await seen.wait_for(lambda e: isinstance(e, PiFound), "a PiFound by name")
        assert isinstance(found, PiFound)
        assert found.pi.hostname == "localhost"
        assert "127.0.0.1" in found.pi.addresses
        assert found.pi.source is Source.HOSTNAME
        assert (found.pi.roost_port, found.pi.ssh_port) == (roost_port, ssh_port)
    finally:
        await discovery.stop()
