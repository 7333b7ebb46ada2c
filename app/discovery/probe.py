"""TCP probes: does anything answer on the Roost port or the SSH port of an address?

The last layer of discovery, for networks where multicast is filtered: a connection that
opens says "something listens here", nothing more (what it is, is for the pinned HTTPS
request or the SSH installer to find out).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """Which of the probed ports of one address accepted a connection.

    Attributes:
        host: the address probed.
        open_ports: the ports that answered.
    """

    host: str
    open_ports: frozenset[int]


async def port_open(host: str, port: int, wait_s: float) -> bool:
    """Whether a TCP connection to ``host:port`` opens within ``wait_s`` seconds."""
    try:
        async with asyncio.timeout(wait_s):
            _, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError) as exc:
        log.debug("probe %s:%d: %s", host, port, exc or type(exc).__name__)
        return False
    writer.close()
    # The peer may reset at once (an SSH server that dislikes silent clients): still "open".
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


class Prober:
    """Probes addresses with a bound on how many connections are in flight at once, so a
    long list of remembered addresses never floods a home router."""

    def __init__(self, timeout: float, max_parallel: int) -> None:
        self.timeout = timeout
        self._slots = asyncio.Semaphore(max_parallel)

    async def _one(self, host: str, port: int) -> bool:
        async with self._slots:
            return await port_open(host, port, self.timeout)

    async def probe(self, host: str, ports: Iterable[int]) -> ProbeResult:
        """Try every port of one address (concurrently, within the bound)."""
        wanted = sorted(set(ports))
        answers = await asyncio.gather(*(self._one(host, p) for p in wanted))
        return ProbeResult(host, frozenset(p for p, ok in zip(wanted, answers, strict=True) if ok))
