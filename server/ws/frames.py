"""WebSocket frames (RFC 6455) as the server reads and writes them: a reader for the client's
masked frames, and the server's own unmasked frames. No extension is ever negotiated, so the
reserved bits are always zero.

Sans-IO: bytes in, frames out; the endpoint (server/ws/endpoint.py) does the I/O."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import NamedTuple

_apply_mask: Callable[[bytes, bytes], bytes] | None
try:
    # websockets' C helper: the pure-Python mask below costs about 1 µs more per small frame.
    from websockets.speedups import apply_mask as _apply_mask
except ImportError:  # pragma: no cover - the wheel ships it; a source build may not
    _apply_mask = None

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA
_KNOWN = frozenset((OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG))

# Close codes a peer may send (RFC 6455 7.4.1 and the IANA registry); 1005, 1006 and 1015 are
# never sent in a frame, and 1004 is reserved.
_SENDABLE_CLOSE = frozenset(
    (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014)
)

CLOSE_NO_STATUS = 1005
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_INVALID_DATA = 1007
CLOSE_TOO_BIG = 1009


class ProtocolError(Exception):
    """The peer broke the framing; the connection is closed with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Frame(NamedTuple):
    opcode: int
    fin: bool
    payload: bytes


def unmask(data: bytes, mask: bytes) -> bytes:
    if _apply_mask is not None:
        return bytes(_apply_mask(data, mask))
    return unmask_python(data, mask)


def unmask_python(data: bytes, mask: bytes) -> bytes:
    """XOR with the repeated 4-byte key, as one big-integer operation."""
    n = len(data)
    if n == 0:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


class FrameReader:
    """Cuts the client's byte stream into frames. A partial frame is kept until the rest
    arrives; a frame longer than ``max_size`` is refused from its header, before its payload
    is buffered, so a client cannot make the server hold more than that."""

    __slots__ = ("_rest", "max_size")

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._rest = b""

    def feed(self, data: bytes) -> list[Frame]:
        if self._rest:
            data = self._rest + data
            self._rest = b""
        frames: list[Frame] = []
        pos, end = 0, len(data)
        while end - pos >= 2:
            b0, b1 = data[pos], data[pos + 1]
            if b0 & 0x70:
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, "reserved bits must be zero")
            opcode = b0 & 0x0F
            if opcode not in _KNOWN:
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, f"unknown opcode {opcode}")
            if not b1 & 0x80:
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, "frames from a client must be masked")
            fin = bool(b0 & 0x80)
            length = b1 & 0x7F
            head = pos + 2
            if length == 126:
                if end - head < 2:
                    break
                length = int.from_bytes(data[head : head + 2], "big")
                head += 2
            elif length == 127:
                if end - head < 8:
                    break
                length = int.from_bytes(data[head : head + 8], "big")
                head += 8
            if opcode >= OP_CLOSE and (length > 125 or not fin):
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, "control frames are short and whole")
            if length > self.max_size:
                raise ProtocolError(CLOSE_TOO_BIG, f"frame exceeds limit of {self.max_size} bytes")
            stop = head + 4 + length
            if stop > end:
                break
            payload = unmask(data[head + 4 : stop], data[head : head + 4])
            frames.append(Frame(opcode, fin, payload))
            pos = stop
        if pos < end:
            self._rest = data[pos:]
        return frames


def _header(first: int, n: int) -> bytes:
    if n < 126:
        return bytes((first, n))
    if n < 65536:
        return bytes((first, 126)) + struct.pack("!H", n)
    return bytes((first, 127)) + struct.pack("!Q", n)


class WireFrames:
    """A text frame as it goes on the wire, made once for a fan-out. A fan-out hands the same
    ``str`` to every recipient in a row, so the last one is kept: the other recipients' copies
    cost an identity check instead of an encode each. Holding the last text also keeps its
    identity from being reused by another string."""

    def __init__(self) -> None:
        self._text: str | None = None
        self._wire = b""

    def __call__(self, text: str) -> bytes:
        if text is not self._text:
            payload = text.encode()
            self._wire = _header(0x80 | OP_TEXT, len(payload)) + payload
            self._text = text
        return self._wire


wire_frame = WireFrames()


def control_frame(opcode: int, payload: bytes = b"") -> bytes:
    return _header(0x80 | opcode, len(payload)) + payload


def close_frame(code: int, reason: str = "") -> bytes:
    """A close frame; the reason is cut to fit the 125-byte limit without splitting a
    character."""
    raw = reason.encode()[:123].decode(errors="ignore").encode()
    return control_frame(OP_CLOSE, struct.pack("!H", code) + raw)


def parse_close(payload: bytes) -> tuple[int, str]:
    """The code and reason of a peer's close frame (1005 when it carries none)."""
    if not payload:
        return CLOSE_NO_STATUS, ""
    if len(payload) == 1:
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, "a close frame's code is two bytes")
    (code,) = struct.unpack("!H", payload[:2])
    if code not in _SENDABLE_CLOSE and not 3000 <= code <= 4999:
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, f"close code {code} is not allowed")
    try:
        reason = payload[2:].decode()
    except UnicodeDecodeError:
        raise ProtocolError(CLOSE_INVALID_DATA, "the close reason is not UTF-8") from None
    return code, reason
