"""Server addresses: host, port, IPv6 brackets, and what is refused."""

from __future__ import annotations

import pytest

from app.net.address import DEFAULT_PORT, Address, InvalidAddress, parse_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.168.1.20", Address("192.168.1.20", DEFAULT_PORT)),
        ("192.168.1.20:9000", Address("192.168.1.20", 9000)),
        ("  raspberrypi.local:8443 \n", Address("raspberrypi.local", 8443)),
        ("[fd00::5]:8443", Address("fd00::5", 8443)),
        ("[::1]", Address("::1", DEFAULT_PORT)),
        ("https://pi.local:8443/", Address("pi.local", 8443)),
    ],
)
def test_accepted(text: str, expected: Address) -> None:
    assert parse_address(text) == expected


def test_round_trip_through_text() -> None:
    for text in ("[fd00::5]:8443", "10.0.0.1:1", "pi.local:65535"):
        assert str(parse_address(text)) == text
    assert parse_address("[::1]:8443").base_url == "https://[::1]:8443"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "fd00::5",
        "fd00::5:8443",
        "[fd00::5",
        "[nothost]:1",
        "[::1]x",
        "h:0",
        "h:65536",
        "h:-1",
        "h:http",
        "h:",
        "a b:1",
        "user@h:1",
        "h/path:1",
        ":8443",
        "h:１２",
    ],
)
def test_refused(text: str) -> None:
    with pytest.raises(InvalidAddress):
        parse_address(text)
