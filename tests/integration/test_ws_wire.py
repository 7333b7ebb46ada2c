"""The WebSocket wire (server/ws/endpoint.py) byte by byte: fragments, pings, the closing
handshake, broken framing, refused upgrades, flow control and keepalive. Against a real server
over TLS, with a client that writes exactly the bytes each test needs."""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import os
import ssl
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from server.http.raw_body import RawBodyProtocol
from server.ws.endpoint import Endpoint
from server.ws.handshake import WS_PATH
from tests.helpers.server import Running, make_settings, running, ssl_of
from tests.helpers.ws import WsClient

HARD_CAP = 1 << 20  # max(1 MiB, 4 × the default 64 KiB frame limit)


def masked(opcode: Opcode, payload: bytes, *, fin: bool = True) -> bytes:
    return Frame(opcode, payload, fin=fin).serialize(mask=True, extensions=[])


def text(obj: Any, *, fin: bool = True) -> bytes:
    return masked(Opcode.TEXT, json.dumps(obj).encode(), fin=fin)


class RawWs:
    """A client socket that has done the opening handshake and nothing more."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(
        cls, host: str, port: int, ctx: ssl.SSLContext | None, path: str = WS_PATH
    ) -> RawWs:
        reader, writer = await asyncio.open_connection(host, port, ssl=ctx)
        raw = cls(reader, writer)
        status, _ = await raw.request(path)
        assert status == 101, status
        return raw

    async def request(
        self, path: str, version: str = "13", *, split: bool = False
    ) -> tuple[int, bytes]:
        """The upgrade request, in one write or (``split``) in two a moment apart."""
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: roost\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: {version}\r\n\r\n"
        ).encode()
        if split:
            self.writer.write(request[:30])
            await self.writer.drain()
            await asyncio.sleep(0.05)
            request = request[30:]
        self.writer.write(request)
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 10)
        return int(head.split(b" ")[1]), head

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def frame(self) -> tuple[int, bytes]:
        """The server's next frame (unmasked): opcode and payload."""
        b0, b1 = await asyncio.wait_for(self.reader.readexactly(2), 10)
        assert not b1 & 0x80, "a server's frames are not masked"
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return b0 & 0x0F, await self.reader.readexactly(n)

    async def json(self) -> dict[str, Any]:
        while True:
            opcode, payload = await self.frame()
            if opcode == Opcode.TEXT.value:
                return dict(json.loads(payload))
            assert opcode == Opcode.PING.value, (opcode, payload)

    async def closed_with(self) -> tuple[int, str]:
        """Reads to the server's close frame, then checks that the server hangs up."""
        while True:
            opcode, payload = await self.frame()
            if opcode == Opcode.CLOSE.value:
                break
        (code,) = struct.unpack("!H", payload[:2])
        assert await asyncio.wait_for(self.reader.read(), 10) == b"", "no hang-up after close"
        return code, payload[2:].decode()

    async def close(self) -> None:
        self.writer.close()
        with suppress(ConnectionError, ssl.SSLError):
            await self.writer.wait_closed()


@asynccontextmanager
async def raw_ws(r: Running, token: str | None = None) -> AsyncIterator[RawWs]:
    """Connected and past ``auth_required``; signed in when ``token`` is given."""
    ws = await RawWs.open("127.0.0.1", r.rt.bound_port, ssl_of(r))
    try:
        assert (await ws.json())["type"] == "auth_required"
        if token is not None:
            ws.send(text({"type": "auth", "access_token": token}))
            assert (await ws.json())["type"] == "auth_ok"
        yield ws
    finally:
        await ws.close()


async def test_a_message_in_fragments_is_one_message(claimed: Running) -> None:
    assert claimed.owner is not None
    auth = json.dumps({"type": "auth", "access_token": claimed.owner.access_token}).encode()
    async with raw_ws(claimed) as ws:
        # Three fragments, with a ping between them (control frames may interleave).
        ws.send(masked(Opcode.TEXT, auth[:10], fin=False))
        ws.send(masked(Opcode.PING, b"mid"))
        ws.send(masked(Opcode.CONT, auth[10:20], fin=False))
        ws.send(masked(Opcode.CONT, auth[20:]))
        assert await ws.frame() == (Opcode.PONG.value, b"mid")
        assert (await ws.json())["type"] == "auth_ok"
        command = json.dumps({"id": 1, "type": "ping"}).encode()
        ws.send(masked(Opcode.TEXT, command[:3], fin=False) + masked(Opcode.CONT, command[3:]))
        reply = await ws.json()
        assert (reply["id"], reply["success"]) == (1, True), reply


