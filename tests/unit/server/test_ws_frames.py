"""The fan-out's own text frames are byte for byte what the websockets library would send."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from server.ws.uvicorn_protocol import WireFrames


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 200_000])
def test_frame_matches_the_library(size: int) -> None:
    text = ("家x" * size)[:size]
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
    assert WireFrames()(text) == expected


def test_the_same_text_is_framed_once_and_a_new_one_again() -> None:
    frames = WireFrames()
    one = "{" + '"a":1' + "}"
    first = frames(one)
    assert frames(one) is first
    other = "{" + '"a":2' + "}"
    assert frames(other) != first
    assert frames(other).endswith(other.encode())
