"""A WebSocket client as an asyncio protocol, for the load generator: frames are handed to a
callback as they arrive, with the arrival time of the read that carried them, and sends are a
plain ``transport.write`` (see bench/wsframe.py for why not the ``websockets`` library)."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from bench import wsframe

OnText = Callable[[str, float], None]


class ConnectionClosed(Exception):
    """The connection ended (or never opened)."""


class RawWebSocket(asyncio.Protocol):
    """One client connection. Until ``on_text`` is set, text frames queue up for ``recv``."""

    def __init__(self, host: str, path: str) -> None:
        self._key = wsframe.client_key()
        self._request = wsframe.upgrade_request(host, path, self._key)
        self.transport: asyncio.Transport | None = None
        self.on_text: OnText | None = None
        self._buf = bytearray()
        self._open = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buf = self._buf
        buf += data
        try:
            if not self._open:
                if not wsframe.take_upgrade(buf, self._key):
                    return
                self._open = True
                self.opened.set_result(None)
            frames = wsframe.split(buf)
        except wsframe.ProtocolError as exc:
            self._fail(ConnectionClosed(str(exc)))
            return
        for opcode, payload in frames:
            if opcode == wsframe.TEXT:
                text = payload.decode()
                if self.on_text is not None:
                    self.on_text(text, now)
                else:
                    self._queue.put_nowait(text)
            elif opcode == wsframe.PING:
                self._write(payload, wsframe.PONG)
            elif opcode == wsframe.CLOSE:
                self._write(payload[:2], wsframe.CLOSE)
                assert self.transport is not None
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(ConnectionClosed(str(exc) if exc else "closed"))

    # --- use ----------------------------------------------------------------------------------

    def _fail(self, exc: ConnectionClosed) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc)
        if not self.closed.done():
            self.closed.set_result(None)
            self._queue.put_nowait(None)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def _write(self, payload: bytes, opcode: int) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(wsframe.client_frame(payload, opcode))

    def send(self, text: str) -> None:
        """Queues a text frame (no waiting: an open-loop sender never waits)."""
        if self.transport is None or self.transport.is_closing():
            raise ConnectionClosed("the connection is closed")
        self.transport.write(wsframe.client_frame(text.encode()))

    def take_frames(self, on_text: OnText) -> None:
        """From now on every text frame goes to ``on_text``; those queued so far are dropped."""
        while not self._queue.empty():
            if self._queue.get_nowait() is None:
                self._queue.put_nowait(None)
                break
        self.on_text = on_text

    async def recv(self) -> str:
        """The next text frame, while no ``on_text`` callback takes them."""
        text = await self._queue.get()
        if text is None:
            self._queue.put_nowait(None)  # later calls fail too
            raise ConnectionClosed("the connection is closed")
        return text

    def __aiter__(self) -> RawWebSocket:
        return self

    async def __anext__(self) -> str:
        try:
            return await self.recv()
        except ConnectionClosed:
            raise StopAsyncIteration from None

    async def close(self) -> None:
        """A close handshake, bounded to a second."""
        if self.transport is None or self.transport.is_closing():
            return
        self._write(b"\x03\xe8", wsframe.CLOSE)
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), 1.0)
        except TimeoutError:
            self.transport.abort()


async def connect(url: str, ctx: ssl.SSLContext | None) -> RawWebSocket:
    """Opens ``ws://`` or ``wss://`` ``url`` (``ctx`` is the TLS context for wss), within a
    minute (a server hashing passwords on one core can be slow to accept)."""
    parts = urlsplit(url)
    secure = parts.scheme == "wss"
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if secure else 80)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    netloc = parts.netloc.rsplit("@", 1)[-1]
    loop = asyncio.get_running_loop()
    proto = RawWebSocket(netloc, path or "/")
    async with asyncio.timeout(60):
        if secure:
            tls = ctx or ssl.create_default_context()
            await loop.create_connection(lambda: proto, host, port, ssl=tls, server_hostname=host)
        else:
            await loop.create_connection(lambda: proto, host, port)
        await proto.opened
    return proto
