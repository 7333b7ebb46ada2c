"""Upload chunks read straight into the handler's buffers, past uvicorn's per-piece ASGI body.

uvicorn hands a request body to the app as ASGI messages: each TLS read (32 KiB, see
``server/serve.py``) is decrypted into a new bytes object, parsed by httptools, copied into a
bytearray, copied again into a message, and wakes the handler's task. For a 100 MiB upload that
was most of the server's CPU. ``RawBodyProtocol`` is uvicorn's httptools protocol made an
``asyncio.BufferedProtocol``: TLS decrypts (or a plain socket receives) into a buffer it names.
Normally that is one scratch buffer per thread, fed to httptools as before. A handler may take
over the rest of a body with a ``Content-Length`` (``BodyReader``, at its first read): from then
on the bytes land in the buffers it passes to ``read_into``, with no parsing, no message and no
copy. When the body ends, a fresh parser takes the connection's next request. A body the handler
stops reading half-way (it refused the chunk) is read to its end and dropped, as uvicorn does
with a body nobody reads, so that the connection stays usable.

A WebSocket upgrade that arrives whole as a connection's first read goes to the WebSocket
protocol as it came, without httptools: uvicorn would parse it, build a scope, rebuild the
request from it, and the endpoint would parse it again (server/ws/handshake.py checks it). That
was about a tenth of the server's CPU per token resumption.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import httptools
from starlette.requests import Request
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from server.ws.handshake import WS_PATH

EXTENSION = "roost.raw_body"
SCRATCH = 64 * 1024  # bytes per read while httptools parses (requests, small bodies)
_UPGRADE_LINE = f"GET {WS_PATH}".encode()

_local = threading.local()


def _scratch() -> memoryview:
    view: memoryview | None = getattr(_local, "scratch", None)
    if view is None:
        # One per thread: it is filled and read back within one callback, never kept.
        view = _local.scratch = memoryview(bytearray(SCRATCH))
    return view


class BodyCut(Exception):
    """The connection ended before the body did."""


class RawBody:
    """The rest of one request's body, read into buffers the handler gives."""

    def __init__(self, proto: RawBodyProtocol, remaining: int, received: bytes) -> None:
        self._proto = proto
        self.remaining = remaining  # bytes still to come from the connection
        self._early = [memoryview(received)] if received else []  # arrived before the take-over
        self._dest: memoryview | None = None
        self._filled = 0
        self._waiter: asyncio.Future[None] | None = None
        self.cut = False
        self.dropping = False  # abandoned: the rest is read and dropped

    @property
    def done(self) -> bool:
        return self.remaining == 0 and not self._early

    async def read_into(self, buf: memoryview) -> int:
        """Fills ``buf`` as far as the body goes: fewer bytes than it holds only at the end of the
        body (0 once it ended).

        Raises:
            BodyCut: the connection ended first.
        """
        n = 0
        while self._early and n < len(buf):
            piece = self._early[0]
            k = min(len(buf) - n, len(piece))
            buf[n : n + k] = piece[:k]
            n += k
            if k == len(piece):
                self._early.pop(0)
            else:
                self._early[0] = piece[k:]
        if self.cut:
            raise BodyCut
        if n == len(buf) or self.remaining == 0:
            return n
        self._dest, self._filled = buf, n
        self._waiter = asyncio.get_running_loop().create_future()
        self._proto.flow.resume_reading()
        try:
            await self._waiter
        finally:
            self._dest, self._waiter = None, None
            if not self.cut:
                self._proto.flow.pause_reading()  # until the next read_into
        return self._filled

    def abandon(self) -> None:
        """The handler stops reading before the end: the rest is read and dropped."""
        self._proto.release(self)

    # --- the protocol's side --------------------------------------------------------------

    def _span(self) -> memoryview | None:
        """Where the next bytes go: what is left of the buffer, up to the end of the body."""
        if self._dest is None:
            return None
        room = min(len(self._dest) - self._filled, self.remaining)
        return self._dest[self._filled : self._filled + room]

    def _arrived(self, n: int, scratch: memoryview) -> None:
        self.remaining -= n
        if self.dropping:
            return
        if self._dest is None:  # read while nobody was waiting: keep it for the next read_into
            self._early.append(memoryview(bytes(scratch[:n])))
            self._proto.flow.pause_reading()
            return
        self._filled += n
        if (self._filled == len(self._dest) or self.remaining == 0) and self._waiter is not None:
            if not self._waiter.done():
                self._waiter.set_result(None)
            self._proto.flow.pause_reading()

    def _fail(self) -> None:
        self.cut = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(BodyCut())


