"""The delivery invariants of DESIGN.md ("Delivery and offline messages"), end to end with a real
server and real WebSocket clients:

- chaos: many users send while their connections drop and come back; everyone ends up holding
  the same gapless history, every acknowledged message exactly once;
- ``kill -9`` mid-burst: every acknowledged message survives with the seq it was acknowledged
  with, and resending the unacknowledged ones stores each exactly once;
- offline catch-up: a member who was away gets what they missed, in order, once, before the
  sync's result, then live events; the sender's other devices get its messages, the sending
  connection does not;
- a removed member hears of the removal and then nothing more; a stranger sees nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from ssl import SSLContext
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.helpers.delivery import (
    add_user_over_http,
    claim_over_http,
    free_port,
    full_history,
)
from tests.helpers.proc import server_process, wait_for_banner
from tests.helpers.server import Session, make_settings, pinned_context, running
from tests.helpers.ws import CommandFailed, WsClient

log = logging.getLogger(__name__)

# What a connection drop looks like to a command in flight: its result never comes.
LOST = (ConnectionError, ConnectionClosed, TimeoutError)

# (kind, sender_id, client_id, text): what two holders of one event must agree on.
Held = tuple[str, int | None, str | None, str | None]


def held_form(event: dict[str, Any]) -> Held:
    content = event.get("content") or {}
    return (event["kind"], event["sender_id"], event["client_id"], content.get("text"))


def seq_events(client: WsClient, conversation_id: int) -> list[dict[str, Any]]:
    """The stored events (those with a seq) of one conversation, in arrival order."""
    return client.messages(conversation_id)


async def open_synced(
    base_url: str, session: Session, ctx: SSLContext, cursors: dict[int, int] | None = None
) -> WsClient:
    client = await WsClient.open(base_url, session.access_token, ctx)
    await client.call("sync", cursors=cursors or {}, recent=50)
    return client


async def close_all(*clients: WsClient) -> None:
    for c in clients:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(c.close(), 10)


# --- 1. chaos ------------------------------------------------------------------------------


@dataclass
class Link:
    """One connection of a chaos user, as the client saw it."""

    cursors: dict[int, int]
    events: list[dict[str, Any]] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)  # client_ids sent on this connection
    first_sent: set[str] = field(default_factory=set)  # ... for the first time


class ChaosUser:
    """A client that sends, loses its connection, reconnects with its cursors and resends what
    was never acknowledged, keeping what it holds as a real client's cache would."""

    def __init__(
        self,
        session: Session,
        conversations: list[int],
        base_url: str,
        ctx: SSLContext,
        rng: random.Random,
    ) -> None:
        self.session = session
        self.me = session.user_id
        self.conversations = conversations
        self.base_url = base_url
        self.ctx = ctx
        self.rng = rng
        self.held: dict[int, dict[int, Held]] = {c: {} for c in conversations}
        self.pending: dict[str, tuple[int, str]] = {}  # client_id -> (conversation, text)
        self.acked: dict[str, tuple[int, int]] = {}  # client_id -> (conversation, seq)
        self.sent_to: dict[str, int] = {}  # every client_id ever sent -> conversation
        self.links: list[Link] = []
        self.problems: list[str] = []
        self.counts: dict[str, int] = defaultdict(int)
        self._n = 0

    # -- what the client holds --

    def cursor(self, conv: int) -> int:
        """The highest seq held with everything below it held too."""
        held, c = self.held[conv], 0
        while c + 1 in held:
            c += 1
        return c

    def hold(self, conv: int, seq: int, value: Held, how: str) -> None:
        before = self.held[conv].setdefault(seq, value)
        if before != value:
            self.problems.append(f"{how}: {conv}:{seq} was {before}, now {value}")

    def absorb(self, client: WsClient, link: Link) -> None:
        for e in client.events:
            conv = e.get("conversation_id")
            if "seq" in e and conv in self.held:
                link.events.append(e)
                self.hold(conv, e["seq"], held_form(e), "event")

    # -- connections --

    async def connect(self) -> tuple[WsClient, Link] | None:
        link = Link(cursors={c: self.cursor(c) for c in self.conversations})
        try:
            client = await WsClient.open(self.base_url, self.session.access_token, self.ctx)
        except (OSError, *LOST) as exc:
            self.problems.append(f"connect: {exc!r}")
            return None
        self.links.append(link)
        try:
            await client.call("sync", cursors=link.cursors, recent=0)
        except LOST:
            self.counts["lost during sync"] += 1  # closed as too slow, say; try again
            await close_all(client)
            self.absorb(client, link)
            return None
        return client, link

    async def send(self, client: WsClient, link: Link, client_id: str) -> None:
        conv, text = self.pending[client_id]
        if client_id not in self.sent_to:
            link.first_sent.add(client_id)
        self.sent_to[client_id] = conv
        link.sent.add(client_id)
        try:
            frame = await client.request(
                "message/send", conversation_id=conv, client_id=client_id, text=text
            )
        except LOST:
            self.counts["unacknowledged"] += 1
            return  # stays pending: resent after reconnecting
        if not frame["success"]:
            self.problems.append(f"send {client_id} failed: {frame['error']}")
            return
        ack = frame["result"]
        if ack["conversation_id"] != conv:
            self.problems.append(f"ack for {client_id} names {ack['conversation_id']}")
        if client_id in self.acked and self.acked[client_id] != (conv, ack["seq"]):
            self.problems.append(f"{client_id} acked as {self.acked[client_id]} and {ack}")
        if ack["duplicate"]:
            self.counts["duplicate acks"] += 1
        self.acked[client_id] = (conv, ack["seq"])
        self.pending.pop(client_id, None)
        self.hold(conv, ack["seq"], ("message", self.me, client_id, text), "ack")

    def new_message(self) -> str:
        self._n += 1
        client_id = uuid.uuid4().hex
        conv = self.rng.choice(self.conversations)
        self.pending[client_id] = (conv, f"{self.session.username} #{self._n} ✓")
        return client_id

    async def _drain(self, tasks: set[asyncio.Task[None]]) -> None:
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=15)
            for t in late:
                self.problems.append("a send outlived its connection by 15 s")
                t.cancel()

    async def chaos(self, until: float) -> None:
        while time.monotonic() < until:
            opened = await self.connect()
            if opened is None:
                continue
            client, link = opened
            self.counts["connections"] += 1
            tasks = {asyncio.create_task(self.send(client, link, c)) for c in list(self.pending)}
            self.counts["resends"] += len(tasks)
            life_ends = min(until, time.monotonic() + self.rng.uniform(0.2, 1.5))
            while time.monotonic() < life_ends and not client.closed.done():
                await asyncio.sleep(self.rng.uniform(0.03, 0.2))
                for _ in range(self.rng.choice((1, 1, 1, 2, 3, 8))):
                    tasks.add(asyncio.create_task(self.send(client, link, self.new_message())))
            # Drop the connection, often with sends still in flight.
            if self.rng.random() < 0.5:
                self.counts["aborts"] += 1
                client.ws.transport.abort()  # a pulled cable: no close handshake
            else:
                self.counts["closes"] += 1
            await close_all(client)
            await self._drain(tasks)
            self.absorb(client, link)

    async def settle(self) -> None:
        """Reconnect and resend until everything sent is acknowledged."""
        for _ in range(5):
            if not self.pending:
                return
            opened = await self.connect()
            if opened is None:
                continue
            client, link = opened
            tasks = {asyncio.create_task(self.send(client, link, c)) for c in list(self.pending)}
            self.counts["resends"] += len(tasks)
            await self._drain(tasks)
            await close_all(client)
            self.absorb(client, link)
        self.problems.append(f"still unacknowledged: {sorted(self.pending)}")

    async def final_sync(self) -> None:
        opened = await self.connect()
        if opened is None:
            self.problems.append("the final sync failed")
            return
        client, link = opened
        await close_all(client)
        self.absorb(client, link)


