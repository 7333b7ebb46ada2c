"""The chat client's core against a real server: ChatConnection, cache, outbox, reconnection."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from app.accounts.credentials import Credentials
from app.accounts.session import AccountFlows
from app.chat.cache import CachedMessage, ChatCache
from app.chat.connection import ChatConnection, TokenSource, TooLarge
from app.chat.events import (
    ChatEvent,
    ConnectionEnded,
    ConnectionState,
    ConnectionStateChanged,
    MessageReceived,
    PresenceChanged,
    ReadMarkerMoved,
    SendAcked,
    SendFailed,
    TypingReceived,
)
from app.chat.outbox import OutboxState
from app.net.address import Address
from app.net.api import AsyncApi
from app.net.models import parse_model
from app.net.signed_in import SignedInApi
from app.paths import AppPaths
from app.servers import KnownServers
from server.protocol.auth import Tokens
from tests.helpers.keyring_memory import MemoryKeyring, active_keyring
from tests.helpers.server import PASSWORD, Running, make_settings, pinned_context, running
from tests.helpers.ws import WsClient

WAIT_S = 30.0  # a guard against hanging, not a measurement

_none = CachedMessage(0, 0, None, None, None, None, 0.0, None, False, {})


class Probe:
    """Records a connection's events and waits for a condition on them."""

    def __init__(self, conn: ChatConnection) -> None:
        self.conn = conn
        self.seen: list[ChatEvent] = []
        self._changed = asyncio.Event()
        conn.events.subscribe(self._on)

    def _on(self, event: ChatEvent) -> None:
        self.seen.append(event)
        self._changed.set()

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.seen if isinstance(e, kind)]

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT_S):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    async def online(self) -> None:
        await self.until(lambda: self.conn.state is ConnectionState.ONLINE)

    def states(self) -> list[ConnectionState]:
        return [e.state for e in self.of(ConnectionStateChanged)]


async def tokens_for(srv: Running, username: str) -> Tokens:
    r = await srv.client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    return parse_model(Tokens, r.json())


@contextlib.asynccontextmanager
async def chat(
    srv: Running,
    username: str,
    tmp_path: Path,
    tokens: Tokens | None = None,
    wrap: Callable[[SignedInApi], TokenSource] | None = None,
    recent: int = 50,
) -> AsyncIterator[tuple[ChatConnection, Probe]]:
    """A started ChatConnection for a user, with its cache under tmp_path/<username>."""
    tokens = tokens or await tokens_for(srv, username)
    fingerprint = str(srv.rt.fingerprint)
    address = Address("127.0.0.1", srv.rt.bound_port)
    api = SignedInApi(AsyncApi.connect(address, fingerprint), tokens)
    paths = AppPaths(config=tmp_path / username / "cfg", data=tmp_path / username / "data")
    cache = ChatCache.for_account(paths, srv.rt.server_id, username)
    # Quick back-off so that reconnection tests stay short; the shape is the real one.
    source = wrap(api) if wrap is not None else api
    conn = ChatConnection(
        cache, address, fingerprint, source, recent=recent, first_backoff=0.05, max_backoff=0.5
    )
    probe = Probe(conn)
    conn.start()
    try:
        yield conn, probe
    finally:
        await conn.close()
        await api.api.close()


@pytest.fixture
async def family(claimed: Running) -> Running:
    await claimed.add_user("alice")
    await claimed.add_user("bob")
    return claimed


