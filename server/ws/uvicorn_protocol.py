"""uvicorn's WebSocket protocol, without a pause and resume of the socket for every message."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.protocol import State

# The ASGI scope extension under which the connection finds ``send_now``.
SEND_NOW = "roost.send_now"

# Frames a connection may have read but not yet handed to the app before its socket stops
# being read (the TCP window then pushes back on the client).
HIGH_WATER = 64


class WireFrames:
    """A text frame as it goes on the wire (RFC 6455: final, unmasked, no extension), made once
    for a fan-out. A fan-out hands the same ``str`` to every recipient in a row, so the last one
    is kept: the other recipients' copies cost a lookup instead of an encode and a
    serialisation each. Holding the last text also keeps its identity from being reused."""

    def __init__(self) -> None:
        self._text: str | None = None
        self._wire = b""

    def __call__(self, text: str) -> bytes:
        if text is not self._text:
            payload = text.encode()
            n = len(payload)
            if n < 126:
                head = bytes((0x81, n))
            elif n < 65536:
                head = b"\x81\x7e" + struct.pack("!H", n)
            else:
                head = b"\x81\x7f" + struct.pack("!Q", n)
            self._wire = head + payload
            self._text = text
        return self._wire


wire_frame = WireFrames()


class _PauseOnDemand:
    """The transport as uvicorn's protocol sees it: its per-message pause requests are ignored,
    and reading stops only when ``pause`` is called for real (see below)."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self.paused = False

    def pause_reading(self) -> None:
        """Asked for after every message; we pause only past HIGH_WATER."""

    def pause(self) -> None:
        if not self.paused:
            self.paused = True
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if self.paused:
            self.paused = False
            self._transport.resume_reading()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """WORKAROUND: uvicorn pauses the socket after each received message and resumes it when
    the app takes the message: two epoll changes per message, 11 % of the server's CPU under
    W-chat. Here the socket keeps being read until HIGH_WATER messages are waiting, so the
    memory a fast or hostile client can make us hold stays bounded all the same.
    Relies on uvicorn's ``transport``, ``queue`` and ``data_received`` (uvicorn 0.3x)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.transport = _PauseOnDemand(self.transport)  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.queue.qsize() >= HIGH_WATER:
            self.transport.pause()  # type: ignore[attr-defined]

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        self.scope["extensions"][SEND_NOW] = self.send_now  # type: ignore[assignment]

    def send_now(self, text: str) -> bool:
        """Write a text frame at once, without a trip through the ASGI send coroutine and a
        writer task for every frame of a fan-out. False when the socket is not keeping up (or
        is closing): the caller then queues the frame for the ASGI path, which waits."""
        if (
            not self.handshake_complete
            or self.close_sent
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        conn = self.conn
        if conn.extensions:
            # Not with this server (it offers none), but then the library must frame it.
            try:
                conn.send_text(text.encode())
            except InvalidState:
                return False
            self.transport.write(b"".join(conn.data_to_send()))
            return True
        if conn.state is not State.OPEN:
            return False
        pending = conn.data_to_send()  # whatever the library queued goes first
        if pending:
            self.transport.write(b"".join(pending))
        self.transport.write(wire_frame(text))
        return True