async def test_the_closing_handshake_is_echoed_then_the_server_hangs_up(claimed: Running) -> None:
    assert claimed.owner is not None
    async with raw_ws(claimed, claimed.owner.access_token) as ws:
        ws.send(masked(Opcode.CLOSE, struct.pack("!H", 1000) + "再见".encode()))
        assert await ws.closed_with() == (1000, "")
    async with raw_ws(claimed, claimed.owner.access_token) as ws:
        ws.send(masked(Opcode.CLOSE, b""))  # no code: none comes back either
        opcode, payload = await ws.frame()
        assert (opcode, payload) == (Opcode.CLOSE.value, b"")


async def test_broken_framing_closes_with_the_code_rfc_6455_names(claimed: Running) -> None:
    assert claimed.owner is not None
    token = claimed.owner.access_token
    cases = [
        ("invalid UTF-8 in a text frame", masked(Opcode.TEXT, b"\xff\xfe"), 1007),
        ("an unmasked frame", Frame(Opcode.TEXT, b"{}").serialize(mask=False, extensions=[]), 1002),
        ("a continuation with no message", masked(Opcode.CONT, b"x"), 1002),
        (
            "a new message inside a fragmented one",
            masked(Opcode.TEXT, b"{", fin=False) + masked(Opcode.TEXT, b"{}"),
            1002,
        ),
        ("a close code that is never sent", masked(Opcode.CLOSE, struct.pack("!H", 1005)), 1002),
        # Only the header: the server refuses before it waits for 10 MB.
        ("a frame above the hard cap", bytes([0x81, 0xFF]) + struct.pack("!Q", 10**7), 1009),
    ]
    for what, data, code in cases:
        async with raw_ws(claimed, token) as ws:
            ws.send(data)
            got, reason = await ws.closed_with()
            assert got == code, f"{what}: {got} {reason}"
            if code == 1009:
                assert reason == f"frame exceeds limit of {HARD_CAP} bytes"
    # Fragments add up to the cap too.
    async with raw_ws(claimed, token) as ws:
        part = b"x" * (HARD_CAP // 2)
        ws.send(masked(Opcode.TEXT, part, fin=False) + masked(Opcode.CONT, part + b"x"))
        assert (await ws.closed_with())[0] == 1009
    async with raw_ws(claimed, token) as ws:  # and the server serves on
        ws.send(text({"id": 1, "type": "ping"}))
        assert (await ws.json())["success"] is True


async def test_upgrades_elsewhere_or_of_another_version_get_http_errors(claimed: Running) -> None:
    rt = claimed.rt
    for path, version, status in [
        ("/api/v1/other", "13", 404),
        ("/api/v1/ws/", "13", 404),
        (WS_PATH, "8", 426),
    ]:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", rt.bound_port, ssl=ssl_of(claimed)
        )
        got, head = await RawWs(reader, writer).request(path, version)
        assert got == status, (path, version, head)
        writer.close()
    r = await claimed.client.get("/healthz")
    assert r.status_code == 200