class RawBodyProtocol(HttpToolsProtocol, asyncio.BufferedProtocol):
    """uvicorn's httptools protocol, reading into buffers it names (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._raw: RawBody | None = None
        self._body_seen = 0  # body bytes httptools delivered for the current request
        self._fresh = True  # nothing read yet

    # --- reading ----------------------------------------------------------------------------

    def get_buffer(self, sizehint: int) -> memoryview:
        raw = self._raw
        if raw is None:
            return _scratch()
        span = raw._span()
        if span is not None and len(span):
            return span
        return _scratch()[: min(SCRATCH, raw.remaining)]

    def buffer_updated(self, nbytes: int) -> None:
        raw = self._raw
        if raw is None:
            data = bytes(_scratch()[:nbytes])
            if self._fresh:
                self._fresh = False
                if _whole_upgrade(data) and self.ws_protocol_class is not None:
                    self._upgrade(data)
                    return
            self.data_received(data)
            return
        raw._arrived(nbytes, _scratch())
        if raw.dropping:
            self._unset_keepalive_if_required()  # as data_received does: the client is sending
        if raw.remaining == 0:
            self._end_raw()

    def _upgrade(self, request: bytes) -> None:
        """What uvicorn's ``handle_websocket_upgrade`` does, with the request as it came."""
        self._unset_keepalive_if_required()
        self.connections.discard(self)
        assert self.ws_protocol_class is not None
        protocol = self.ws_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.server_state, app_state=self.app_state
        )
        protocol.connection_made(self.transport)
        protocol.data_received(request)
        self.transport.set_protocol(protocol)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._body_seen = 0

    def on_body(self, body: bytes) -> None:
        self._body_seen += len(body)
        super().on_body(body)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope and self.scope.get("method") == "PUT":
            scope = cast(dict[str, Any], self.scope)
            scope.setdefault("extensions", {})[EXTENSION] = functools.partial(self._take, cycle)

    def connection_lost(self, exc: Exception | None) -> None:
        raw = self._raw
        self._raw = None
        super().connection_lost(exc)
        if raw is not None:
            raw._fail()

    # --- taking a body over -----------------------------------------------------------------

    def _take(self, cycle: RequestResponseCycle) -> RawBody | None:
        """The rest of ``cycle``'s body as a RawBody; None when it cannot be taken (no
        Content-Length, already whole, another request's turn, a closed connection)."""
        if (
            cycle is not self.cycle
            or self._raw is not None
            or not cycle.more_body
            or cycle.response_complete
            or cycle.disconnected
            or self.transport.is_closing()
        ):
            return None
        length = None
        for name, value in cycle.scope["headers"]:
            if name == b"content-length":
                length = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                return None
        if length is None or length <= self._body_seen:
            return None
        if cycle.waiting_for_100_continue:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            cycle.waiting_for_100_continue = False
        received = bytes(cycle.body)
        cycle.body = bytearray()
        raw = RawBody(self, length - self._body_seen, received)
        self._raw = raw
        self.flow.pause_reading()  # until the first read_into
        return raw

    def _end_raw(self) -> None:
        """The body ended: httptools starts afresh at the next request."""
        self._raw = None
        self.parser = httptools.HttpRequestParser(self)
        with contextlib.suppress(AttributeError):  # httptools < 0.6.3, as uvicorn does
            self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        cycle = self.cycle
        cycle.more_body = False
        cycle.message_event.set()

    def release(self, raw: RawBody) -> None:
        if self._raw is raw and not raw.dropping:
            raw.dropping = True
            raw._early.clear()
            self.flow.resume_reading()


def _whole_upgrade(data: bytes) -> bool:
    """A request line for the WebSocket endpoint and the end of the headers; the endpoint's
    handshake checks the rest, and refuses with an HTTP error what is not an upgrade."""
    return (
        data.startswith(_UPGRADE_LINE)
        and data[len(_UPGRADE_LINE) : len(_UPGRADE_LINE) + 1] in (b" ", b"?")
        and b"\r\n\r\n" in data
    )


class BodyReader:
    """``read_into`` over a request's body: straight into the caller's buffers (``RawBody``) when
    the server runs ``RawBodyProtocol`` and the body has a ``Content-Length``, else over the ASGI
    stream. The body is taken over at the first read: a request refused before that is answered
    as uvicorn answers any request whose body nobody read.
    """

    def __init__(
        self, request: Request, pieces: AsyncIterator[bytes], cut: Callable[[], Exception]
    ) -> None:
        self._take: Callable[[], RawBody | None] | None = request.scope.get("extensions", {}).get(
            EXTENSION
        )
        self._pieces = pieces
        self._cut = cut
        self._raw: RawBody | None = None
        self._streamed: StreamedBody | None = None

    async def read_into(self, buf: memoryview, /) -> int:
        if self._raw is None and self._streamed is None:
            self._raw = self._take() if self._take is not None else None
            if self._raw is None:
                self._streamed = StreamedBody(self._pieces)
        if self._streamed is not None:
            return await self._streamed.read_into(buf)
        assert self._raw is not None
        try:
            return await self._raw.read_into(buf)
        except BodyCut:
            raise self._cut() from None

    def abandon(self) -> None:
        if self._raw is not None:
            self._raw.abandon()


class StreamedBody:
    """``read_into`` over the usual ASGI body stream: the same interface, one more copy."""

    def __init__(self, pieces: AsyncIterator[bytes]) -> None:
        self._pieces = pieces
        self._left = memoryview(b"")
        self._ended = False

    async def read_into(self, buf: memoryview, /) -> int:
        n = 0
        while n < len(buf):
            if not self._left:
                if self._ended:
                    break
                piece = await anext(self._pieces, None)
                if piece is None:
                    self._ended = True
                    break
                self._left = memoryview(piece)
                continue
            k = min(len(buf) - n, len(self._left))
            buf[n : n + k] = self._left[:k]
            self._left = self._left[k:]
            n += k
        return n

    def abandon(self) -> None:
        pass