async def test_two_accounts_exchange_direct_messages(family: Running, tmp_path: Path) -> None:
    async with (
        chat(family, "alice", tmp_path) as (alice, a),
        chat(family, "bob", tmp_path) as (
            bob,
            b,
        ),
    ):
        await a.online()
        await b.online()
        assert bob.user_id is not None and alice.user_id is not None
        conv = await alice.create_direct(bob.user_id)
        sent = await alice.send_message(conv.id, "你好世界")
        await a.until(lambda: len(a.of(SendAcked)) == 1)
        await b.until(lambda: len(b.of(MessageReceived)) == 1)

        ack = a.of(SendAcked)[0]
        assert ack.item.client_id == sent.client_id and not ack.duplicate
        got = b.of(MessageReceived)[0].event
        assert (got.seq, got.sender_id, got.client_id) == (
            ack.item.seq,
            alice.user_id,
            sent.client_id,
        )
        # Both caches hold it under the same seq; the cursor covers it.
        for conn in (alice, bob):
            [msg] = conn.cache.messages(conv.id)
            assert (msg.seq, msg.text) == (ack.item.seq, "你好世界")
            assert conn.cache.cursors()[conv.id] == ack.item.seq
            [listed] = conn.cache.conversations()
            assert listed.id == conv.id and listed.preview == "你好世界"
        # Search finds a Chinese word in the cache, offline from the server.
        [hit] = bob.cache.search("世界")
        assert (hit.conversation_id, hit.seq) == (conv.id, ack.item.seq)

        await bob.send_message(conv.id, "明天见", reply_to=got.seq)
        await a.until(lambda: len(a.of(MessageReceived)) == 1)
        reply = alice.cache.messages(conv.id)[-1]
        assert (reply.text, reply.reply_to, reply.sender_id) == ("明天见", got.seq, bob.user_id)
        assert alice.cache.conversations()[0].unread == 1
        await alice.mark_read(conv.id, reply.seq)
        assert alice.cache.conversations()[0].unread == 0


async def test_offline_message_delivered_once_after_server_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first_cm = running(settings)
    first = await first_cm.__aenter__()
    first_open = True
    try:
        await first.claim()
        await first.add_user("alice")
        bob_user = await first.add_user("bob")
        port = first.rt.bound_port
        alice_tokens = await tokens_for(first, "alice")
        bob_tokens = await tokens_for(first, "bob")
        async with chat(first, "alice", tmp_path, alice_tokens) as (alice, a):
            await a.online()
            conv = await alice.create_direct(bob_user.user_id)

            # The server stops (1001): alice goes offline and keeps trying with a back-off.
            first_open = False
            await first_cm.__aexit__(None, None, None)
            await a.until(
                lambda: (
                    a.states().count(ConnectionState.CONNECTING) >= 3
                    and alice.state is ConnectionState.OFFLINE
                )
            )
            retry = [e.retry_in for e in a.of(ConnectionStateChanged) if e.retry_in is not None]
            assert retry and all(0 < r <= 0.5 for r in retry)

            item = await alice.send_message(conv.id, "written offline")
            assert item.state is OutboxState.PENDING
            assert alice.outbox.get(item.client_id) == item
            assert [p.client_id for p in alice.outbox.items(conv.id)] == [item.client_id]

            # The same server comes back on the same port with the same data.
            async with running(make_settings(tmp_path, port=port)) as again:
                await a.until(lambda: len(a.of(SendAcked)) == 1)
                sent = alice.outbox.get(item.client_id)
                assert sent is not None and sent.state is OutboxState.SENT
                assert sent.seq is not None
                assert alice.outbox.items(conv.id) == []

                async with chat(again, "bob", tmp_path, bob_tokens) as (bob, b):
                    await b.online()
                    assert [m.text for m in bob.cache.messages(conv.id)] == ["written offline"]
                    page = await bob.request("history", conversation_id=conv.id)
                    copies = [e for e in page["events"] if e["client_id"] == item.client_id]
                    assert len(copies) == 1 and copies[0]["seq"] == sent.seq
    finally:
        if first_open:
            await first_cm.__aexit__(None, None, None)


async def test_resend_after_lost_ack_is_stored_once(family: Running, tmp_path: Path) -> None:
    """The first try reached the server but its result was lost: the resend gets the same seq."""
    alice_tokens = await tokens_for(family, "alice")
    bob = await family.login("bob")
    async with chat(family, "alice", tmp_path, alice_tokens) as (alice, a):
        await a.online()
        conv = await alice.create_direct(bob.user_id)
        await alice.stop()
        item = await alice.send_message(conv.id, "only once please")  # offline: pending
        # Another client stores it with the same client_id, as if our own first try got through.
        assert family.rt.cert_path is not None
        ctx = pinned_context(family.rt.cert_path)
        raw = await WsClient.open(family.server.base_url, alice_tokens.access_token, ctx)
        first = await raw.call(
            "message/send",
            conversation_id=conv.id,
            client_id=item.client_id,
            text="only once please",
        )
        await raw.close()

        alice.start()
        await a.until(lambda: len(a.of(SendAcked)) == 1)
        acked = a.of(SendAcked)[0]
        assert acked.item.seq == first["seq"]
        assert alice.cache.messages(conv.id)[-1].client_id == item.client_id
        await a.online()
        page = await alice.request("history", conversation_id=conv.id)
        assert [e["client_id"] for e in page["events"]].count(item.client_id) == 1


