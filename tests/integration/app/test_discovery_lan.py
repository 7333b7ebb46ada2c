"""``Discovery`` on a real (if tiny) network: namespaces A and B joined by a veth pair.

A holds a real Roost server advertising ``_roost._tcp`` and a stand-in for a fresh Pi;
``Discovery`` runs in B, pinned to B's address, on a thread that lives in B. All mDNS and TCP
traffic stays on the veth pair.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from app.discovery import (
    DiscoveredPi,
    Discovery,
    DiscoveryEvent,
    PiFound,
    PiUpdated,
    ServerFound,
    ServerLost,
    ServerState,
    ServerUpdated,
    Source,
    StatusChanged,
    StatusKind,
)
from app.discovery.records import normalize_hostname
from server.protocol import PROTOCOL_VERSION
from server.serve import RoostServer
from tests.helpers.netns import NamespaceLoop, TwoHosts, loopback_only, two_hosts
from tests.helpers.pinned_request import pinned_context
from tests.helpers.server import Running, make_settings

pytestmark = pytest.mark.needs_root

ROOST_PORT = 8443  # free in a fresh namespace, so the server can use the real default


@pytest.fixture
def hosts() -> Iterator[TwoHosts]:
    with two_hosts() as made:
        yield made


class EventLog:
    """Events from a Discovery on another thread, waited for with a deadline."""

    def __init__(self) -> None:
        self.events: list[DiscoveryEvent] = []
        self._cond = threading.Condition()

    def __call__(self, event: DiscoveryEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(
        self,
        match: Callable[[DiscoveryEvent], bool],
        what: str,
        timeout: float = 15,
        start: int = 0,
    ) -> DiscoveryEvent:
        """The first event from index ``start`` on that matches, waiting for it if need be."""
        with self._cond:
            found = self._cond.wait_for(
                lambda: next((e for e in self.events[start:] if match(e)), None), timeout
            )
            if found is None:
                raise AssertionError(f"no {what} within {timeout:g}s; saw {self.events}")
            return found


async def _claim_over_the_link(srv: RoostServer, host: str, port: int) -> None:
    """Claim the server from B, at the address discovery gave, trusting only its cert."""
    assert srv.rt.cert_path is not None
    # Trust exactly the server's certificate, as the app does once it has pinned it; the
    # certificate does not name this link-local address, and pinning makes that irrelevant.
    verify = pinned_context(srv.rt.cert_path, check_hostname=False)
    async with httpx.AsyncClient(
        base_url=f"https://{host}:{port}", verify=verify, timeout=20
    ) as client:
        await Running(srv, client).claim()


def test_a_server_is_found_updated_when_claimed_and_lost_when_it_stops(
    hosts: TwoHosts, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path, host=hosts.ip_a, port=ROOST_PORT, mdns=True, mdns_interfaces=[hosts.ip_a]
    )
    with NamespaceLoop(hosts.a) as host_a, NamespaceLoop(hosts.b) as host_b:
        srv = RoostServer(settings)
        host_a.run(srv.start())
        running = True
        discovery = Discovery(interfaces=[hosts.ip_b], hostnames=(), quiet_after=300)
        seen = EventLog()
        discovery.subscribe(seen)
        host_b.run(discovery.start())
        try:
            # 1. Found, with everything needed to connect and to pin.
            found = seen.wait_for(lambda e: isinstance(e, ServerFound), "ServerFound")
            assert isinstance(found, ServerFound)
            server = found.server
            assert server.server_id == srv.rt.server_id
            assert server.key == f"roost-{srv.rt.server_id[:12]}._roost._tcp.local."
            assert server.state is ServerState.UNCLAIMED
            assert server.name == srv.rt.name
            assert server.fingerprint == srv.rt.fingerprint
            assert server.protocol_version == PROTOCOL_VERSION
            assert server.addresses == ((hosts.ip_a, ROOST_PORT),)
            assert server.hostname == normalize_hostname(f"{socket.gethostname()}.local")
            assert server.source is Source.MDNS
            status = seen.wait_for(lambda e: isinstance(e, StatusChanged), "a status")
            assert isinstance(status, StatusChanged)
            assert status.status.message == "Looking for Roost servers on your network…"
            found_status = seen.wait_for(
                lambda e: isinstance(e, StatusChanged) and e.status.kind is StatusKind.FOUND,
                "a 'found' status",
            )
            assert isinstance(found_status, StatusChanged)
            assert found_status.status.message == "Found 1 Roost server."

            # 2. Claimed through the discovered address: the record follows.
            host_b.run(_claim_over_the_link(srv, *server.addresses[0]))
            updated = seen.wait_for(
                lambda e: isinstance(e, ServerUpdated) and e.server.state is ServerState.READY,
                "ServerUpdated with state=ready",
            )
            assert isinstance(updated, ServerUpdated)
            assert updated.previous == server
            assert updated.server.name == "Family"
            assert updated.server.server_id == server.server_id
            assert updated.server.fingerprint == server.fingerprint
            assert host_b.run(_snapshot_servers(discovery)) == (updated.server,)

            # 3. Stopped: the goodbye removes it at once.
            host_a.run(srv.stop())
            running = False
            lost = seen.wait_for(lambda e: isinstance(e, ServerLost), "ServerLost")
            assert isinstance(lost, ServerLost)
            assert lost.server == updated.server
            assert host_b.run(_snapshot_servers(discovery)) == ()
        finally:
            host_b.run(discovery.stop())
            if running:
                host_a.run(srv.stop())
        assert host_b.run(_discovery_tasks()) == []


async def _snapshot_servers(discovery: Discovery) -> tuple[object, ...]:
    # Read on the loop that owns the state, not from the test thread.
    return discovery.snapshot().servers


async def _discovery_tasks() -> list[str]:
    return [t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("discovery")]


class FakePi:
    """A fresh Raspberry Pi OS box, as the network sees it: its name answers mDNS address
    queries (avahi), SSH listens on port 22, and it may or may not advertise ``_ssh._tcp``.

    Lives in namespace A at its own address; its mDNS responder is pinned to A's address.
    """

    HOST = "raspberrypi.local."

    def __init__(self, mdns_address: str, address: str) -> None:
        self.mdns_address = mdns_address
        self.address = address
        self._azc: AsyncZeroconf | None = None
        self._ssh: asyncio.Server | None = None
        self._infos: list[AsyncServiceInfo] = []

    def _info(self, service_type: str, instance: str, port: int) -> AsyncServiceInfo:
        return AsyncServiceInfo(
            service_type,
            f"{instance}.{service_type}",
            addresses=[ipaddress.ip_address(self.address).packed],
            port=port,
            server=self.HOST,
        )

    async def start(self) -> None:
        self._ssh = await asyncio.start_server(_hang_up, self.address, 22)
        self._azc = AsyncZeroconf(interfaces=[self.mdns_address], ip_version=IPVersion.V4Only)
        # avahi's device-info record: not browsed by Roost, but it makes zeroconf answer
        # address queries for the host name, which is all most fresh Pis do.
        await self._register(self._info("_device-info._tcp.local.", "raspberrypi", 0))

    async def advertise_ssh(self) -> None:
        await self._register(self._info("_ssh._tcp.local.", "raspberrypi", 22))
        await self._register(
            self._info("_workstation._tcp.local.", "raspberrypi [dc:a6:32:01:02:03]", 9)
        )

    async def _register(self, info: AsyncServiceInfo) -> None:
        assert self._azc is not None
        # Cooperating: skip the 1.5 s uniqueness probe, nobody else uses these names here.
        announced = await self._azc.async_register_service(info, cooperating_responders=True)
        await announced
        self._infos.append(info)

    async def stop(self) -> None:
        if self._azc is not None:
            for info in self._infos:
                await (await self._azc.async_unregister_service(info))
            await self._azc.async_close()
        if self._ssh is not None:
            self._ssh.close()
            await self._ssh.wait_closed()


async def _hang_up(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


def test_a_fresh_pi_is_found_by_its_name_then_by_its_ssh_record(hosts: TwoHosts) -> None:
    pi_address = hosts.add_address_a(3)
    with NamespaceLoop(hosts.a) as host_a, NamespaceLoop(hosts.b) as host_b:
        pi = FakePi(hosts.ip_a, pi_address)
        host_a.run(pi.start())
        discovery = Discovery(
            interfaces=[hosts.ip_b], hostnames=["raspberrypi.local"], quiet_after=300
        )
        seen = EventLog()
        discovery.subscribe(seen)
        try:
            host_b.run(discovery.start())
            # 1. No service advertised: the fallback resolves the name and probes the ports.
            found = seen.wait_for(lambda e: isinstance(e, PiFound), "PiFound")
            assert isinstance(found, PiFound)
            by_name = DiscoveredPi(
                hostname="raspberrypi.local",
                addresses=(pi_address,),
                ssh_port=22,
                source=Source.HOSTNAME,
                looks_like_pi=True,
                roost_port=None,
            )
            assert found.pi == by_name
            status = seen.wait_for(
                lambda e: isinstance(e, StatusChanged) and e.status.kind is StatusKind.FOUND,
                "a 'found' status",
            )
            assert isinstance(status, StatusChanged)
            assert status.status.message == "Found 1 computer you could install Roost on."

            # 2. Now it advertises SSH too: still one entry, now known from its records.
            host_a.run(pi.advertise_ssh())
            updated = seen.wait_for(
                lambda e: isinstance(e, PiUpdated) and e.pi.source is Source.MDNS,
                "PiUpdated from the _ssh._tcp record",
            )
            assert isinstance(updated, PiUpdated)
            assert updated.pi.key == "raspberrypi.local"
            assert updated.pi.addresses == (pi_address,)
            assert updated.pi.ssh_port == 22
            assert [p.key for p in host_b.run(_snapshot_pis(discovery))] == ["raspberrypi.local"]
            assert sum(isinstance(e, PiFound) for e in seen.events) == 1
        finally:
            host_b.run(discovery.stop())
            host_a.run(pi.stop())


async def _snapshot_pis(discovery: Discovery) -> tuple[DiscoveredPi, ...]:
    return discovery.snapshot().pis


def test_nothing_found_says_so_and_refresh_looks_again() -> None:
    with loopback_only() as ns, NamespaceLoop(ns) as alone:
        discovery = Discovery(
            interfaces=["127.0.0.1"], hostnames=["raspberrypi.local"], quiet_after=0.2
        )
        seen = EventLog()
        discovery.subscribe(seen)
        try:
            alone.run(discovery.start())
            quiet = seen.wait_for(
                lambda e: isinstance(e, StatusChanged) and e.status.kind is StatusKind.NOTHING_YET,
                "the 'nothing found yet' status",
            )
            assert isinstance(quiet, StatusChanged)
            assert "give it two minutes" in quiet.status.message
            count = len(seen.events)
            alone.run(discovery.refresh())
            again = seen.wait_for(
                lambda e: isinstance(e, StatusChanged) and e.status.kind is StatusKind.NOTHING_YET,
                "'nothing found yet' again after refresh",
                start=count,
            )
            assert isinstance(again, StatusChanged)
            assert any(
                isinstance(e, StatusChanged) and e.status.kind is StatusKind.SEARCHING
                for e in seen.events[count:]
            )
        finally:
            alone.run(discovery.stop())
