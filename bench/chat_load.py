"""W-chat's load generator: members in groups, an open-loop sender, and the per-step figures.

Shared by the local bench (bench/wchat.py), the remote bench (bench/remote.py) and the desktop
app's capacity check (app/capacity), so it needs only the standard library (bench/rawws.py):
the desktop app is installed without httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import json
import math
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bench.rawws import RawWebSocket, connect

GROUP = 10


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def open_session(
    ws_url: str, ctx: ssl.SSLContext | None, access_token: str, *, sync: bool = True
) -> RawWebSocket:
    """An authenticated (and, with ``sync``, online) WebSocket session."""
    ws = await connect(ws_url, ctx)
    await ws.recv()
    ws.send(json.dumps({"type": "auth", "access_token": access_token}))
    reply = json.loads(await ws.recv())
    if reply["type"] != "auth_ok":
        await ws.close()
        raise RuntimeError(f"auth failed: {reply}")
    if sync:
        ws.send(json.dumps({"id": 1, "type": "sync", "recent": 0}))
        while json.loads(await ws.recv()).get("type") != "result":
            pass
    return ws


def ms(seconds: float) -> float | None:
    """Milliseconds for a report; None where nothing was measured (JSON has no NaN)."""
    return None if math.isnan(seconds) else round(seconds * 1000, 2)


class Gauge(Protocol):
    """Server figures for one step: ``begin`` when it starts, ``end`` for its figures."""

    def begin(self) -> None: ...

    def end(self) -> dict[str, Any]: ...


@dataclass
class Step:
    rate: int
    sent: int = 0
    acked: int = 0
    errors: int = 0
    rate_limited: int = 0
    expected: int = 0
    received: dict[int, int] = field(default_factory=dict)  # msg id -> deliveries
    latencies: list[float] = field(default_factory=list)
    ack_latencies: list[float] = field(default_factory=list)


class Member:
    def __init__(self, index: int, ws: RawWebSocket, conv: int) -> None:
        self.index = index
        self.ws = ws
        self.conv = conv
        self.next_id = 10
        self.pending: dict[int, tuple[int, float]] = {}  # command id -> (msg id, send time)


@dataclass(frozen=True, slots=True)
class BenchUser:
    """A user the generator drives: its access token and id."""

    access_token: str
    user_id: int


class ChatLoad:
    """Users online in groups of ``GROUP``, and the open-loop sender of WORKLOADS' W-chat.

    Args:
        ws_url: the server's ``wss://…/api/v1/ws``.
        ctx: the TLS context (None for plain WebSocket on loopback).
    """

    def __init__(self, ws_url: str, ctx: ssl.SSLContext | None) -> None:
        self.ws_url = ws_url
        self.ctx = ctx
        self.members: list[Member] = []
        self.conversations: list[int] = []
        self.step: Step | None = None
        # Message ids (and so client_ids) never repeat within a run: a repeated client_id is
        # a resend to the server, acknowledged again and delivered to nobody.
        self._last_mid = 0

    async def setup(
        self, users: list[BenchUser], *, on_progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Brings ``users`` online and makes a group of each ``GROUP`` of them (the first one
        creates it); a remainder smaller than a group is left out."""
        count = len(users) - len(users) % GROUP
        conns: list[RawWebSocket] = []
        try:
            for i, u in enumerate(users[:count]):
                conns.append(await open_session(self.ws_url, self.ctx, u.access_token))
                if on_progress is not None:
                    on_progress(i + 1, count)
            for g in range(count // GROUP):
                lead = conns[g * GROUP]
                ids = [users[g * GROUP + k].user_id for k in range(1, GROUP)]
                lead.send(
                    json.dumps(
                        {
                            "id": 2,
                            "type": "conversation/create_group",
                            "name": f"bench group {g}",
                            "member_ids": ids,
                        }
                    )
                )
                while (reply := json.loads(await lead.recv())).get("type") != "result":
                    pass
                if not reply.get("success", False):
                    raise RuntimeError(f"could not create a group: {reply.get('error')}")
                conv = reply["result"]["id"]
                self.conversations.append(conv)
                self.members += [
                    Member(g * GROUP + k, conns[g * GROUP + k], conv) for k in range(GROUP)
                ]
        except BaseException:
            for ws in conns:
                with contextlib.suppress(Exception):
                    await ws.close()
            raise
        # the created events were pushed to the other members: drain them before measuring
        await asyncio.sleep(0.5)
        for m in self.members:
            m.ws.take_frames(functools.partial(self._consume, m))

    async def close(self) -> None:
        """Closes every session."""
        await asyncio.gather(*(m.ws.close() for m in self.members), return_exceptions=True)

    # Frames are picked apart with string operations, not parsed: at 100 000 deliveries a second
    # json.loads alone would make the generator, not the server, the bottleneck.
    def _consume(self, m: Member, raw: str, now: float) -> None:
        step = self.step
        if step is None:
            return
        if raw.startswith('{"type":"event"'):
            if '"kind":"message"' not in raw:
                return
            i = raw.index('"text":"') + 8
            j = raw.index(" ", i)
            k = raw.index(" ", j + 1)
            mid = int(raw[i:j])
            received = step.received
            received[mid] = received.get(mid, 0) + 1
            step.latencies.append(now - float(raw[j + 1 : k]))
        elif raw.startswith('{"id":'):
            end = raw.index(",", 6)
            pending = m.pending.pop(int(raw[6:end]), None)
            if pending is None:
                return
            if raw.startswith('"type":"result","success":true', end + 1):
                step.acked += 1
                step.ack_latencies.append(now - pending[1])
            else:
                # A refused send is not stored, so nobody is owed its deliveries.
                step.errors += 1
                step.expected -= GROUP - 1
                if '"rate_limited"' in raw:
                    step.rate_limited += 1

    async def run_step(
        self,
        rate: int,
        seconds: float,
        gauge: Gauge | None = None,
        *,
        drain_s: float = 10.0,
        pause_s: float = 3.0,
        freeze_gc: bool = True,
    ) -> dict[str, Any]:
        """One step of the ladder: ``rate`` messages a second for ``seconds``, then up to
        ``drain_s`` for the last deliveries and a pause of ``pause_s``.

        Args:
            gauge: the server's figures (``/proc`` locally, admin metrics remotely).
            freeze_gc: keep the collector out of the measurement (WORKLOADS.md). The desktop
                app passes False: it collects only on its GUI thread (ui/gc_main_thread.py).
        """
        step = Step(rate)
        self.step = step
        total = int(rate * seconds)
        rng = random.Random(rate)
        if gauge is not None:
            gauge.begin()
        gen0 = time.process_time()
        if freeze_gc:
            gc.collect()
            gc.freeze()
            gc.disable()
        t0 = time.time() + 0.05
        send_end = t0
        mid = self._last_mid
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
                m.ws.send(
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
            deadline = send_end + drain_s
            while time.time() < deadline:
                if (
                    sum(step.received.values()) >= step.expected
                    and step.acked + step.errors >= step.sent
                ):
                    break
                await asyncio.sleep(0.05)
        finally:
            self._last_mid = mid
            if freeze_gc:
                gc.enable()
                gc.unfreeze()
            self.step = None
        elapsed = max(send_end - t0, 1e-9)
        gen_cpu = time.process_time() - gen0
        delivered = sum(min(c, GROUP - 1) for c in step.received.values())
        dups = sum(max(0, c - (GROUP - 1)) for c in step.received.values())
        lat = step.latencies
        result: dict[str, Any] = {
            "rate": rate,
            "seconds": seconds,
            "sent": step.sent,
            "acked": step.acked,
            "send_errors": step.errors,
            "rate_limited": step.rate_limited,
            "expected_deliveries": step.expected,
            "delivered": delivered,
            "lost": step.expected - delivered,
            "duplicates": dups,
            "deliveries_per_s": round(delivered / elapsed, 1),
            "p50_ms": ms(percentile(lat, 0.50)),
            "p95_ms": ms(percentile(lat, 0.95)),
            "p99_ms": ms(percentile(lat, 0.99)),
            "max_ms": round(max(lat) * 1000, 2) if lat else None,
            "ack_p50_ms": ms(percentile(step.ack_latencies, 0.5)),
            "ack_p99_ms": ms(percentile(step.ack_latencies, 0.99)),
            "server_cpu_pct": None,
            "server_rss_mib": None,
            **(gauge.end() if gauge is not None else {}),
            "generator_cpu_pct": round(100 * gen_cpu / (time.time() - t0), 1),
        }
        p99 = percentile(lat, 0.99)
        result["holds"] = (
            bool(lat) and p99 <= 1.0 and delivered >= 0.95 * step.expected and not step.errors
        )
        await asyncio.sleep(pause_s)
        return result