async def test_cut_connection_reconnects_and_resyncs(family: Running, tmp_path: Path) -> None:
    async with (
        chat(family, "alice", tmp_path) as (alice, a),
        chat(family, "bob", tmp_path) as (
            bob,
            b,
        ),
    ):
        await a.online()
        await b.online()
        assert bob.user_id is not None
        conv = await alice.create_direct(bob.user_id)
        online_before = a.states().count(ConnectionState.ONLINE)
        # The network drops without a close frame (1006).
        ws = alice._ws
        assert ws is not None
        ws.transport.abort()
        await bob.send_message(conv.id, "while you were away")
        await a.until(lambda: a.states().count(ConnectionState.ONLINE) > online_before)
        await a.until(lambda: len(a.of(MessageReceived)) == 1)
        assert [m.text for m in alice.cache.messages(conv.id)] == ["while you were away"]


async def test_revoked_session_is_fatal(family: Running, tmp_path: Path) -> None:
    tokens = await tokens_for(family, "alice")
    async with chat(family, "alice", tmp_path, tokens) as (alice, a):
        await a.online()
        r = await family.client.post(
            "/api/v1/auth/logout", headers={"Authorization": f"Bearer {tokens.access_token}"}
        )
        assert r.status_code in (200, 204), r.text
        await a.until(lambda: bool(a.of(ConnectionEnded)))
        [ended] = a.of(ConnectionEnded)
        assert ended.reason == "signed_out" and ended.problem
        assert not alice.running  # no reconnect loop
        assert a.states().count(ConnectionState.CONNECTING) == 1
        assert alice.state is ConnectionState.OFFLINE
        # What was cached stays readable.
        assert alice.cache.user_id is not None


async def test_group_reaction_edit_and_a_final_refusal(family: Running, tmp_path: Path) -> None:
    async with (
        chat(family, "alice", tmp_path) as (alice, a),
        chat(family, "bob", tmp_path) as (
            bob,
            b,
        ),
    ):
        await a.online()
        await b.online()
        assert bob.user_id is not None and alice.user_id is not None
        group = await alice.create_group("家人 Family", topic="dinner", member_ids=[bob.user_id])
        await b.until(lambda: bob.cache.conversation(group.id) is not None)
        await bob.send_message(group.id, "noodles?")
        await a.until(lambda: len(a.of(MessageReceived)) == 1)
        seq = a.of(MessageReceived)[0].event.seq

        await alice.react(group.id, seq, "👍")
        refused = await alice.edit_message(group.id, seq, "not mine to change")
        await a.until(lambda: len(a.of(SendFailed)) == 1 and len(a.of(SendAcked)) == 1)
        failed = a.of(SendFailed)[0]
        assert failed.item.client_id == refused.client_id and failed.code == "not_author"
        assert failed.problem  # a sentence for the user
        stored = alice.outbox.get(refused.client_id)
        assert stored is not None and stored.state is OutboxState.FAILED
        assert [i.client_id for i in alice.outbox.items(group.id)] == [refused.client_id]

        await b.until(lambda: (bob.cache.message(group.id, seq) or _none).reactions != {})
        got = bob.cache.message(group.id, seq)
        assert got is not None and got.reactions == {"👍": [alice.user_id]}
        assert got.text == "noodles?"
        conv = bob.cache.conversation(group.id)
        assert conv is not None and (conv.kind, conv.name) == ("group", "家人 Family")
        assert {m.user_id: m.role for m in conv.members} == {
            alice.user_id: "owner",
            bob.user_id: "member",
        }


async def test_too_large_is_refused_before_the_outbox(family: Running, tmp_path: Path) -> None:
    async with chat(family, "alice", tmp_path) as (alice, _):
        with pytest.raises(TooLarge):
            await alice.send_message(1, "汉" * 30_000)  # 90,000 bytes of UTF-8 once encoded
        with pytest.raises(ValueError, match="text"):
            await alice.send_message(1, "")
        assert alice.outbox.pending() == []