async def test_a_whole_upgrade_skips_the_http_parser_and_a_split_one_goes_through_it(
    claimed: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade that arrives whole goes straight to the endpoint (server/http/raw_body.py);
    one that comes in pieces is parsed by uvicorn first; both open, and both refuse the same."""
    parsed: list[bytes] = []
    original = RawBodyProtocol.data_received

    def counting(self: RawBodyProtocol, data: bytes) -> None:
        parsed.append(data)
        original(self, data)

    monkeypatch.setattr(RawBodyProtocol, "data_received", counting)
    port, ctx = claimed.rt.bound_port, ssl_of(claimed)
    for split in (False, True):
        parsed.clear()
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
        ws = RawWs(reader, writer)
        status, _ = await ws.request(WS_PATH, split=split)
        assert status == 101
        assert (await ws.json())["type"] == "auth_required"
        assert len(parsed) == (2 if split else 0)
        await ws.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
        assert (await RawWs(reader, writer).request(WS_PATH, "8", split=split))[0] == 426
        writer.close()


async def test_a_burst_beyond_the_in_flight_limit_is_answered_in_full(tmp_path: Path) -> None:
    """300 sends in one write: 64 run at once, the rest wait (the socket stops being read
    meanwhile), and every one is acknowledged once, in a conversation of its own seqs."""
    conf = make_settings(tmp_path, send_rate_per_s=100_000, send_burst=100_000)
    async with running(conf) as claimed:
        await _burst(claimed)


async def _burst(claimed: Running) -> None:
    owner = await claimed.claim()
    other = await claimed.add_user("other")
    client = await WsClient.open(claimed.server.base_url, owner.access_token, ssl_of(claimed))
    try:
        group = await client.call(
            "conversation/create_group", name="Burst", member_ids=[other.user_id]
        )
    finally:
        await client.ws.close()
    n = 300
    async with raw_ws(claimed, owner.access_token) as ws:
        ws.send(
            b"".join(
                text(
                    {
                        "id": i,
                        "type": "message/send",
                        "conversation_id": group["id"],
                        "client_id": f"b{i}",
                        "text": f"burst {i}",
                    }
                )
                for i in range(1, n + 1)
            )
        )
        acks: dict[int, int] = {}
        while len(acks) < n:
            reply = await ws.json()
            assert reply["type"] == "result" and reply["success"], reply
            acks[reply["id"]] = reply["result"]["seq"]
    assert sorted(acks) == list(range(1, n + 1))
    assert sorted(acks.values()) == list(range(2, n + 2))  # seq 1 is the group's creation


# --- the endpoint alone, with a short keepalive -------------------------------------------------


class Echo:
    """The smallest session: answers each text with the same text."""

    def __init__(self, wire: Endpoint) -> None:
        self.wire = wire
        self.ended = asyncio.Event()

    def opened(self) -> None:
        self.wire.send_text("hello")

    def received(self, text: str) -> None:
        self.wire.send_text(text)

    def received_binary(self) -> None:
        self.wire.send_text("binary")

    def writable_again(self) -> None:
        pass

    def lost(self) -> None:
        self.ended.set()


@asynccontextmanager
async def echo_server(keepalive_s: float) -> AsyncIterator[tuple[int, set[Any], list[Echo]]]:
    connections: set[Any] = set()
    sessions: list[Echo] = []

    def start(wire: Endpoint) -> Echo:
        sessions.append(Echo(wire))
        return sessions[-1]

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Endpoint(
            connections, start, max_size=HARD_CAP, keepalive_s=keepalive_s, end_timeout_s=0.5
        ),
        "127.0.0.1",
        0,
    )
    try:
        yield server.sockets[0].getsockname()[1], connections, sessions
    finally:
        server.close()
        await server.wait_closed()


async def test_a_client_that_never_answers_pings_is_closed_with_1011() -> None:
    async with echo_server(keepalive_s=0.2) as (port, connections, sessions):
        ws = await RawWs.open("127.0.0.1", port, None)
        try:
            assert await ws.frame() == (Opcode.TEXT.value, b"hello")
            opcode, _ = await ws.frame()
            assert opcode == Opcode.PING.value
            assert await ws.closed_with() == (1011, "keepalive ping timeout")
            await asyncio.wait_for(sessions[0].ended.wait(), 5)
            assert not connections
        finally:
            await ws.close()


async def test_a_client_that_answers_pings_stays_and_shutdown_closes_it_with_1012() -> None:
    url = f"ws://127.0.0.1:{{}}{WS_PATH}"
    async with echo_server(keepalive_s=0.1) as (port, connections, _sessions):
        ws = await connect(url.format(port), proxy=None, ping_interval=None)
        try:
            assert await ws.recv() == "hello"
            await asyncio.sleep(0.6)  # six keepalive rounds, each answered by the library
            await ws.send("still here")
            assert await ws.recv() == "still here"
            (endpoint,) = connections
            endpoint.shutdown()
            await asyncio.wait_for(ws.wait_closed(), 5)
            assert ws.close_code == 1012
        finally:
            await ws.close()


async def test_an_upgraded_connection_keeps_nothing_of_its_http_protocol(claimed: Running) -> None:
    """asyncio's TLS protocol keeps bound methods of a buffered app protocol; had the endpoint
    not been buffered too, every WebSocket would keep the HTTP protocol it came from alive."""
    assert claimed.owner is not None

    def http_protocols() -> int:
        gc.collect()
        return sum(isinstance(o, RawBodyProtocol) for o in gc.get_objects())

    before = http_protocols()
    clients = [
        await WsClient.open(claimed.server.base_url, claimed.owner.access_token, ssl_of(claimed))
        for _ in range(5)
    ]
    try:
        await clients[-1].call("ping")
        assert http_protocols() == before
    finally:
        for c in clients:
            await c.ws.close()