def check_links(user: ChaosUser, canonical: dict[int, dict[int, dict[str, Any]]]) -> list[str]:
    """Per connection: each conversation's events in strictly increasing seq after the cursor
    it synced from; a seq it skipped is one of its own sends (acknowledged, not echoed); it never
    gets back a message it first sent itself."""
    bad: list[str] = []
    for i, link in enumerate(user.links):
        seqs: dict[int, list[int]] = defaultdict(list)
        for e in link.events:
            seqs[e["conversation_id"]].append(e["seq"])
            if e["client_id"] in link.first_sent:
                bad.append(f"user {user.me} link {i}: got its own message {e['client_id']} back")
        for conv, got in seqs.items():
            where = f"user {user.me} link {i} conversation {conv}"
            if any(b <= a for a, b in zip(got, got[1:], strict=False)):
                bad.append(f"{where}: out of order or repeated: {got}")
            start = link.cursors[conv]
            if got[0] <= start:
                bad.append(f"{where}: synced from {start} but got {got[0]}")
            for s in sorted(set(range(start + 1, max(got) + 1)) - set(got)):
                ev = canonical[conv][s]
                if ev["sender_id"] != user.me or ev["client_id"] not in link.sent:
                    bad.append(f"{where}: skipped {s} ({held_form(ev)})")
    return bad


