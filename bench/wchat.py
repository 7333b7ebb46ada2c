"""W-chat (WORKLOADS.md): 200 users in 20 groups of 10, an open-loop sender at stepped rates;
every other member must receive each message exactly once.

    python -m bench.wchat --rates 10,100,1000 --seconds 20 --out bench/results/wchat.json
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import resource
import ssl
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.local_server import LocalServer, cpu_seconds, rss_bytes

USERS = 200
GROUP = 10
PASSWORD = "bench password 1"
DEFAULT_RATES = [10, 20, 30, 50, 100, 200, 300, 500, 700, 1000, 1500, 2000, 3000, 5000,
                 7000, 10000, 15000, 20000]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


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
    def __init__(self, index: int, ws: ClientConnection, group: int, conv: int) -> None:
        self.index = index
        self.ws = ws
        self.group = group
        self.conv = conv
        self.next_id = 1
        self.pending: dict[int, tuple[int, float]] = {}  # command id -> (msg id, send time)


class Bench:
    def __init__(self, base_url: str, ctx: ssl.SSLContext) -> None:
        self.base_url = base_url
        self.ctx = ctx
        self.members: list[Member] = []
        self.step: Step | None = None
        self.readers: list[asyncio.Task[None]] = []

    async def setup(self, http: httpx.AsyncClient, owner_token: str) -> None:
        h = {"Authorization": f"Bearer {owner_token}"}
        tokens: list[tuple[int, str]] = []
        for i in range(USERS):
            inv = (await http.post("/api/v1/admin/invites", json={}, headers=h)).json()
            r = await http.post("/api/v1/auth/register", json={
                "invite": inv["token"], "username": f"user{i:03d}", "display_name": f"User {i}",
                "password": PASSWORD,
            })
            r.raise_for_status()
            tokens.append((r.json()["user"]["id"], r.json()["access_token"]))
        url = self.base_url.replace("https://", "wss://") + "/api/v1/ws"
        conns: list[ClientConnection] = []
        for _uid, token in tokens:
            ws = await connect(url, ssl=self.ctx, max_size=None, compression=None)
            await ws.recv()
            await ws.send(json.dumps({"type": "auth", "access_token": token}))
            assert json.loads(await ws.recv())["type"] == "auth_ok"
            conns.append(ws)
        convs = []
        for g in range(USERS // GROUP):
            lead = conns[g * GROUP]
            ids = [tokens[g * GROUP + k][0] for k in range(1, GROUP)]
            await lead.send(json.dumps({"id": 1, "type": "conversation/create_group",
                                        "name": f"group {g}", "member_ids": ids}))
            convs.append(json.loads(await lead.recv())["result"]["id"])
        for i, ws in enumerate(conns):
            m = Member(i, ws, i // GROUP, convs[i // GROUP])
            m.next_id = 10
            await ws.send(json.dumps({"id": 2 if i % GROUP == 0 else 1, "type": "sync", "recent": 0}))
            while json.loads(await ws.recv()).get("type") != "result":
                pass
            m.next_id = 10
            self.members.append(m)
        self.readers = [asyncio.create_task(self._read(m)) for m in self.members]

    async def _read(self, m: Member) -> None:
        async for raw in m.ws:
            now = time.time()
            step = self.step
            if step is None:
                continue
            frame = json.loads(raw)
            if frame["type"] == "event":
                ev = frame["event"]
                if ev.get("kind") != "message":
                    continue
                text = ev["content"]["text"]
                msg_id, sent_at, _ = text.split(" ", 2)
                mid = int(msg_id)
                step.received[mid] = step.received.get(mid, 0) + 1
                step.latencies.append(now - float(sent_at))
            elif frame["type"] == "result":
                pending = m.pending.pop(frame["id"], None)
                if pending is None:
                    continue
                if frame["success"]:
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
                await m.ws.send(json.dumps({"id": cid, "type": "message/send",
                                            "conversation_id": m.conv,
                                            "client_id": f"b{mid}", "text": body}))
            send_end = time.time()
            deadline = send_end + 10
            while time.time() < deadline:
                if sum(step.received.values()) >= step.expected and step.acked + step.errors >= step.sent:
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
            "p50_ms": round(_pct(lat, 0.50) * 1000, 2),
            "p95_ms": round(_pct(lat, 0.95) * 1000, 2),
            "p99_ms": round(_pct(lat, 0.99) * 1000, 2),
            "max_ms": round(max(lat) * 1000, 2) if lat else None,
            "ack_p50_ms": round(_pct(step.ack_latencies, 0.5) * 1000, 2),
            "ack_p99_ms": round(_pct(step.ack_latencies, 0.99) * 1000, 2),
            "server_cpu_pct": round(100 * server_cpu / (time.time() - t0), 1) if server_cpu is not None else None,
            "server_rss_mib": round(rss_bytes(server_pid) / 2**20, 1) if server_pid else None,
            "generator_cpu_pct": round(100 * gen_cpu / (time.time() - t0), 1),
        }
        result["holds"] = bool(lat) and result["p99_ms"] <= 1000 and delivered >= 0.95 * step.expected
        self.step = None
        await asyncio.sleep(3)
        return result


async def run(rates: list[int], seconds: float, out: Path | None) -> list[dict[str, Any]]:
    server = LocalServer(env={
        "ROOST_ARGON2_TIME_COST": "1", "ROOST_ARGON2_MEMORY_KIB": "8",
        "ROOST_ARGON2_PARALLELISM": "1",
        "ROOST_SEND_RATE_PER_S": "1000000", "ROOST_SEND_BURST": "1000000",
        "ROOST_WS_QUEUE_FRAMES": "1000000",
    })
    server.start()
    results: list[dict[str, Any]] = []
    try:
        ctx = ssl.create_default_context(cadata=server.cert_path().read_text())
        async with httpx.AsyncClient(base_url=server.base_url, verify=ctx, timeout=60) as http:
            r = await http.post("/api/v1/setup/claim", json={
                "setup_code": server.setup_code(), "server_name": "bench",
                "admin": {"username": "admin", "display_name": "Admin", "password": PASSWORD},
            })
            r.raise_for_status()
            bench = Bench(server.base_url, ctx)
            await bench.setup(http, r.json()["tokens"]["access_token"])
        idle_rss = rss_bytes(server.pid) / 2**20
        for rate in rates:
            res = await bench.run_step(rate, seconds, server.pid)
            res["idle_rss_mib_before_steps"] = round(idle_rss, 1)
            print(json.dumps(res), flush=True)
            results.append(res)
            if not res["holds"]:
                break
    finally:
        server.stop()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"workload": "W-chat", "at": time.time(),
                                   "generator_max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                   "steps": results}, indent=2))
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rates", default=",".join(map(str, DEFAULT_RATES)))
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    asyncio.run(run([int(x) for x in a.rates.split(",")], a.seconds, a.out))


if __name__ == "__main__":
    main()