async def test_for_account_uses_the_accounts_tokens(srv: Running, tmp_path: Path) -> None:
    paths = AppPaths(config=tmp_path / "cfg", data=tmp_path / "data").ensure()
    with active_keyring(MemoryKeyring()):
        flows = AccountFlows(KnownServers(paths), Credentials(), device_name="Test laptop")
        account = await flows.claim(
            Address("127.0.0.1", srv.rt.bound_port),
            str(srv.rt.fingerprint),
            srv.setup_code(),
            "Chen family",
            "mum",
            "Mum",
            PASSWORD,
        )
        conn = ChatConnection.for_account(account, paths)
        probe = Probe(conn)
        conn.start()
        try:
            await probe.online()
            assert conn.user_id == account.user.id
            assert conn.cache.path.parent == paths.data / "cache"
        finally:
            await conn.close()
            await account.close()


class ExpiredFirst:
    """Hands out an expired access token once, then the real ones; counts refreshes."""

    def __init__(self, api: SignedInApi, expired: str) -> None:
        self.api = api
        self.expired: str | None = expired
        self.refreshes = 0

    async def access_token(self) -> str:
        if self.expired is not None:
            token, self.expired = self.expired, None
            return token
        return await self.api.access_token()

    async def refresh(self, stale_access_token: str | None = None) -> None:
        self.refreshes += 1
        await self.api.refresh(None)


async def test_expired_token_is_refreshed_then_it_connects(family: Running, tmp_path: Path) -> None:
    tokens = await tokens_for(family, "alice")
    body = tokens.access_token.partition(".")[0]
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    expired = family.rt.tokens._sign({**claims, "e": int(time.time()) - 60})
    sources: list[ExpiredFirst] = []

    def wrap(api: SignedInApi) -> TokenSource:
        sources.append(ExpiredFirst(api, expired))
        return sources[0]

    async with chat(family, "alice", tmp_path, tokens, wrap) as (alice, a):
        await a.online()
        assert sources[0].refreshes == 1
        # Straight back after the refresh: no offline spell, no back-off wait.
        assert a.states() == [ConnectionState.CONNECTING, ConnectionState.ONLINE]
        assert not a.of(ConnectionEnded)
        assert alice.user_id == claims["u"]


async def test_typing_presence_and_read_receipts(family: Running, tmp_path: Path) -> None:
    async with chat(family, "alice", tmp_path) as (alice, a):
        await a.online()
        bob_id = (await family.login("bob")).user_id
        conv = await alice.create_direct(bob_id)
        async with chat(family, "bob", tmp_path) as (bob, b):
            await b.online()
            await a.until(lambda: PresenceChanged(bob_id, True) in a.seen)
            await bob.typing(conv.id)
            await a.until(lambda: bool(a.of(TypingReceived)))
            assert a.of(TypingReceived)[0] == TypingReceived(conv.id, bob_id, 6.0)

            await alice.send_message(conv.id, "seen?")
            await b.until(lambda: bool(b.of(MessageReceived)))
            seq = b.of(MessageReceived)[0].event.seq
            await bob.mark_read(conv.id, seq)
            await a.until(lambda: ReadMarkerMoved(conv.id, bob_id, seq) in a.seen)
            assert ReadMarkerMoved(conv.id, bob_id, seq) in b.seen  # bob's other devices too
            listed = alice.cache.conversation(conv.id)
            assert listed is not None
            assert {m.user_id: m.read_seq for m in listed.members}[bob_id] == seq
        await a.until(lambda: PresenceChanged(bob_id, False) in a.seen)


async def test_history_pages_fill_the_cache_backwards(family: Running, tmp_path: Path) -> None:
    bob_id = (await family.login("bob")).user_id
    async with chat(family, "alice", tmp_path) as (alice, a):
        await a.online()
        conv = await alice.create_direct(bob_id)
        sent: list[str] = []
        for text in ("one", "two", "three"):
            # One at a time: the server does not promise id order for commands sent together.
            sent.append((await alice.send_message(conv.id, text)).client_id)
            await a.until(lambda: len(a.of(SendAcked)) == len(sent))
    async with chat(family, "bob", tmp_path, recent=1) as (bob, b):
        await b.online()
        assert [m.text for m in bob.cache.messages(conv.id)] == ["three"]
        assert await bob.load_older(conv.id, limit=2) is True
        assert [m.text for m in bob.cache.messages(conv.id)] == ["one", "two", "three"]
        assert await bob.load_older(conv.id, limit=2) is False  # seq 1 (created) reached
        assert bob.cache.lowest_seq(conv.id) == 1
        assert await bob.load_older(conv.id) is False
        assert bob.cache.cursors()[conv.id] == 4
