"""Browse ``_roost._tcp.local.`` on one interface and print one JSON line per event.

Run it where the test cannot go itself, e.g. in another network namespace::

    ip netns exec B python -m tests.helpers.mdns_browse 169.254.77.2 --timeout 20

Each line is ``{"event": "Added"|"Updated"|"Removed", "name": ..., "properties": {...},
"addresses": [...], "port": ...}`` (``Removed`` carries only the name), and the first line is
``{"event": "browsing", ...}`` once the browser is up. Always pinned to the given address:
it never multicasts on any other interface.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

SERVICE_TYPE = "_roost._tcp.local."
RESOLVE_TIMEOUT_MS = 3000


def emit(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line, sort_keys=True) + "\n")
    sys.stdout.flush()


def _decode(properties: dict[bytes, bytes | None]) -> dict[str, str | None]:
    return {
        k.decode("utf-8", "replace"): None if v is None else v.decode("utf-8", "replace")
        for k, v in properties.items()
    }


class Watcher:
    """Turns the browser's callbacks into JSON lines, resolving the record for Added/Updated."""

    def __init__(self, azc: AsyncZeroconf) -> None:
        self.azc = azc
        self.tasks: set[asyncio.Task[None]] = set()
        # Events for one name are printed in the order they happened, even though resolving
        # an Added may take longer than an Updated that follows it.
        self._locks: dict[str, asyncio.Lock] = {}

    def on_change(
        self,
        zeroconf: Zeroconf,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        task = asyncio.get_running_loop().create_task(self._report(name, state_change))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _report(self, name: str, change: ServiceStateChange) -> None:
        async with self._locks.setdefault(name, asyncio.Lock()):
            if change is ServiceStateChange.Removed:
                emit({"event": "Removed", "name": name})
                return
            # A fresh ServiceInfo reads the current records from the cache (which the update
            # that triggered this event has just refreshed) and asks the network for anything
            # missing.
            info = AsyncServiceInfo(SERVICE_TYPE, name)
            found = await info.async_request(self.azc.zeroconf, RESOLVE_TIMEOUT_MS)
            emit(
                {
                    "event": change.name,
                    "name": name,
                    "resolved": bool(found),
                    "properties": _decode(info.properties) if found else {},
                    "addresses": info.parsed_addresses() if found else [],
                    "port": info.port if found else None,
                }
            )


async def browse(address: str, seconds: float) -> int:
    azc = AsyncZeroconf(interfaces=[address], ip_version=IPVersion.V4Only)
    watcher = Watcher(azc)
    browser = AsyncServiceBrowser(azc.zeroconf, [SERVICE_TYPE], handlers=[watcher.on_change])
    emit({"event": "browsing", "address": address})
    try:
        await asyncio.sleep(seconds)
    finally:
        await browser.async_cancel()
        for task in list(watcher.tasks):
            task.cancel()
        await asyncio.gather(*watcher.tasks, return_exceptions=True)
        await azc.async_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("address", help="IPv4 address of the interface to browse on")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds, then exit 0")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(browse(args.address, args.timeout))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
