"""The WebSocket endpoint as an asyncio protocol of our own, in place of uvicorn's WebSocket
protocol and the ASGI route.

Why: through uvicorn, websockets' parser, an ASGI queue, Starlette's ``receive`` and a reader
task, every frame cost about 1 ms of the Pi's one busy core, and every idle connection held
about 40 KiB of Python objects (docs/performance.md). Here a frame goes from ``data_received``
straight to the connection's dispatch, and a connection is this object, its ``Connection``,
and one timer; no task waits on an idle connection.

uvicorn still owns the listening socket, TLS and HTTP: its HTTP protocol sees the upgrade and
hands the transport over to this one (``uvicorn.Config(ws=...)``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from server.ws.frames import (
    CLOSE_INVALID_DATA,
    CLOSE_NO_STATUS,
    CLOSE_PROTOCOL_ERROR,
    CLOSE_TOO_BIG,
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Frame,
    FrameReader,
    ProtocolError,
    close_frame,
    control_frame,
    parse_close,
    wire_frame,
)
from server.ws.handshake import MAX_REQUEST_BYTES, Refused, accept

log = logging.getLogger(__name__)

CLOSE_SERVICE_RESTART = 1012
CLOSE_KEEPALIVE = 1011
KEEPALIVE_S = 20.0
# How long a connection being closed gets to flush what is queued and to exchange close
# frames. A client that stopped reading never lets either through; after this it is dropped.
END_TIMEOUT_S = 2.0


# What one read from the socket (or from TLS) takes at most.
READ_SIZE = 64 * 1024


class _ReadBuffer(threading.local):
    """One per event-loop thread: a read is copied out of it before anything else runs."""

    def __init__(self) -> None:
        self.view = memoryview(bytearray(READ_SIZE))


_read_buffer = _ReadBuffer()
# Ping payloads only need to tell this ping's pong from a stale one.
_pings = itertools.count()


class Session(Protocol):
    """What runs on top of the endpoint: server/ws/connection.py."""

    def opened(self) -> None: ...

    def received(self, text: str) -> None: ...

    def received_binary(self) -> None: ...

    def writable_again(self) -> None: ...

    def lost(self) -> None: ...


class Endpoint(asyncio.BufferedProtocol):
    """One WebSocket connection's wire: the handshake, frames, pings, and the close handshake.

    A buffered protocol, reading into its thread's one buffer. That also matters for memory:
    asyncio's TLS protocol keeps bound methods of a buffered app protocol, and uvicorn's HTTP
    protocol, which hands over to this one, is buffered; had this one not been, each connection
    would have kept the HTTP protocol it came from alive (about 5 KiB).

    Attributes:
        writable: False while the transport's write buffer is above its high-water mark; the
            session queues instead of writing then.
    """

    __slots__ = (
        "_closing",
        "_connections",
        "_end_timeout_s",
        "_fragments",
        "_keepalive_s",
        "_loop",
        "_opcode",
        "_pong_due",
        "_reader",
        "_reader_max",
        "_reading",
        "_request",
        "_session",
        "_size",
        "_start",
        "_timer",
        "_view",
        "transport",
        "writable",
    )

    def __init__(
        self,
        connections: set[Any],
        start: Callable[[Endpoint], Session],
        *,
        max_size: int,
        keepalive_s: float = KEEPALIVE_S,
        end_timeout_s: float = END_TIMEOUT_S,
    ) -> None:
        self._connections = connections
        self._start = start
        self._keepalive_s = keepalive_s
        self._end_timeout_s = end_timeout_s
        self._loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self._request = b""
        self._reader: FrameReader | None = None
        self._reader_max = max_size
        self._session: Session | None = None
        self._fragments: list[bytes] | None = None
        self._opcode = OP_TEXT
        self._size = 0
        self._timer: asyncio.TimerHandle | None = None
        self._pong_due: bytes | None = None
        self._closing = False  # our close frame is out (or the connection failed)
        self._reading = True
        self.writable = True
        self._view = _read_buffer.view

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        session, self._session = self._session, None
        if session is not None:
            session.lost()

    def pause_writing(self) -> None:
        self.writable = False

    def resume_writing(self) -> None:
        self.writable = True
        if self._session is not None:
            self._session.writable_again()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(self._view[:nbytes].tobytes())

    def data_received(self, data: bytes) -> None:
        """Also called by uvicorn once, with the upgrade request."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if self._reader is None:
            self._handshake(data)
            return
        try:
            frames = self._reader.feed(data)
        except ProtocolError as exc:
            self._fail(exc.code, exc.reason)
            return
        for frame in frames:
            if transport.is_closing():
                return
            self._frame(frame)

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def shutdown(self) -> None:
        """uvicorn's: the server is stopping."""
        if self._reader is None:
            if self.transport is not None:
                self.transport.close()
            return
        self.close(CLOSE_SERVICE_RESTART, "")

    # --- what the session uses ----------------------------------------------------------------

    def send_text(self, text: str) -> None:
        if not self._closing:  # nothing may follow a close frame
            assert self.transport is not None
            self.transport.write(wire_frame(text))

    def close(self, code: int, reason: str) -> None:
        """Start the closing handshake; the transport is dropped if it does not finish in time."""
        transport = self.transport
        if self._closing or transport is None or transport.is_closing():
            return
        self._closing = True
        transport.write(close_frame(code, reason))
        self._set_timer(self._end_timeout_s, transport.abort)

    def pause_reading(self) -> None:
        if self._reading and self.transport is not None:
            self._reading = False
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if not self._reading and self.transport is not None and not self.transport.is_closing():
            self._reading = True
            self.transport.resume_reading()

    # --- internals ----------------------------------------------------------------------------

    def _handshake(self, data: bytes) -> None:
        assert self.transport is not None
        request = self._request + data
        head, sep, rest = request.partition(b"\r\n\r\n")
        if not sep:
            if len(request) > MAX_REQUEST_BYTES:
                self.transport.close()
            else:
                self._request = request
            return
        self._request = b""
        try:
            response = accept(head)
        except Refused as exc:
            self.transport.write(exc.response())
            self.transport.close()
            return
        self.transport.write(response)
        self._reader = FrameReader(self._reader_max)
        self._set_timer(self._keepalive_s, self._keepalive)
        self._session = self._start(self)
        self._session.opened()
        if rest:
            self.data_received(rest)

    def _frame(self, frame: Frame) -> None:
        op = frame.opcode
        if op in (OP_TEXT, OP_BINARY):
            if self._fragments is not None:
                self._fail(CLOSE_PROTOCOL_ERROR, "a message began before the last one ended")
            elif frame.fin:
                self._message(op, frame.payload)
            else:
                self._fragments, self._opcode, self._size = [frame.payload], op, len(frame.payload)
        elif op == OP_CONT:
            parts = self._fragments
            if parts is None:
                self._fail(CLOSE_PROTOCOL_ERROR, "a continuation frame with no message")
                return
            self._size += len(frame.payload)
            assert self._reader is not None
            if self._size > self._reader.max_size:
                limit = self._reader.max_size
                self._fail(CLOSE_TOO_BIG, f"frame exceeds limit of {limit} bytes")
                return
            parts.append(frame.payload)
            if frame.fin:
                self._fragments = None
                self._message(self._opcode, b"".join(parts))
        elif op == OP_PING:
            if not self._closing:
                assert self.transport is not None
                self.transport.write(control_frame(OP_PONG, frame.payload))
        elif op == OP_PONG:
            if frame.payload == self._pong_due:
                self._pong_due = None
        elif op == OP_CLOSE:
            self._peer_closed(frame.payload)

    def _message(self, opcode: int, payload: bytes) -> None:
        session = self._session
        if self._closing or session is None:
            return  # past our close frame: only the peer's close reply matters now
        if opcode == OP_BINARY:
            session.received_binary()
            return
        try:
            text = payload.decode()
        except UnicodeDecodeError:
            self._fail(CLOSE_INVALID_DATA, "text frames must be UTF-8")
            return
        session.received(text)

    def _peer_closed(self, payload: bytes) -> None:
        transport = self.transport
        assert transport is not None
        try:
            code, _reason = parse_close(payload)
        except ProtocolError as exc:
            self._fail(exc.code, exc.reason)
            return
        if not self._closing:
            self._closing = True
            # Echo the code, as RFC 6455 5.5.1 asks; a close without one gets none back.
            echo = close_frame(code) if code != CLOSE_NO_STATUS else control_frame(OP_CLOSE)
            transport.write(echo)
        # The server closes the TCP connection first (RFC 6455 7.1.1); the timer drops a peer
        # that does not read what is still buffered for it.
        self._set_timer(self._end_timeout_s, transport.abort)
        transport.close()

    def _fail(self, code: int, reason: str) -> None:
        """The peer broke the protocol (or stopped answering): say why, and stop reading it."""
        transport = self.transport
        assert transport is not None
        log.info("closing a WebSocket: %s (%s)", reason, code)
        self.close(code, reason)  # also arms the timer that drops a peer that does not read
        transport.close()

    def _keepalive(self) -> None:
        assert self.transport is not None
        if self._pong_due is not None:
            self._fail(CLOSE_KEEPALIVE, "keepalive ping timeout")
            return
        self._pong_due = (next(_pings) & 0xFFFFFFFF).to_bytes(4, "big")
        self.transport.write(control_frame(OP_PING, self._pong_due))
        self._set_timer(self._keepalive_s, self._keepalive)

    def _set_timer(self, delay: float, callback: Callable[[], object]) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_later(delay, callback)
