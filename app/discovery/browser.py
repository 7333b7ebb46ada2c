"""``Discovery``: browses mDNS for Roost servers and plain Pis, with fallbacks, and reports.

Layers, because multicast is flaky on real home networks (Wi-Fi power saving, "client
isolation", routers that drop it):

1. DNS-SD browsing of ``_roost._tcp``, ``_ssh._tcp`` and ``_workstation._tcp``;
2. resolving host names (``raspberrypi.local`` and any the caller names) with mDNS address
   queries, which many Pis answer even when they advertise no service;
3. TCP probes of those addresses and of addresses that worked before: the Roost port says
   "Roost may be running here", the SSH port "a computer you could install Roost on".

If zeroconf cannot start at all, the status says so and points to typing the address; the
probes of known addresses still run. Nothing here raises into the UI.
"""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import logging
import warnings
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

# WORKAROUND: zeroconf re-exports AddressResolver from its package but leaves it out of
# __all__, so strict mypy calls it private. It is documented public API.
from zeroconf import (  # type: ignore[attr-defined]
    AddressResolver,
    InterfaceChoice,
    IPVersion,
    ServiceStateChange,
    Zeroconf,
)
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from app.discovery import status
from app.discovery.events import DiscoveryEvent, DiscoveryStatus, StatusChanged, StatusKind
from app.discovery.probe import Prober
from app.discovery.records import (
    DEFAULT_ROOST_PORT,
    DEFAULT_SSH_PORT,
    ROOST_SERVICE,
    SSH_SERVICE,
    WORKSTATION_SERVICE,
    DiscoveredPi,
    Source,
    looks_like_pi,
    normalize_hostname,
    normalize_ip,
    pi_from_record,
    record_from_info,
    server_from_record,
    sorted_ips,
)
from app.discovery.state import DiscoverySnapshot, DiscoveryState
from app.events import Emitter

log = logging.getLogger(__name__)

SERVICE_TYPES = (ROOST_SERVICE, SSH_SERVICE, WORKSTATION_SERVICE)
DEFAULT_HOSTNAMES = ("raspberrypi.local",)