async def test_chaos_everyone_ends_up_with_the_same_gapless_history(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, send_rate_per_s=1000, send_burst=1000)
    t0 = time.monotonic()
    async with asyncio.timeout(50), running(settings) as srv:
        await srv.claim()
        sessions = list(await asyncio.gather(*(srv.add_user(f"user{i:02d}") for i in range(20))))
        log.info("20 users in %.1f s", time.monotonic() - t0)
        ids = [s.user_id for s in sessions]
        base, ctx = srv.server.base_url, pinned_context(srv.rt.cert_path)

        groups = [range(20), range(10), range(6, 16), [*range(12, 20), 0, 1, 2]]
        directs = [(0, 1), (3, 17), (5, 10), (19, 8), (2, 14)]
        members: dict[int, list[int]] = {}  # conversation -> indexes into sessions
        for n, g in enumerate(groups):
            who = list(g)
            c = await open_synced(base, sessions[who[0]], ctx)
            conv = await c.call(
                "conversation/create_group",
                name=f"Group {n}",
                member_ids=[ids[i] for i in who[1:]],
            )
            members[conv["id"]] = who
            await close_all(c)
        for a, b in directs:
            c = await open_synced(base, sessions[a], ctx)
            conv = await c.call("conversation/create_direct", user_id=ids[b])
            members[conv["id"]] = [a, b]
            await close_all(c)

        seed = os.environ.get("ROOST_CHAOS_SEED", str(time.time_ns()))
        log.info("ROOST_CHAOS_SEED=%s (the choices; the timing is the machine's)", seed)
        rng = random.Random(seed)
        users = [
            ChaosUser(
                s,
                sorted(conv for conv, who in members.items() if i in who),
                base,
                ctx,
                random.Random(rng.random()),
            )
            for i, s in enumerate(sessions)
        ]
        started = time.monotonic()
        until = started + 8
        await asyncio.gather(*(u.chaos(until) for u in users))
        chaos_s = time.monotonic() - started
        await asyncio.gather(*(u.settle() for u in users))
        settled_s = time.monotonic() - started
        await asyncio.gather(*(u.final_sync() for u in users))
        synced_s = time.monotonic() - started

        problems = [p for u in users for p in u.problems]
        assert not problems, problems[:20]

        canonical: dict[int, dict[int, dict[str, Any]]] = {}
        for conv, who in members.items():
            events = await full_history(srv.client, sessions[who[0]], conv)
            seqs = [e["seq"] for e in events]
            assert seqs == list(range(1, len(events) + 1)), f"conversation {conv}: gaps {seqs}"
            canonical[conv] = {e["seq"]: e for e in events}
            assert events[0]["kind"] == "created"
            assert all(e["kind"] == "message" for e in events[1:])

            # Every message sent to it (all were acknowledged in the end) is there exactly once.
            stored_ids = [e["client_id"] for e in events[1:]]
            assert len(stored_ids) == len(set(stored_ids)), f"conversation {conv}: a message twice"
            sent = {cid for u in users for cid, to in u.sent_to.items() if to == conv}
            assert set(stored_ids) == sent, f"conversation {conv}: stored != sent"
            for u in users:
                for cid, (to, seq) in u.acked.items():
                    if to == conv:
                        assert canonical[conv][seq]["client_id"] == cid, (conv, seq, cid)

            # Every member holds exactly that, and the same as everyone else.
            expected = {e["seq"]: held_form(e) for e in events}
            for i in who:
                assert users[i].held[conv] == expected, f"user {ids[i]} in conversation {conv}"

        bad = [p for u in users for p in check_links(u, canonical)]
        assert not bad, bad[:20]

        totals: dict[str, int] = defaultdict(int)
        for u in users:
            for k, v in u.counts.items():
                totals[k] += v
        totals["messages"] = sum(len(h) - 1 for h in canonical.values())
        log.info(
            "chaos %.1f s, settled %.1f s, synced %.1f s, checked %.1f s: %s",
            chaos_s,
            settled_s,
            synced_s,
            time.monotonic() - started,
            dict(totals),
        )
        # The chaos really happened: drops of both kinds, sends lost in flight and resent.
        assert totals["messages"] >= 300, totals
        assert totals["aborts"] >= 20 and totals["closes"] >= 20, totals
        assert totals["unacknowledged"] >= 5, totals


