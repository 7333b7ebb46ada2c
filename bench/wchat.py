"""W-chat (WORKLOADS.md): 200 users in 20 groups of 10, an open-loop sender at stepped rates;
every other member must receive each message exactly once.

    python -m bench.wchat --rates 10,100,1000 --seconds 20 --out bench/results/wchat.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from pathlib import Path
from typing import Any

from bench.chat_load import BenchUser, ChatLoad
from bench.common import (
    CHEAP_HASHING,
    NO_SEND_LIMITS,
    Target,
    create_users,
    start_local,
    start_reference,
)
from bench.local_server import cpu_seconds, pin_generator, rss_bytes

USERS = 200
DEFAULT_RATES = [
    10,
    20,
    30,
    50,
    100,
    200,
    300,
    500,
    700,
    1000,
    1500,
    2000,
    3000,
    5000,
    7000,
    10000,
    15000,
    20000,
]


class ProcGauge:
    """Server CPU and RSS of a local server, from ``/proc``."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._cpu0 = 0.0
        self._t0 = 0.0

    def begin(self) -> None:
        self._cpu0, self._t0 = cpu_seconds(self.pid), time.time()

    def end(self) -> dict[str, Any]:
        cpu = cpu_seconds(self.pid) - self._cpu0
        return {
            "server_cpu_pct": round(100 * cpu / (time.time() - self._t0), 1),
            "server_rss_mib": round(rss_bytes(self.pid) / 2**20, 1),
        }


class Bench(ChatLoad):
    """W-chat's 200 users in 20 groups of 10 on a server started here."""

    def __init__(self, target: Target) -> None:
        super().__init__(target.ws_url, target.ctx)
        self.target = target

    async def setup_users(self) -> None:
        """200 users online, in 20 groups of 10."""
        users = await create_users(self.target, USERS)
        await self.setup([BenchUser(u["access_token"], u["user"]["id"]) for u in users])


SERVERS = ("roost", "reference", "reference-sqlite")


async def start(server: str, plain: bool) -> Target:
    if server == "roost":
        return await start_local({**CHEAP_HASHING, **NO_SEND_LIMITS}, plain=plain)
    return await start_reference(sqlite=server == "reference-sqlite", plain=plain)


async def run(
    rates: list[int], seconds: float, server: str = "roost", *, plain: bool = False
) -> dict[str, Any]:
    target = await start(server, plain)
    assert target.server is not None
    pid = target.server.pid
    results: list[dict[str, Any]] = []
    try:
        bench = Bench(target)
        await bench.setup_users()
        idle_rss = rss_bytes(pid) / 2**20
        for rate in rates:
            res = await bench.run_step(rate, seconds, ProcGauge(pid))
            res["idle_rss_mib_before_steps"] = round(idle_rss, 1)
            print(json.dumps(res), flush=True)
            results.append(res)
            if not res["holds"]:
                break
    finally:
        # In a thread: this loop must stay free to answer the server's close frames.
        await asyncio.to_thread(target.server.stop)
    return {
        "workload": "W-chat",
        "server": server,
        "transport": "ws" if plain else "wss",
        "generator_max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "steps": results,
    }


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rates", default=",".join(map(str, DEFAULT_RATES)))
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--server", choices=SERVERS, default="roost")
    p.add_argument("--plain", action="store_true", help="plain WebSocket on loopback, no TLS")
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    rates = [int(x) for x in a.rates.split(",")]
    pin_generator()
    result = asyncio.run(run(rates, a.seconds, a.server, plain=a.plain))
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