class Discovery:
    """Finds Roost servers and Pis without Roost, and keeps the lists current.

    Subscribe before ``start()`` to see every event; ``snapshot()`` gives the current state
    at any time (for a model that subscribes late: snapshot first, then deltas). ``stop()``
    empties the lists, with a Lost event for each entry. Use it from one event loop only
    (the one that called ``start()``); listeners are called on that loop.
    ``hostnames`` and ``known_addresses`` may be changed; ``refresh()`` uses the new values.

    Args:
        interfaces: IPv4/IPv6 addresses to run mDNS on; None means every interface. Tests
            pin this to a namespace's address so nothing reaches a real network.
        hostnames: host names to resolve and probe besides mDNS browsing.
        known_addresses: (host, port) pairs that worked before, probed on that port; a host
            name here is resolved first.
        quiet_after: seconds without finding anything before the status suggests waiting
            or typing the address.
        resolve_timeout: seconds to wait for one mDNS answer (service or host name).
        probe_timeout: seconds to wait for one TCP connection.
        max_parallel_probes: connections in flight at once.
        roost_port: the port that means "Roost may be running here".
        ssh_port: the port that means "a computer you could install Roost on".
    """

    def __init__(
        self,
        *,
        interfaces: Sequence[str] | None = None,
        hostnames: Iterable[str] = DEFAULT_HOSTNAMES,
        known_addresses: Iterable[tuple[str, int]] = (),
        quiet_after: float = 10.0,
        resolve_timeout: float = 3.0,
        probe_timeout: float = 1.5,
        max_parallel_probes: int = 16,
        roost_port: int = DEFAULT_ROOST_PORT,
        ssh_port: int = DEFAULT_SSH_PORT,
    ) -> None:
        self.interfaces = list(interfaces) if interfaces is not None else None
        self.hostnames = [h for h in (normalize_hostname(n) for n in hostnames) if h]
        self.known_addresses = list(known_addresses)
        self.quiet_after = quiet_after
        self.resolve_timeout = resolve_timeout
        self.roost_port = roost_port
        self.ssh_port = ssh_port
        self._probe_timeout = probe_timeout
        self._max_parallel_probes = max_parallel_probes
        self._emitter: Emitter[DiscoveryEvent] = Emitter()
        self._state = DiscoveryState()
        self._status = status.idle()
        self._azc: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._fallback: asyncio.Task[None] | None = None
        self._quiet: asyncio.Task[None] | None = None
        # Resolutions of one instance run one after another, so an Updated that overtakes a
        # slow Added cannot leave the older record in place.
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._running = False

    # -- public API ---------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[DiscoveryEvent], None]) -> Callable[[], None]:
        """Calls ``listener`` with every event from now on; returns the unsubscribe function."""
        return self._emitter.subscribe(listener)

    @property
    def status(self) -> DiscoveryStatus:
        """The current status sentence."""
        return self._status

    def snapshot(self) -> DiscoverySnapshot:
        """What is known right now."""
        return DiscoverySnapshot(self._state.servers, self._state.pis, self._status)

    async def start(self) -> None:
        """Starts browsing and the fallbacks. Never raises for network trouble: if mDNS
        cannot start, the status says so (and known addresses are still probed)."""
        if self._running:
            return
        self._running = True
        self._set_status(status.searching())
        failure = self._try_open_zeroconf()
        if failure:
            log.warning("mDNS discovery unavailable: %s", failure)
            self._set_status(status.unavailable(failure))
        else:
            self._start_browser()
        self._restart_fallback()
        self._restart_quiet_timer()

    async def refresh(self) -> None:
        """Asks again now: new mDNS queries, host names resolved and addresses probed again.
        What is already known stays until it goes away."""
        if not self._running:
            await self.start()
            return
        if self._azc is None:
            # Whatever blocked mDNS (a firewall prompt, another program on port 5353) may
            # be gone now: try again, and keep the manual-entry hint if not.
            failure = self._try_open_zeroconf()
            if failure:
                log.info("mDNS discovery still unavailable: %s", failure)
                self._set_status(status.unavailable(failure))
            else:
                self._set_status(status.searching())
                self._start_browser()
        else:
            await self._stop_browser()
            self._start_browser()
        if self._azc is not None and not (self._state.servers or self._state.pis):
            self._set_status(status.searching())
        self._restart_fallback()
        self._restart_quiet_timer()

    async def stop(self) -> None:
        """Stops everything: browser, pending resolutions and probes, and zeroconf (which
        closes its sockets). Safe to call twice."""
        if not self._running:
            return
        self._running = False
        await self._stop_browser()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._fallback = self._quiet = None
        if self._azc is not None:
            azc, self._azc = self._azc, None
            await azc.async_close()
        self._locks.clear()
        # Nothing is being watched any more, so nothing shown can be trusted to be current.
        for event in self._state.clear():
            self._emitter.emit(event)
        self._set_status(status.idle())

    # -- plumbing -----------------------------------------------------------------------------

    def _try_open_zeroconf(self) -> str:
        """Opens zeroconf into ``self._azc``; returns "" or what went wrong."""
        # WORKAROUND: when joining an interface fails, zeroconf's create_sockets drops the
        # listen socket it has already opened without closing it
        # (https://github.com/python-zeroconf/python-zeroconf/blob/0.154.0/src/zeroconf/_utils/net.py#L491).
        # It is closed when collected; collect it here, where the ResourceWarning it raises
        # is known and harmless, instead of at some random later moment.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                self._azc = self._open_zeroconf()
            except Exception as exc:  # any failure to open sockets means "cannot search"
                self._azc = None
                failure = f"{type(exc).__name__}: {exc}"
            else:
                return ""
            gc.collect()
        return failure

    def _open_zeroconf(self) -> AsyncZeroconf:
        if self.interfaces is None:
            return AsyncZeroconf(interfaces=InterfaceChoice.All, ip_version=IPVersion.V4Only)
        versions = {ipaddress.ip_address(a.split("%")[0]).version for a in self.interfaces}
        ip_version = (
            IPVersion.All
            if versions == {4, 6}
            else IPVersion.V6Only
            if versions == {6}
            else IPVersion.V4Only
        )
        return AsyncZeroconf(interfaces=self.interfaces, ip_version=ip_version)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # A bug, not the network: log it with its traceback, keep discovering.
            log.error("discovery task %s failed", task.get_name(), exc_info=task.exception())

    def _emit_all(self, events: list[DiscoveryEvent]) -> None:
        for event in events:
            self._emitter.emit(event)
        if events:
            self._update_found_status()

    def _set_status(self, new: DiscoveryStatus) -> None:
        if new != self._status:
            self._status = new
            self._emitter.emit(StatusChanged(new))

    def _update_found_status(self) -> None:
        if self._status.kind is StatusKind.UNAVAILABLE or not self._running:
            return  # keep pointing at manual entry; the lists still update
        servers, pis = len(self._state.servers), len(self._state.pis)
        if servers or pis:
            self._set_status(status.found(servers, pis))
        elif self._status.kind is StatusKind.FOUND:
            # Everything went away again: say we are still looking.
            self._set_status(status.searching())
            self._restart_quiet_timer()

    # -- layer 1: DNS-SD browsing -------------------------------------------------------------

    def _start_browser(self) -> None:
        assert self._azc is not None
        self._browser = AsyncServiceBrowser(
            self._azc.zeroconf, list(SERVICE_TYPES), handlers=[self._on_service_change]
        )

    async def _stop_browser(self) -> None:
        if self._browser is not None:
            browser, self._browser = self._browser, None
            await browser.async_cancel()

    def _on_service_change(
        self,
        zeroconf: Zeroconf,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        # Called by zeroconf on the event loop; the work is async, so hand it to a task.
        if not self._running:
            return
        self._spawn(
            self._handle_change(service_type, name, state_change),
            name=f"discovery-resolve-{name[:40]}",
        )

    async def _handle_change(
        self, service_type: str, name: str, change: ServiceStateChange
    ) -> None:
        async with self._locks.setdefault((service_type, name), asyncio.Lock()):
            if change is ServiceStateChange.Removed:
                self._forget(service_type, name)
                # Names come and go on a busy LAN; do not keep a lock for each forever.
                self._locks.pop((service_type, name), None)
                return
            azc = self._azc
            if azc is None:
                return
            # A fresh ServiceInfo reads the records the update just put in the cache, and
            # asks the network for whatever is missing.
            info = AsyncServiceInfo(service_type, name)
            found = await info.async_request(azc.zeroconf, int(self.resolve_timeout * 1000))
            if not found:
                log.info("could not resolve %r in time", name[:100])
                return
            record = record_from_info(info)
            if service_type == ROOST_SERVICE:
                server = server_from_record(record)
                if server is None:
                    self._emit_all(self._state.remove_server(name))
                else:
                    self._emit_all(self._state.put_server(server))
            else:
                pi = pi_from_record(record)
                key = f"mdns:{name}"
                if pi is None:
                    self._emit_all(self._state.remove_sighting(key))
                else:
                    self._emit_all(self._state.put_sighting(key, pi))

    def _forget(self, service_type: str, name: str) -> None:
        if service_type == ROOST_SERVICE:
            self._emit_all(self._state.remove_server(name))
        else:
            self._emit_all(self._state.remove_sighting(f"mdns:{name}"))

    # -- layers 2 and 3: host names and probes ------------------------------------------------

    def _restart_fallback(self) -> None:
        if self._fallback is not None:
            self._fallback.cancel()
        self._fallback = self._spawn(self._run_fallback(), name="discovery-fallback")

    async def _run_fallback(self) -> None:
        prober = Prober(self._probe_timeout, self._max_parallel_probes)
        jobs: list[Coroutine[Any, Any, None]] = []
        names: dict[str, set[int]] = {h: set() for h in self.hostnames}
        for host, port in self.known_addresses:
            ip = normalize_ip(host)
            if ip:
                jobs.append(self._probe_address(prober, ip, {port}))
            elif name := normalize_hostname(host):
                names.setdefault(name, set()).add(port)
        for name, extra_ports in names.items():
            jobs.append(self._resolve_and_probe(prober, name, extra_ports))
        await asyncio.gather(*jobs)

    def _ports(self, extra: set[int]) -> set[int]:
        return {self.roost_port, self.ssh_port, *extra}

    def _sighting(
        self, hostname: str, addresses: Iterable[str], open_ports: set[int], source: Source
    ) -> DiscoveredPi:
        roost_ports = sorted(open_ports - {self.ssh_port})
        return DiscoveredPi(
            hostname=hostname,
            addresses=sorted_ips(addresses),
            ssh_port=self.ssh_port if self.ssh_port in open_ports else None,
            source=source,
            looks_like_pi=looks_like_pi(hostname),
            roost_port=roost_ports[0] if roost_ports else None,
        )

    async def _probe_address(self, prober: Prober, ip: str, extra_ports: set[int]) -> None:
        result = await prober.probe(ip, self._ports(extra_ports))
        key = f"probe:{ip}"
        if result.open_ports:
            pi = self._sighting("", [ip], set(result.open_ports), Source.PROBE)
            self._emit_all(self._state.put_sighting(key, pi))
        else:
            self._emit_all(self._state.remove_sighting(key))

    async def _resolve_and_probe(self, prober: Prober, hostname: str, extra: set[int]) -> None:
        addresses = await self._resolve_hostname(hostname)
        key = f"host:{hostname}"
        if not addresses:
            self._emit_all(self._state.remove_sighting(key))
            return
        results = await asyncio.gather(*(prober.probe(ip, self._ports(extra)) for ip in addresses))
        open_ports = {p for r in results for p in r.open_ports}
        pi = self._sighting(hostname, addresses, open_ports, Source.HOSTNAME)
        self._emit_all(self._state.put_sighting(key, pi))

    async def _resolve_hostname(self, hostname: str) -> list[str]:
        """Addresses of ``hostname``: by mDNS when it is a ``.local`` name and zeroconf runs,
        otherwise (or when mDNS has no answer for a non-.local name) by the system
        resolver, which on macOS and Windows also speaks mDNS."""
        is_local = hostname.endswith(".local")
        if self._azc is not None and is_local:
            resolver = AddressResolver(hostname + ".")
            if await resolver.async_request(self._azc.zeroconf, int(self.resolve_timeout * 1000)):
                return [*sorted_ips(resolver.parsed_scoped_addresses())]
            return []
        return await self._resolve_with_system(hostname)

    async def _resolve_with_system(self, hostname: str) -> list[str]:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.resolve_timeout):
                infos = await loop.getaddrinfo(hostname, None, proto=6)
        except (OSError, TimeoutError) as exc:
            log.info("could not resolve %s: %s", hostname, exc or "timed out")
            return []
        return [*sorted_ips(str(info[4][0]) for info in infos)]

    # -- the "nothing yet" hint ---------------------------------------------------------------

    def _restart_quiet_timer(self) -> None:
        if self._quiet is not None:
            self._quiet.cancel()
        self._quiet = self._spawn(self._quiet_timer(), name="discovery-quiet-timer")

    async def _quiet_timer(self) -> None:
        await asyncio.sleep(self.quiet_after)
        if self._status.kind is StatusKind.SEARCHING:
            self._set_status(status.nothing_yet())
