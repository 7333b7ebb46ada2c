"""Token resumption (WORKLOADS W-login): open a WebSocket, authenticate with an access token the
client already holds, close; as a client does after a network change or a laptop wakes up.

One connection is one small state machine in the protocol's callbacks, so that the generator
spends its core on connections and not on its own machinery: through ``RawWebSocket`` (a
queue per connection, a task for the bounded close) the generator's core ran out at about
1 700 resumptions/s against a server that answered faster than that (docs/performance.md)."""

from __future__ import annotations

import asyncio
import gc
import json
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from bench import wsframe
from bench.chat_load import ms, percentile

LOOPS = 20  # connections in flight


class Resumed(Exception):
    """A resumption that did not end in ``auth_ok``."""


class _Resumption(asyncio.Protocol):
    """Upgrade; the server's hello; our auth frame; its ``auth_ok``; our close; its close."""

    def __init__(self, netloc: str, path: str, auth: bytes, done: asyncio.Future[float]) -> None:
        self._key = wsframe.client_key()
        self._request = wsframe.upgrade_request(netloc, path, self._key)
        self._auth = auth
        self._done = done
        self._buf = bytearray()
        self._open = False
        self._texts = 0
        self._start = time.perf_counter()
        self._latency: float | None = None
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        try:
            if not self._open:
                if not wsframe.take_upgrade(buf, self._key):
                    return
                self._open = True
            frames = wsframe.split(buf)
        except wsframe.ProtocolError as exc:
            self._fail(str(exc))
            return
        transport = self._transport
        assert transport is not None
        for opcode, payload in frames:
            if opcode == wsframe.TEXT:
                self._texts += 1
                if self._texts == 1:  # the server's hello
                    transport.write(wsframe.client_frame(self._auth))
                elif self._texts == 2:
                    if b'"auth_ok"' not in payload:
                        self._fail(f"auth refused: {payload[:200]!r}")
                        return
                    self._latency = time.perf_counter() - self._start
                    transport.write(wsframe.client_frame(b"\x03\xe8", wsframe.CLOSE))
            elif opcode == wsframe.PING:
                transport.write(wsframe.client_frame(payload, wsframe.PONG))
            elif opcode == wsframe.CLOSE:
                transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._done.done():
            return
        if self._latency is not None:
            self._done.set_result(self._latency)
        else:
            self._done.set_exception(Resumed(f"the connection ended early: {exc}"))

    def _fail(self, why: str) -> None:
        if not self._done.done():
            self._done.set_exception(Resumed(why))
        self.abort()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()


async def resume_once(
    host: str, port: int, netloc: str, path: str, auth: bytes, ctx: ssl.SSLContext | None
) -> float:
    """One resumption, within ten seconds; its latency to ``auth_ok`` in seconds."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[float] = loop.create_future()
    proto = _Resumption(netloc, path, auth, done)
    try:
        async with asyncio.timeout(10):
            await loop.create_connection(
                lambda: proto, host, port, ssl=ctx, server_hostname=host if ctx else None
            )
            return await done
    except BaseException:  # a timeout or the end of the run: no connection left behind
        proto.abort()
        raise


async def resumption(
    ws_url: str, ctx: ssl.SSLContext | None, tokens: list[str], seconds: float = 10.0
) -> dict[str, Any]:
    """``LOOPS`` loops of resumptions for ``seconds``; resumptions/s and latency to auth_ok."""
    parts = urlsplit(ws_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    auths = [json.dumps({"type": "auth", "access_token": t}).encode() for t in tokens]
    latencies: list[float] = []
    failures = 0
    deadline = 0.0

    async def loop(k: int) -> None:
        nonlocal failures
        i = k
        while time.monotonic() < deadline:
            auth = auths[i % len(auths)]
            try:
                latencies.append(await resume_once(host, port, parts.netloc, parts.path, auth, ctx))
            except (OSError, TimeoutError, Resumed):
                failures += 1
            i += LOOPS

    # The generator's collector stays out of the measurement, as in W-chat's steps; the clock
    # starts after its last collection.
    gc.collect()
    gc.disable()
    t0 = time.monotonic()
    deadline = t0 + seconds
    try:
        await asyncio.gather(*(loop(k) for k in range(LOOPS)))
    finally:
        gc.enable()
    elapsed = time.monotonic() - t0
    return {
        "resumptions": len(latencies),
        "failures": failures,
        "resumptions_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": ms(percentile(latencies, 0.5)),
        "p99_ms": ms(percentile(latencies, 0.99)),
    }
