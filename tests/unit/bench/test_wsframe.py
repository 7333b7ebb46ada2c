"""The load generator's framing (bench/wsframe.py) against the websockets library's, and its
client (bench/rawws.py) against a real websockets server."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode

from bench import rawws, wsframe


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536, 100_000])
def test_frames_are_what_the_library_reads_and_writes(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    server_side = Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=[])
    assert wsframe.server_frame(payload) == server_side
    # A masked client frame splits back into the same payload.
    buf = bytearray(wsframe.client_frame(payload))
    assert wsframe.split(buf) == [(wsframe.TEXT, payload)]
    assert buf == b""


def test_split_keeps_an_incomplete_frame_for_the_next_read() -> None:
    stream = wsframe.server_frame(b"one") + wsframe.client_frame(b"two" * 100)
    buf = bytearray()
    got = []
    for i in range(len(stream)):  # one byte at a time: every boundary is crossed
        buf += stream[i : i + 1]
        got += wsframe.split(buf)
    assert got == [(wsframe.TEXT, b"one"), (wsframe.TEXT, b"two" * 100)]


def test_fragments_and_oversized_frames_are_refused() -> None:
    fragment = bytearray(b"\x01\x03abc")  # FIN bit clear
    with pytest.raises(wsframe.ProtocolError):
        wsframe.split(fragment)
    with pytest.raises(wsframe.ProtocolError):
        wsframe.split(bytearray(wsframe.server_frame(b"x" * 200)), max_size=100)


def test_mask_is_its_own_inverse() -> None:
    key = b"\x01\x02\x03\x04"
    data = "家 and ascii".encode() * 7
    assert wsframe.mask(wsframe.mask(data, key), key) == data
    assert wsframe.mask(data, key) != data


async def test_client_talks_to_a_real_server() -> None:
    async def echo(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(json.dumps({"echo": message}))

    async with serve(echo, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        ws = await rawws.connect(f"ws://127.0.0.1:{port}/x", None)
        ws.send("hello")
        assert json.loads(await ws.recv()) == {"echo": "hello"}
        got: list[str] = []
        all_in = asyncio.Event()

        def take(text: str, _now: float) -> None:
            got.append(text)
            if len(got) == 50:
                all_in.set()

        ws.take_frames(take)
        for i in range(50):
            ws.send(f"m{i}")
        await asyncio.wait_for(all_in.wait(), 5)
        assert [json.loads(g)["echo"] for g in got] == [f"m{i}" for i in range(50)]
        await ws.close()
        with pytest.raises(rawws.ConnectionClosed):
            ws.send("after close")


def test_the_servers_answer_to_the_upgrade_is_taken_off_the_front() -> None:
    key = wsframe.client_key()
    assert wsframe.upgrade_request("h:1", "/api/v1/ws", key).endswith(
        b"Sec-WebSocket-Key: " + key + b"\r\n\r\n"
    )
    answer = b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: "
    buf = bytearray(answer + wsframe.accept_key(key))
    assert not wsframe.take_upgrade(buf, key)  # not all of it yet
    buf += b"\r\n\r\n" + wsframe.server_frame(b"hi")
    assert wsframe.take_upgrade(buf, key)
    assert wsframe.split(buf) == [(wsframe.TEXT, b"hi")]
    other = bytearray(answer + wsframe.accept_key(wsframe.client_key()) + b"\r\n\r\n")
    with pytest.raises(wsframe.ProtocolError, match="refused the upgrade"):
        wsframe.take_upgrade(other, key)
    with pytest.raises(wsframe.ProtocolError, match="404"):
        wsframe.take_upgrade(bytearray(b"HTTP/1.1 404 Not Found\r\n\r\n"), key)
