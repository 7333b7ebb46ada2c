"""A closed REST client refuses calls instead of quietly opening a new connection."""

from __future__ import annotations

import pytest

from app.net.address import Address
from app.net.api import ApiClient
from app.net.errors import ClientClosed
from app.net.explain import explain


def test_a_closed_client_refuses_and_says_why() -> None:
    # Port 9 (discard) on loopback: nothing is sent, the refusal comes before any socket.
    client = ApiClient(Address("127.0.0.1", 9), "ab" * 32)
    client.close()
    with pytest.raises(ClientClosed) as caught:
        client.request("GET", "/me", token="t")
    assert explain(caught.value) == (
        "This account was signed out on this computer. Sign in again to go on."
    )