# --- 2. kill -9 ----------------------------------------------------------------------------


BURST_USERS = 5
BURST_WINDOW = 600  # sends in flight per client, all the time, until the kill
KILL_AFTER = 30  # acknowledgements: early, with 3 000 sends issued; the server is fast


@dataclass
class Burst:
    """Clients that keep ``BURST_WINDOW`` sends each in flight until the server is killed, so
    hundreds are under way at the instant of the kill whatever the speed of the machine."""

    pid: int
    issued: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    acked: dict[str, int] = field(default_factory=dict)  # client_id -> seq
    failed: list[str] = field(default_factory=list)
    killed: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, client: WsClient, conv: int, client_id: str) -> None:
        try:
            ack = await client.call(
                "message/send", conversation_id=conv, client_id=client_id, text=f"m {client_id}"
            )
        except LOST:
            return
        except CommandFailed as exc:
            self.failed.append(f"{client_id}: {exc}")
            return
        self.acked[client_id] = ack["seq"]
        if len(self.acked) >= KILL_AFTER and not self.killed.is_set():
            os.kill(self.pid, signal.SIGKILL)  # mid-burst, the instant enough acks are in
            self.killed.set()

    async def run(self, i: int, client: WsClient, conv: int) -> set[asyncio.Task[None]]:
        """Keep the window full until this client sees its connection end; returns the sends
        still unfinished 20 s on.

        Not just until the kill: a fast server may have acknowledged the whole window by the
        time the kill lands (the acks wait in our socket buffer), and then nothing would be in
        flight. Sends issued after the kill are certainly unacknowledged."""
        slots = asyncio.Semaphore(BURST_WINDOW)
        tasks: set[asyncio.Task[None]] = set()
        while not client.closed.done():
            await slots.acquire()
            if client.closed.done():
                break
            client_id = uuid.uuid4().hex
            self.issued[i].append(client_id)
            task = asyncio.create_task(self.send(client, conv, client_id))
            task.add_done_callback(lambda _: slots.release())
            tasks.add(task)
        _, late = await asyncio.wait(tasks, timeout=20)
        return late


