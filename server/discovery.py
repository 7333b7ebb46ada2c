"""mDNS/DNS-SD advertisement of ``_roost._tcp.local.`` so the desktop app finds the server."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable

from zeroconf import InterfaceChoice, IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from server.protocol import PROTOCOL_VERSION
from server.runtime import Runtime, lan_addresses

log = logging.getLogger(__name__)

SERVICE_TYPE = "_roost._tcp.local."


def _fit(text: str, limit: int) -> str:
    """Cut to ``limit`` UTF-8 bytes without splitting a character: a DNS TXT string holds
    255 bytes with its key, and a name of 64 emoji is four times that."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[:limit].decode(errors="ignore")


def txt_record(rt: Runtime) -> dict[str, str]:
    """The TXT keys clients read: protocol version, id, name, state and TLS fingerprint."""
    return {
        "v": str(PROTOCOL_VERSION),
        "id": rt.server_id,
        "name": _fit(rt.name, 200),
        "state": rt.state,
        "fp": rt.fingerprint or "",
    }


class Advertiser:
    """Registers the service at start, re-announces when the name or state changes, and says
    goodbye at shutdown so browsers drop it at once rather than after the TTL."""

    def __init__(self, rt: Runtime, interfaces: list[str]) -> None:
        self.rt = rt
        self.interfaces = interfaces
        self._zc: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None
        self._unsubscribe: Callable[[], None] = lambda: None
        self._updates: set[asyncio.Task[None]] = set()

    def _addresses(self) -> list[str]:
        if self.interfaces:
            return list(self.interfaces)
        host = self.rt.settings.host
        if host not in ("0.0.0.0", "::"):  # noqa: S104 - comparing, not binding
            return [host]
        return lan_addresses() or ["127.0.0.1"]

    def _build_info(self) -> AsyncServiceInfo:
        return AsyncServiceInfo(
            SERVICE_TYPE,
            f"roost-{self.rt.server_id[:12]}.{SERVICE_TYPE}",
            addresses=[ipaddress.ip_address(a).packed for a in self._addresses()],
            port=self.rt.bound_port,
            properties=txt_record(self.rt),
            server=f"{socket.gethostname() or 'roost'}.local.",
        )

    async def start(self) -> None:
        if self.interfaces:
            self._zc = AsyncZeroconf(interfaces=self.interfaces, ip_version=IPVersion.V4Only)
        else:
            self._zc = AsyncZeroconf(interfaces=InterfaceChoice.All, ip_version=IPVersion.V4Only)
        self._info = self._build_info()
        # zeroconf's register/update/unregister return once the records are in its registry;
        # the announcements themselves go out in a task they hand back, which must be awaited.
        announced = await self._zc.async_register_service(self._info)
        await announced
        self._unsubscribe = self.rt.on_state_change(self._on_change)
        log.info("advertising %s on %s", SERVICE_TYPE, ", ".join(self._addresses()))

    def _on_change(self) -> None:
        task = asyncio.get_running_loop().create_task(self.update(), name="mdns-update")
        self._updates.add(task)
        task.add_done_callback(self._updates.discard)

    async def update(self) -> None:
        if self._zc is None:
            return
        self._info = self._build_info()
        # Awaited so that stop() (which waits for in-flight updates) never lets a late
        # re-announcement follow the goodbye and bring the record back in browsers' caches.
        announced = await self._zc.async_update_service(self._info)
        await announced
        log.info("mDNS record updated: state=%s", self.rt.state)

    async def stop(self) -> None:
        self._unsubscribe()
        if self._updates:
            await asyncio.gather(*self._updates, return_exceptions=True)
        if self._zc is not None:
            if self._info is not None:
                # The goodbye (TTL 0) is sent by the returned task; closing before it has run
                # would drop it, and browsers would keep showing the server until the TTL ends.
                goodbye = await self._zc.async_unregister_service(self._info)
                await goodbye
            await self._zc.async_close()
            self._zc = None
