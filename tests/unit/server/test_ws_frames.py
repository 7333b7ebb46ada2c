"""The server's WebSocket framing (server/ws/frames.py) and opening handshake
(server/ws/handshake.py), checked against the websockets library's own frames and RFC 6455."""

from __future__ import annotations

import base64
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from websockets.frames import Frame, Opcode
from websockets.speedups import apply_mask

from server.ws import frames, handshake
from server.ws.frames import FrameReader, ProtocolError, WireFrames


def client(opcode: Opcode, payload: bytes, *, fin: bool = True) -> bytes:
    """A frame as a client sends it: masked."""
    return Frame(opcode, payload, fin=fin).serialize(mask=True, extensions=[])


def forged(first: int, payload: bytes) -> bytes:
    """A masked frame the library would refuse to write (its mask is all zero bytes)."""
    n = len(payload)
    length = bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n)
    return bytes([first]) + length + bytes(4) + payload


# --- what the server writes ---------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 200_000])
def test_frame_matches_the_library(size: int) -> None:
    text = ("家x" * size)[:size]
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
    assert WireFrames()(text) == expected


def test_the_same_text_is_framed_once_and_a_new_one_again() -> None:
    wire = WireFrames()
    one = "{" + '"a":1' + "}"
    first = wire(one)
    assert wire(one) is first
    other = "{" + '"a":2' + "}"
    assert wire(other) != first
    assert wire(other).endswith(other.encode())


def test_a_long_close_reason_is_cut_whole_characters_at_a_time() -> None:
    raw = frames.close_frame(4003, "汉" * 100)
    assert raw[0] == 0x88 and raw[1] <= 125
    code, reason = frames.parse_close(raw[2:])
    assert code == 4003 and reason == "汉" * 41  # 123 bytes of room, 3 bytes each


# --- what the server reads ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536, 100_000])
def test_masked_frames_of_every_length_read_back(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    reader = FrameReader(1 << 20)
    assert reader.feed(client(Opcode.TEXT, payload)) == [(frames.OP_TEXT, True, payload)]


@given(
    st.lists(
        st.tuples(
            st.sampled_from([Opcode.TEXT, Opcode.BINARY, Opcode.PING]), st.binary(max_size=300)
        ),
        max_size=8,
    ),
    st.lists(st.integers(1, 64), min_size=1, max_size=20),
)
def test_any_split_of_the_stream_gives_the_same_frames(
    sent: list[tuple[Opcode, bytes]], cuts: list[int]
) -> None:
    stream = b"".join(client(op, data) for op, data in sent)
    reader = FrameReader(1 << 20)
    got: list[frames.Frame] = []
    at, i = 0, 0
    while at < len(stream):
        step = cuts[i % len(cuts)]
        got += reader.feed(stream[at : at + step])
        at, i = at + step, i + 1
    assert [(f.opcode, f.payload) for f in got] == [(op.value, data) for op, data in sent]


@given(st.binary(max_size=200), st.binary(min_size=4, max_size=4))
def test_the_python_unmask_is_the_c_one(data: bytes, mask: bytes) -> None:
    assert frames.unmask_python(data, mask) == apply_mask(data, mask)


def refused(data: bytes, max_size: int = 1 << 20) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        FrameReader(max_size).feed(data)
    return caught.value


def test_broken_frames_are_refused_with_their_close_code() -> None:
    text = client(Opcode.TEXT, b"hi")
    unmasked = Frame(Opcode.TEXT, b"hi").serialize(mask=False, extensions=[])
    assert refused(unmasked).code == 1002
    assert refused(bytes([text[0] | 0x40]) + text[1:]).code == 1002  # RSV1: no extension here
    assert refused(bytes([0x83]) + text[1:]).code == 1002  # opcode 3 is reserved
    assert refused(forged(0x89, b"p" * 126)).code == 1002  # a ping longer than 125 bytes
    assert refused(forged(0x09, b"p")).code == 1002  # a ping in fragments
    assert FrameReader(1000).feed(forged(0x89, b"p" * 125)) == [(frames.OP_PING, True, b"p" * 125)]


def test_an_oversized_frame_is_refused_from_its_header_alone() -> None:
    header = bytes([0x81, 0x80 | 127]) + struct.pack("!Q", 10_000_000)  # no mask, no payload yet
    error = refused(header, max_size=1 << 20)
    assert (error.code, error.reason) == (1009, "frame exceeds limit of 1048576 bytes")


def test_close_payloads() -> None:
    assert frames.parse_close(b"") == (1005, "")
    assert frames.parse_close(struct.pack("!H", 4000) + "再见".encode()) == (4000, "再见")
    for code in (999, 1004, 1005, 1006, 1015, 2999, 5000):
        with pytest.raises(ProtocolError) as caught:
            frames.parse_close(struct.pack("!H", code))
        assert caught.value.code == 1002, code
    with pytest.raises(ProtocolError) as caught:
        frames.parse_close(b"\x03")
    assert caught.value.code == 1002
    with pytest.raises(ProtocolError) as caught:
        frames.parse_close(struct.pack("!H", 1000) + b"\xff")
    assert caught.value.code == 1007


# --- the opening handshake ----------------------------------------------------------------------


def upgrade(path: str = handshake.WS_PATH, *, method: str = "GET", **headers: str) -> bytes:
    fields = {
        "Host": "127.0.0.1",
        "Upgrade": "websocket",
        "Connection": "keep-alive, Upgrade",
        "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
        "Sec-WebSocket-Version": "13",
    }
    for name, value in headers.items():
        fields[name.replace("_", "-")] = value
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in fields.items() if v)]
    return "\r\n".join(lines).encode()


def test_the_rfc_example_accept_value() -> None:
    assert handshake.accept_value("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_a_good_upgrade_is_switched_with_no_extension() -> None:
    response = handshake.accept(
        upgrade(Sec_WebSocket_Extensions="permessage-deflate; client_max_window_bits")
    ).decode()
    assert response.startswith("HTTP/1.1 101 Switching Protocols\r\n")
    assert "Sec-WebSocket-Accept: " in response
    assert "Extensions" not in response and response.endswith("\r\n\r\n")


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (upgrade("/api/v1/other"), 404),
        (upgrade("/"), 404),
        (upgrade(method="POST"), 405),
        (upgrade(Sec_WebSocket_Version="8"), 426),
        (upgrade(Sec_WebSocket_Version=""), 426),
        (upgrade(Sec_WebSocket_Key="short"), 400),
        (upgrade(Sec_WebSocket_Key=""), 400),
        (upgrade(Sec_WebSocket_Key="!!!!" * 6), 400),
        (upgrade(Upgrade="h2c"), 400),
        (upgrade(Connection="keep-alive"), 400),
        (b"GET /api/v1/ws\r\nHost: x", 400),
        (b"GET /api/v1/ws HTTP/1.1\r\nno colon here", 400),
    ],
)
def test_bad_upgrades_are_refused_with_a_status_that_says_why(
    request_bytes: bytes, status: int
) -> None:
    with pytest.raises(handshake.Refused) as caught:
        handshake.accept(request_bytes)
    assert caught.value.status == status
    response = caught.value.response().decode()
    assert response.startswith(f"HTTP/1.1 {status} ")
    assert "Connection: close" in response
    if status == 426:
        assert "Sec-WebSocket-Version: 13" in response