async def test_kill_9_mid_burst_loses_no_acknowledged_message(tmp_path: Path) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    port = free_port()
    args: list[str | Path] = ["run", "--data-dir", data, "--key-file", key]
    args += ["--host", "127.0.0.1", "--port", str(port), "--no-mdns"]
    env = {"ROOST_SEND_RATE_PER_S": "100000", "ROOST_SEND_BURST": "100000"}
    live: list[dict[str, Any]] = []  # events other clients saw before the crash

    async with asyncio.timeout(50):
        with server_process(*args, env=env) as first:
            banner = await asyncio.to_thread(wait_for_banner, first)
            assert banner.port == port
            ctx = pinned_context(data / "tls-cert.pem")
            async with httpx.AsyncClient(base_url=banner.base_url, verify=ctx, timeout=20) as h:
                owner = await claim_over_http(h, data)
                users = [await add_user_over_http(h, owner, f"burst{i}") for i in range(6)]
            observer = await open_synced(banner.base_url, users[0], ctx)
            group = await observer.call(
                "conversation/create_group",
                name="Burst",
                member_ids=[u.user_id for u in users[1:]],
            )
            conv = group["id"]
            # The senders do not sync, so they get no live events, only their acks: they keep
            # the server busy rather than themselves, and it has sends in hand when it dies.
            users = users[1:]
            clients = [await WsClient.open(banner.base_url, u.access_token, ctx) for u in users]
            burst = Burst(pid=first.pid)
            late = await asyncio.gather(*(burst.run(i, c, conv) for i, c in enumerate(clients)))
            assert not any(late), "sends neither acknowledged nor failed"
            assert not burst.failed, burst.failed[:5]
            assert await asyncio.to_thread(first.wait, 10) == -signal.SIGKILL
            await asyncio.wait_for(observer.closed, 10)
            live.extend(e for e in seq_events(observer, conv) if e["kind"] == "message")
            await close_all(observer, *clients)

        acked_before = dict(burst.acked)
        client_ids = burst.issued
        unacked = {i: [cid for cid in client_ids[i] if cid not in acked_before] for i in client_ids}
        assert sum(map(len, unacked.values())) > 0, "every send was acknowledged before the kill"
        assert len(set(acked_before.values())) == len(acked_before), "two acks, one seq"

        with server_process(*args, env=env) as second:
            banner = await asyncio.to_thread(wait_for_banner, second)
            assert banner.port == port
            clients = [await open_synced(banner.base_url, u, ctx, {conv: 1}) for u in users]
            resent = await asyncio.gather(
                *(
                    clients[i].call(
                        "message/send", conversation_id=conv, client_id=cid, text=f"m {cid}"
                    )
                    for i, cids in unacked.items()
                    for cid in cids
                )
            )
            flat = [cid for i in unacked for cid in unacked[i]]
            resent_seq = {cid: ack["seq"] for cid, ack in zip(flat, resent, strict=True)}
            duplicates = sum(ack["duplicate"] for ack in resent)
            async with httpx.AsyncClient(base_url=banner.base_url, verify=ctx, timeout=20) as h:
                events = await full_history(h, users[0], conv)
            await close_all(*clients)
            assert await asyncio.to_thread(second.stop) == 0, second.output()

    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(events) + 1)), "gaps in the seqs"
    assert events[0]["kind"] == "created"
    by_cid = {e["client_id"]: e["seq"] for e in events[1:]}
    assert len(by_cid) == len(events) - 1, "a message stored twice"
    for cid, seq in acked_before.items():
        assert by_cid.get(cid) == seq, (
            f"{cid} was acknowledged as {seq}, stored as {by_cid.get(cid)}"
        )
    assert set(by_cid) == {cid for cids in client_ids.values() for cid in cids}, "lost or extra"
    for cid, seq in resent_seq.items():
        assert by_cid[cid] == seq, f"{cid} resent: acknowledged as {seq}, stored as {by_cid[cid]}"
    # Nobody was told about a message that was not stored.
    for e in live:
        assert by_cid.get(e["client_id"]) == e["seq"], f"seen live but not stored: {e}"
    log.info(
        "kill -9 after %d of %d acks; %d resent (%d had been stored), %d seen live before",
        len(acked_before),
        sum(map(len, client_ids.values())),
        len(resent_seq),
        duplicates,
        len(live),
    )


# --- 3. offline catch-up -------------------------------------------------------------------


