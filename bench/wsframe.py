"""The few parts of RFC 6455 the load generator and the reference servers need, written for
speed: whole frames only (no fragmentation, no extensions), text and control frames.

The ``websockets`` library costs 50–90 µs of CPU per frame on this machine, and at the top of
W-chat's ladder (135 000 deliveries a second) the generator has 7 µs per delivery: a library
client would measure itself, not the server. Standard library only, because the desktop app's
capacity check runs the same generator.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct

TEXT = 0x1
BINARY = 0x2
CLOSE = 0x8
PING = 0x9
PONG = 0xA

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_LEN16 = struct.Struct("!H")
_LEN64 = struct.Struct("!Q")


class ProtocolError(Exception):
    """The peer sent something this minimal implementation does not take."""


def accept_key(key: bytes) -> bytes:
    """The ``Sec-WebSocket-Accept`` answer to a ``Sec-WebSocket-Key``."""
    return base64.b64encode(hashlib.sha1(key + _GUID, usedforsecurity=False).digest())


def client_key() -> bytes:
    return base64.b64encode(os.urandom(16))


def upgrade_request(netloc: str, path: str, key: bytes) -> bytes:
    """A client's opening handshake for ``path`` on ``netloc`` with ``key`` (client_key())."""
    return (
        (
            f"GET {path} HTTP/1.1\r\nHost: {netloc}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        ).encode()
        + b"Sec-WebSocket-Key: "
        + key
        + b"\r\n\r\n"
    )


def take_upgrade(buf: bytearray, key: bytes) -> bool:
    """Removes the server's answer to the handshake from the front of ``buf``: False while it
    has not all arrived, True once it has and accepted ``key``.

    Raises:
        ProtocolError: the server answered with anything but a switch to WebSocket for ``key``.
    """
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return False
    head = bytes(buf[:end]).decode("latin-1")
    del buf[: end + 4]
    if not head.startswith("HTTP/1.1 101") or accept_key(key).decode() not in head:
        raise ProtocolError(f"the server refused the upgrade: {head[:80]!r}")
    return True


def header(length: int, opcode: int = TEXT, *, masked: bool = False) -> bytes:
    """A final frame's header (without the mask key)."""
    mask_bit = 0x80 if masked else 0
    first = 0x80 | opcode
    if length < 126:
        return bytes((first, mask_bit | length))
    if length < 65536:
        return bytes((first, mask_bit | 126)) + _LEN16.pack(length)
    return bytes((first, mask_bit | 127)) + _LEN64.pack(length)


def mask(payload: bytes, key: bytes) -> bytes:
    """XOR ``payload`` with the repeated 4-byte ``key`` (its own inverse), as one big integer:
    for the short frames of a chat this is far faster than a loop over bytes."""
    n = len(payload)
    if n == 0:
        return payload
    reps = key * (n // 4 + 1)
    x = int.from_bytes(payload, "big") ^ int.from_bytes(reps[:n], "big")
    return x.to_bytes(n, "big")


def client_frame(payload: bytes, opcode: int = TEXT) -> bytes:
    """A masked frame, as a client must send it."""
    key = os.urandom(4)
    return header(len(payload), opcode, masked=True) + key + mask(payload, key)


def server_frame(payload: bytes, opcode: int = TEXT) -> bytes:
    """An unmasked frame, as a server sends it."""
    return header(len(payload), opcode) + payload


def split(buf: bytearray, *, max_size: int = 1 << 24) -> list[tuple[int, bytes]]:
    """Removes every complete frame from the front of ``buf`` and returns them as (opcode,
    payload), unmasked. What is left in ``buf`` is the start of an incomplete frame."""
    frames: list[tuple[int, bytes]] = []
    pos, end = 0, len(buf)
    while end - pos >= 2:
        b0, b1 = buf[pos], buf[pos + 1]
        if b0 & 0x70:
            raise ProtocolError("no extension was negotiated")
        if not b0 & 0x80:
            raise ProtocolError("fragmented frames are not supported")
        length = b1 & 0x7F
        at = pos + 2
        if length == 126:
            if end - at < 2:
                break
            (length,) = _LEN16.unpack_from(buf, at)
            at += 2
        elif length == 127:
            if end - at < 8:
                break
            (length,) = _LEN64.unpack_from(buf, at)
            at += 8
        if length > max_size:
            raise ProtocolError(f"a frame of {length} bytes is over the limit")
        if b1 & 0x80:
            if end - at < 4 + length:
                break
            key = bytes(buf[at : at + 4])
            payload = mask(bytes(buf[at + 4 : at + 4 + length]), key)
            at += 4 + length
        else:
            if end - at < length:
                break
            payload = bytes(buf[at : at + length])
            at += length
        frames.append((b0 & 0x0F, payload))
        pos = at
    if pos:
        del buf[:pos]
    return frames
