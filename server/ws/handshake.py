"""The WebSocket opening handshake (RFC 6455 section 4.2), server side.

uvicorn's HTTP protocol has already parsed the request and seen ``Upgrade: websocket``; it
hands over the request as bytes. Only ``WS_PATH`` is a WebSocket endpoint."""

from __future__ import annotations

import base64
import binascii
import hashlib
from http import HTTPStatus

WS_PATH = "/api/v1/ws"
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# The request line and headers; uvicorn has parsed them already, so this only bounds what a
# request split across reads can make us keep.
MAX_REQUEST_BYTES = 16 * 1024


class Refused(Exception):
    """The upgrade is refused with an HTTP response; the connection is then closed."""

    def __init__(self, status: HTTPStatus, message: str, headers: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers

    def response(self) -> bytes:
        body = self.message.encode()
        lines = [
            f"HTTP/1.1 {self.status.value} {self.status.phrase}",
            "Content-Type: text/plain; charset=utf-8",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *self.headers,
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def accept_value(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()  # noqa: S324 - the RFC's choice, not a secret


def _tokens(value: str) -> set[str]:
    return {t.strip().lower() for t in value.split(",")}


def parse_request(raw: bytes) -> tuple[str, str, dict[str, str]]:
    """Method, target and headers (lower-case names; repeated headers joined by commas)."""
    try:
        text = raw.decode("latin-1")
        request_line, *lines = text.split("\r\n")
        method, target, _version = request_line.split(" ")
    except ValueError:
        raise Refused(HTTPStatus.BAD_REQUEST, "malformed request") from None
    headers: dict[str, str] = {}
    for line in lines:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise Refused(HTTPStatus.BAD_REQUEST, "malformed header")
        name = name.strip().lower()
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return method, target, headers


def accept(raw: bytes) -> bytes:
    """The 101 response to the upgrade request ``raw``, or ``Refused``."""
    method, target, headers = parse_request(raw)
    path = target.partition("?")[0]
    if path != WS_PATH:
        raise Refused(HTTPStatus.NOT_FOUND, f"no WebSocket endpoint at {path}; use {WS_PATH}")
    if method != "GET":
        raise Refused(
            HTTPStatus.METHOD_NOT_ALLOWED, "a WebSocket upgrade is a GET", ("Allow: GET",)
        )
    if "websocket" not in _tokens(headers.get("upgrade", "")) or "upgrade" not in _tokens(
        headers.get("connection", "")
    ):
        raise Refused(HTTPStatus.BAD_REQUEST, "missing Upgrade: websocket")
    if headers.get("sec-websocket-version") != "13":
        raise Refused(
            HTTPStatus.UPGRADE_REQUIRED,
            "only WebSocket version 13 is spoken",
            ("Sec-WebSocket-Version: 13",),
        )
    key = headers.get("sec-websocket-key", "")
    try:
        nonce = base64.b64decode(key.encode(), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        nonce = b""
    if len(nonce) != 16:
        raise Refused(HTTPStatus.BAD_REQUEST, "Sec-WebSocket-Key must be 16 bytes in base64")
    # No Sec-WebSocket-Extensions and no subprotocol in the answer: none is spoken (protocol.md
    # 14.1), and a client offering them proceeds without.
    return (
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_value(key)}\r\n\r\n"
    ).encode()