async def test_offline_member_gets_what_it_missed_in_order_then_live(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, send_rate_per_s=100_000, send_burst=100_000)
    async with asyncio.timeout(50), running(settings) as srv:
        await srv.claim()
        alice, bob = await srv.add_user("alice"), await srv.add_user("bob")
        alice_phone = await srv.login("alice")  # a second device: its own session
        base, ctx = srv.server.base_url, pinned_context(srv.rt.cert_path)

        sender = await open_synced(base, alice, ctx)
        conv = (await sender.call("conversation/create_direct", user_id=bob.user_id))["id"]
        away = await open_synced(base, bob, ctx)
        assert [e["seq"] for e in seq_events(away, conv)] == [1]
        await close_all(away)
        cursor = 1
        phone = await open_synced(base, alice_phone, ctx, {conv: 1})

        cids = [uuid.uuid4().hex for _ in range(1000)]
        acks = await asyncio.gather(
            *(
                sender.call("message/send", conversation_id=conv, client_id=cid, text=f"n{n}")
                for n, cid in enumerate(cids)
            )
        )
        seq_of = {cid: a["seq"] for cid, a in zip(cids, acks, strict=True)}
        assert sorted(seq_of.values()) == list(range(2, 1002))
        assert not any(a["duplicate"] for a in acks)
        expected = sorted((seq, cid) for cid, seq in seq_of.items())

        # The other device gets every one, in order, once; the sending connection none.
        await phone.wait_for(lambda _: len(seq_events(phone, conv)) >= 1000, timeout=30)
        assert [(e["seq"], e["client_id"]) for e in seq_events(phone, conv)] == expected
        await sender.call("ping")  # frames are in order: anything pushed to it came before
        # nothing: not even the created event, which its own command stored
        assert [e["seq"] for e in seq_events(sender, conv)] == []

        # Bob comes back with his cursor: the 1000, in order, once, all before the sync result.
        # (A bare socket, read frame by frame, so the order of events and result is exact.)
        back = await raw_open(base, bob, ctx)
        await back.send(json.dumps({"id": 1, "type": "sync", "cursors": {conv: cursor}}))
        before, result = await read_until_result(back, 1)
        assert result["success"], result
        assert [(e["seq"], e["client_id"]) for e in stored(before, conv)] == expected
        assert [e["content"]["text"] for e in stored(before, conv)][:2] == ["n0", "n1"]

        # Then live: the next message, and nothing else.
        ack = await sender.call(
            "message/send", conversation_id=conv, client_id="live-1", text="and now live"
        )
        assert ack["seq"] == 1002
        live = await read_until_stored(back)
        assert (live["seq"], live["client_id"], live["content"]["text"]) == (
            1002,
            "live-1",
            "and now live",
        )
        await back.send(json.dumps({"id": 2, "type": "ping"}))
        after, _ = await read_until_result(back, 2)
        assert stored(after, conv) == []
        await back.close()

        await phone.wait_for(lambda _: len(seq_events(phone, conv)) > 1000)
        assert seq_events(phone, conv)[-1]["client_id"] == "live-1"
        assert len(seq_events(phone, conv)) == 1001
        await sender.call("ping")
        assert [e["seq"] for e in seq_events(sender, conv)] == []
        await close_all(sender, phone)


async def raw_open(base_url: str, session: Session, ctx: SSLContext) -> ClientConnection:
    url = base_url.replace("https://", "wss://") + "/api/v1/ws"
    ws = await connect(url, ssl=ctx, max_size=None, open_timeout=10)
    assert json.loads(await ws.recv())["type"] == "auth_required"
    await ws.send(json.dumps({"type": "auth", "access_token": session.access_token}))
    assert json.loads(await ws.recv())["type"] == "auth_ok"
    return ws


