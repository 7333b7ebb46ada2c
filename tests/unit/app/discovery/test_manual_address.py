"""Typed addresses: what a person may type, and a clear sentence for anything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.discovery.records import AddressError, parse_manual_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pi.local", ("pi.local", 8443)),
        ("  Kitchen-Pi.LOCAL  ", ("kitchen-pi.local", 8443)),
        ("pi.local.", ("pi.local", 8443)),
        ("raspberrypi", ("raspberrypi", 8443)),
        ("pi.local:9000", ("pi.local", 9000)),
        ("192.168.1.20", ("192.168.1.20", 8443)),
        ("192.168.1.20:8443", ("192.168.1.20", 8443)),
        ("192.168.1.20:1", ("192.168.1.20", 1)),
        ("192.168.1.20:65535", ("192.168.1.20", 65535)),
        ("[fd00::5]:8443", ("fd00::5", 8443)),
        ("[fd00::5]", ("fd00::5", 8443)),
        ("fd00::5", ("fd00::5", 8443)),
        ("FD00:0:0::5", ("fd00::5", 8443)),
        ("fe80::1%eth0", ("fe80::1%eth0", 8443)),
        ("https://192.168.1.20:8443/", ("192.168.1.20", 8443)),
        ("HTTPS://pi.local", ("pi.local", 8443)),
    ],
)
def test_accepted_forms(text: str, expected: tuple[str, int]) -> None:
    assert parse_manual_address(text) == expected


def test_the_default_port_can_be_chosen() -> None:
    assert parse_manual_address("pi.local", default_port=22) == ("pi.local", 22)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Please type an address"),
        ("   ", "Please type an address"),
        ("https://", "Please type an address"),
        ("192.168.1.300", "is not a complete IP address"),
        ("192.168.1", "is not a complete IP address"),
        ("192.168.1.20:0", "between 1 and 65535"),
        ("192.168.1.20:65536", "between 1 and 65535"),
        ("192.168.1.20:", "between 1 and 65535"),
        ("192.168.1.20:port", "between 1 and 65535"),
        ("[fd00::5]:99999", "between 1 and 65535"),
        ("pi .local", "does not look like an address"),
        ("pi..local", "does not look like an address"),
        ("-pi.local", "does not look like an address"),
        ("[fd00::5", "does not look like an address"),
        ("[fd00::5]8443", "does not look like an address"),
        ("[192.168.1.20]:8443", "does not look like an address"),
        ("fd00::zz", "does not look like an address"),
        ("http://pi.local", "between 1 and 65535"),
        ("pi.local/chat", "does not look like an address"),
        ("a" * 400, "does not look like an address"),
    ],
)
def test_rejected_forms_say_what_to_type(text: str, says: str) -> None:
    with pytest.raises(AddressError) as info:
        parse_manual_address(text)
    assert says in str(info.value)


def test_the_error_quotes_the_input_safely() -> None:
    with pytest.raises(AddressError) as info:
        parse_manual_address("pi\x1b[2J\u202e.local!")
    message = str(info.value)
    assert "\x1b" not in message and "\u202e" not in message
    assert "[2J" in message


@given(st.text(max_size=80))
def test_anything_typed_gives_an_address_or_an_address_error(text: str) -> None:
    message = ""
    try:
        parsed: tuple[str, int] | None = parse_manual_address(text)
    except AddressError as exc:
        parsed, message = None, str(exc)
    if parsed is None:
        assert message  # a sentence for the user, not a crash
        return
    host, port = parsed
    assert host and host == host.strip() and host.lower() == host
    assert 0 < port < 65536
    # what was accepted parses to itself again (the UI may store and re-read it)
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    assert parse_manual_address(shown) == (host, port)
