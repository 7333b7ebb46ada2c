"""W-chat (WORKLOADS.md): 200 users in 20 groups of 10, an open-loop sender at stepped rates;
every other member must receive each message exactly once.

    python -m bench.wchat --rates 10,100,1000 --seconds 20 --out bench/results/wchat.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import random
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from bench.common import (
    CHEAP_HASHING,
    NO_SEND_LIMITS,
    Target,
    create_users,
    open_session,
    percentile,
    start_local,
    start_reference,
)
from bench.local_server import cpu_seconds, rss_bytes

USERS = 200
GROUP = 10
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


@dataclass
class Step:
    rate: int
    sent: int = 0
    acked: int = 0
    errors: int = 0
    expected: int = 0
    received: dict[int, int] = field(default_factory=dict)  # msg id -> deliveries
    latencies: list[float] = field(default_factory=list)
    ack_latencies: list[float] = field(default_factory=list)


class Member:
    def __init__(self, index: int, ws: ClientConnection, conv: int) -> None:
        self.index = index
        self.ws = ws
        self.conv = conv
        self.next_id = 10
        self.pending: dict[int, tuple[int, float]] = {}  # command id -> (msg id, send time)


class Bench:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.members: list[Member] = []
        self.step: Step | None = None
        self.readers: list[asyncio.Task[None]] = []

    async def setup(self) -> None:
        """200 users online, in 20 groups of 10."""
        users = await create_users(self.target, USERS)
        conns = [await open_session(self.target, u["access_token"]) for u in users]
        for g in range(USERS // GROUP):
            lead = conns[g * GROUP]
            ids = [users[g * GROUP + k]["user"]["id"] for k in range(1, GROUP)]
            await lead.send(
                json.dumps(
                    {
                        "id": 2,
                        "type": "conversation/create_group",
                        "name": f"group {g}",
                        "member_ids": ids,
                    }
                )
            )
            while (reply := json.loads(await lead.recv())).get("type") != "result":
                pass
            conv = reply["result"]["id"]
            self.members += [
                Member(g * GROUP + k, conns[g * GROUP + k], conv) for k in range(GROUP)
            ]
        # the created events were pushed to the other members: drain them before measuring
        await asyncio.sleep(0.5)
        self.readers = [asyncio.create_task(self._read(m)) for m in self.members]

    async def _read(self, m: Member) -> None:
        # The server going away at the end of a run is expected: the reader just ends.
        with contextlib.suppress(ConnectionClosed):
            await self._consume(m)

    async def _consume(self, m: Member) -> None:
        # Frames are picked apart with string operations, not parsed: at 100 000 deliveries a
        # second json.loads alone would make the generator, not the server, the bottleneck.
        for_me = '"kind":"message"'
        text_at = '"text":"'
        async for raw in m.ws:
            now = time.time()
            step = self.step
            if step is None or not isinstance(raw, str):
                continue
            if raw.startswith('{"type":"event"'):
                if for_me not in raw:
                    continue
                i = raw.index(text_at) + len(text_at)
                j = raw.index(" ", i)
                k = raw.index(" ", j + 1)
                mid = int(raw[i:j])
                step.received[mid] = step.received.get(mid, 0) + 1
                step.latencies.append(now - float(raw[j + 1 : k]))
            elif raw.startswith('{"id":'):
                end = raw.index(",", 6)
                pending = m.pending.pop(int(raw[6:end]), None)
                if pending is None:
                    continue
                if raw.startswith('"type":"result","success":true', end + 1):
                    step.acked += 1
                    step.ack_latencies.append(now - pending[1])
                else:
                    step.errors += 1

    async def run_step(self, rate: int, seconds: float, server_pid: int | None) -> dict[str, Any]:
        step = Step(rate)
        self.step = step
        total = int(rate * seconds)
        rng = random.Random(rate)
        cpu0 = cpu_seconds(server_pid) if server_pid else 0.0
        gen0 = time.process_time()
        gc.collect()
        gc.freeze()
        gc.disable()
        t0 = time.time() + 0.05
        mid = rate * 1_000_000
        try:
            for j in range(total):
                due = t0 + j / rate
                delay = due - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                m = self.members[rng.randrange(len(self.members))]
                mid += 1
                sent_at = time.time()
                head = f"{mid} {sent_at:.6f} "
                body = head + "x" * (100 - len(head))
                cid = m.next_id
                m.next_id += 1
                m.pending[cid] = (mid, sent_at)
                step.sent += 1
                step.expected += GROUP - 1
                await m.ws.send(
                    json.dumps(
                        {
                            "id": cid,
                            "type": "message/send",
                            "conversation_id": m.conv,
                            "client_id": f"b{mid}",
                            "text": body,
                        }
                    )
                )
            send_end = time.time()
            deadline = send_end + 10
            while time.time() < deadline:
                if (
                    sum(step.received.values()) >= step.expected
                    and step.acked + step.errors >= step.sent
                ):
                    break
                await asyncio.sleep(0.05)
        finally:
            gc.enable()
            gc.unfreeze()
        elapsed = max(send_end - t0, 1e-9)
        server_cpu = (cpu_seconds(server_pid) - cpu0) if server_pid else None
        gen_cpu = time.process_time() - gen0
        delivered = sum(min(c, GROUP - 1) for c in step.received.values())
        dups = sum(max(0, c - (GROUP - 1)) for c in step.received.values())
        lat = step.latencies
        result = {
            "rate": rate,
            "seconds": seconds,
            "sent": step.sent,
            "acked": step.acked,
            "send_errors": step.errors,
            "expected_deliveries": step.expected,
            "delivered": delivered,
            "lost": step.expected - delivered,
            "duplicates": dups,
            "deliveries_per_s": round(delivered / elapsed, 1),
            "p50_ms": round(percentile(lat, 0.50) * 1000, 2),
            "p95_ms": round(percentile(lat, 0.95) * 1000, 2),
            "p99_ms": round(percentile(lat, 0.99) * 1000, 2),
            "max_ms": round(max(lat) * 1000, 2) if lat else None,
            "ack_p50_ms": round(percentile(step.ack_latencies, 0.5) * 1000, 2),
            "ack_p99_ms": round(percentile(step.ack_latencies, 0.99) * 1000, 2),
            "server_cpu_pct": round(100 * server_cpu / (time.time() - t0), 1)
            if server_cpu is not None
            else None,
            "server_rss_mib": round(rss_bytes(server_pid) / 2**20, 1) if server_pid else None,
            "generator_cpu_pct": round(100 * gen_cpu / (time.time() - t0), 1),
        }
        p99 = percentile(lat, 0.99)
        result["holds"] = bool(lat) and p99 <= 1.0 and delivered >= 0.95 * step.expected
        self.step = None
        await asyncio.sleep(3)
        return result


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
        await bench.setup()
        idle_rss = rss_bytes(pid) / 2**20
        for rate in rates:
            res = await bench.run_step(rate, seconds, pid)
            res["idle_rss_mib_before_steps"] = round(idle_rss, 1)
            print(json.dumps(res), flush=True)
            results.append(res)
            if not res["holds"]:
                break
    finally:
        target.server.stop()
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
    result = asyncio.run(run(rates, a.seconds, a.server, plain=a.plain))
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
