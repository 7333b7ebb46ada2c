"""The WebSocket client's transport: a pinned ``wss://`` connection to ``/api/v1/ws``.

Only the socket lives here: opening it with the pinned certificate checked before any frame is
sent, and reading how it closed. What the frames mean is ``app.chat.session``'s business.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidURI

from app.net.address import Address
from app.net.errors import Unreachable
from app.net.pinning import websocket_ssl

WS_PATH = "/api/v1/ws"

# Frames from the server have no size limit (protocol 14.6): a history page or a busy
# account's conversation list can be megabytes, so the library's 1 MiB default would cut them.
MAX_INCOMING_BYTES = 64 * 1024 * 1024

OPEN_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class CloseInfo:
    """How a connection ended.

    Attributes:
        code: the close code received, or None when no close frame came (1006: the network
            failed or the connection was cut).
        reason: the close reason ("" when none).
    """

    code: int | None
    reason: str


def ws_url(address: Address, *, tls: bool = True) -> str:
    """``wss://host:port/api/v1/ws`` (``ws://`` only behind a TLS reverse proxy)."""
    return f"{'wss' if tls else 'ws'}://{address}{WS_PATH}"


async def open_socket(
    address: Address, fingerprint: str | None, *, open_timeout: float = OPEN_TIMEOUT_S
) -> ClientConnection:
    """Opens the WebSocket and checks the pinned certificate before returning it.

    Args:
        address: the server.
        fingerprint: the pinned certificate's SHA-256; None only for a server reached in
            clear text behind a TLS proxy (``insecure_http``).
        open_timeout: seconds for TCP, TLS and the HTTP upgrade together.

    Returns:
        The open connection; nothing has been sent on it beyond the upgrade request (which
        carries no secret: the token goes in the first frame).

    Raises:
        Unreachable: nothing answered, it timed out, or the upgrade was refused.
        CertificateChanged: the server presented another certificate (the socket is closed).
    """
    context: ssl.SSLContext | None = None
    check = None
    if fingerprint is not None:
        context, check = websocket_ssl(fingerprint)
    url = ws_url(address, tls=fingerprint is not None)
    try:
        ws = await connect(
            url,
            ssl=context,
            max_size=MAX_INCOMING_BYTES,
            open_timeout=open_timeout,
            # The server pings every 20 s; our own keepalive notices a dead link sooner
            # when the laptop wakes from sleep.
            ping_interval=20,
            ping_timeout=20,
        )
    except TimeoutError as exc:
        raise Unreachable(str(address), f"timed out: {exc}", timed_out=True) from exc
    except (OSError, InvalidHandshake, InvalidURI) as exc:
        raise Unreachable(str(address), str(exc)) from exc
    if check is not None:
        try:
            check(ws.transport)
        except BaseException:
            ws.transport.abort()
            raise
    return ws


def close_info(ws: ClientConnection) -> CloseInfo:
    """The close code and reason the server sent, or ``(None, "")`` when none arrived."""
    rcvd = ws.protocol.close_rcvd
    if rcvd is None:
        return CloseInfo(None, "")
    return CloseInfo(rcvd.code, rcvd.reason)
