"""W-idle (WORKLOADS.md): memory per connected user. Users connect and authenticate
cumulatively up to N (50 handshakes in flight); wait 5 s; sample RSS; wait 10 s; sample idle CPU.

    python -m bench.widle --counts 500,1000,2000 --out bench/results/widle.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from pathlib import Path
from typing import Any

from bench.common import CHEAP_HASHING, create_users, open_session, start_local
from bench.local_server import cpu_seconds, pin_generator, rss_bytes


async def run(counts: list[int], *, settle_s: float = 5.0, idle_s: float = 10.0) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * max(counts) + 100)), hard))
    target = await start_local(CHEAP_HASHING)
    assert target.server is not None
    pid = target.server.pid
    try:
        users = await create_users(target, max(counts))
        await asyncio.sleep(2)
        base_rss = rss_bytes(pid)
        sessions: list[Any] = []
        steps = []
        sem = asyncio.Semaphore(50)

        async def connect(token: str) -> Any:
            async with sem:
                return await open_session(target, token)

        for n in counts:
            new = users[len(sessions) : n]
            sessions += await asyncio.gather(*(connect(u["access_token"]) for u in new))
            await asyncio.sleep(settle_s)
            rss = rss_bytes(pid)
            cpu0, t0 = cpu_seconds(pid), time.monotonic()
            await asyncio.sleep(idle_s)
            idle_cpu = 100 * (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
            step = {
                "connections": n,
                "rss_mib": round(rss / 2**20, 1),
                "kib_per_connection": round((rss - base_rss) / 1024 / n, 1),
                "idle_cpu_pct": round(idle_cpu, 2),
            }
            print(json.dumps(step), flush=True)
            steps.append(step)
        for ws in sessions:
            await ws.close()
        return {
            "workload": "W-idle",
            "rss_before_clients_mib": round(base_rss / 2**20, 1),
            "steps": steps,
        }
    finally:
        # In a thread: this loop must stay free to answer the server's close frames.
        await asyncio.to_thread(target.server.stop)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--counts", default="500,1000,2000")
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    pin_generator()
    result = asyncio.run(run([int(x) for x in a.counts.split(",")]))
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
