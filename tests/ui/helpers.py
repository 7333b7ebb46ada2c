"""Helpers for the Qt tests: where a test server is, as the app sees it."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.net.address import Address
from tests.helpers.server import Running


def address_of(srv: Running) -> Address:
    """The server's HTTPS address."""
    parts = urlsplit(srv.server.base_url)
    assert parts.hostname is not None and parts.port is not None
    return Address(parts.hostname, parts.port)


def fingerprint_of(srv: Running) -> str:
    """The server's certificate fingerprint (lower-case hex)."""
    return str(srv.rt.fingerprint)
