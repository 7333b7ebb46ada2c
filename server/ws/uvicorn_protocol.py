"""uvicorn's WebSocket protocol, without a pause and resume of the socket for every message."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState

# The ASGI scope extension under which the connection finds ``send_now``.
SEND_NOW = "roost.send_now"

# Frames a connection may have read but not yet handed to the app before its socket stops
# being read (the TCP window then pushes back on the client).
HIGH_WATER = 64


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
        try:
            self.conn.send_text(text.encode())
        except InvalidState:
            return False
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True