async def read_until_result(
    ws: ClientConnection, cmd_id: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The event frames before command ``cmd_id``'s result, and the result."""
    before: list[dict[str, Any]] = []
    async with asyncio.timeout(20):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "result" and frame["id"] == cmd_id:
                return before, frame
            assert frame["type"] == "event", frame
            before.append(frame["event"])


async def read_until_stored(ws: ClientConnection) -> dict[str, Any]:
    """The next stored event (presence and typing are not)."""
    async with asyncio.timeout(10):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == "event" and "seq" in frame["event"]:
                return dict(frame["event"])


def stored(events: list[dict[str, Any]], conversation_id: int) -> list[dict[str, Any]]:
    return [e for e in events if e.get("conversation_id") == conversation_id and "seq" in e]


# --- 4. removed member, stranger -----------------------------------------------------------


async def expect_not_found(client: WsClient, type_: str, **body: Any) -> None:
    with pytest.raises(CommandFailed) as err:
        await client.call(type_, **body)
    assert err.value.code == "conversation_not_found", err.value.error


async def test_removed_member_hears_nothing_more_and_stranger_sees_nothing(
    tmp_path: Path,
) -> None:
    async with asyncio.timeout(30), running(make_settings(tmp_path)) as srv:
        await srv.claim()
        alice, bob, carol, mallory = [
            await srv.add_user(n) for n in ("alice", "bob", "carol", "mallory")
        ]
        base, ctx = srv.server.base_url, pinned_context(srv.rt.cert_path)
        a, b, c, m = [await open_synced(base, s, ctx) for s in (alice, bob, carol, mallory)]

        group = await a.call(
            "conversation/create_group", name="Club", member_ids=[bob.user_id, carol.user_id]
        )
        conv = group["id"]
        await a.call("message/send", conversation_id=conv, client_id="hello", text="hello")
        await b.wait_for(lambda _: len(seq_events(b, conv)) >= 2)

        removed = await a.call(
            "conversation/remove_member", conversation_id=conv, user_id=bob.user_id
        )
        gone = removed["seq"]
        await b.wait_for(lambda _: any(e["kind"] == "member_removed" for e in seq_events(b, conv)))
        last = seq_events(b, conv)[-1]
        assert (last["seq"], last["kind"], last["content"]) == (
            gone,
            "member_removed",
            {"user_id": bob.user_id},
        )
        heard = b.events.index(last) + 1

        # Messages, typing and read markers go on without him.
        for n in range(5):
            await a.call("message/send", conversation_id=conv, client_id=f"after-{n}", text="psst")
        await a.call("typing", conversation_id=conv)
        await a.call("read/mark", conversation_id=conv, seq=gone + 5)
        await c.wait_for(lambda _: len(seq_events(c, conv)) >= gone + 5)
        await c.wait_for(lambda ev: any(e["kind"] == "read" for e in ev))
        await c.wait_for(lambda ev: any(e["kind"] == "typing" for e in ev))
        await asyncio.sleep(0.3)
        assert [e for e in b.events[heard:] if e.get("conversation_id") == conv] == []
        assert [e["seq"] for e in seq_events(b, conv)] == list(range(1, gone + 1))

        # Bob can no longer write, and reading stops at his removal: nothing said after it
        # reaches him by any road (history, the conversation's summary, a new sync).
        await expect_not_found(b, "message/send", conversation_id=conv, client_id="x", text="hi")
        await expect_not_found(b, "typing", conversation_id=conv)
        await expect_not_found(b, "read/mark", conversation_id=conv, seq=1)
        page = await b.call("history", conversation_id=conv, after=gone, limit=50)
        assert page["events"] == []
        page = await b.call("history", conversation_id=conv, limit=50)
        assert [e["seq"] for e in page["events"]] == list(range(1, gone + 1))
        summary = await b.call("conversation/get", conversation_id=conv)
        assert summary["left"] is True
        assert summary["last_seq"] == gone
        assert summary["members"] == []
        r = await srv.client.get(
            f"/api/v1/conversations/{conv}/events", params={"after": gone}, headers=bob.headers
        )
        assert r.status_code == 200 and r.json()["events"] == [], r.text
        again = await open_synced(base, bob, ctx, {conv: 0})
        assert [e["seq"] for e in seq_events(again, conv)] == list(range(1, gone + 1))

        # Mallory never was a member: the conversation does not exist for her.
        await expect_not_found(m, "message/send", conversation_id=conv, client_id="y", text="hi")
        await expect_not_found(m, "history", conversation_id=conv, limit=50)
        await expect_not_found(m, "conversation/get", conversation_id=conv)
        for path in (f"/api/v1/conversations/{conv}/events", f"/api/v1/conversations/{conv}"):
            r = await srv.client.get(path, headers=mallory.headers)
            assert r.status_code == 404, r.text
            assert r.json()["error"]["code"] == "conversation_not_found", r.text
        sync_again = await open_synced(base, mallory, ctx, {conv: 0})
        assert seq_events(sync_again, conv) == []
        assert seq_events(m, conv) == []
        await close_all(a, b, c, m, again, sync_again)
