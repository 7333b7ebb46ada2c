"""Answers from a newer server still read; bad answers and bad input give clear errors."""

from __future__ import annotations

from typing import Any

import pytest

from app.net.errors import ApiError, BadResponse
from app.net.models import build_request, parse_model
from server.protocol.auth import LoginRequest, SessionList, Tokens
from server.protocol.errors import ErrorCode
from server.protocol.server import ClaimRequest

USER = {
    "id": 1,
    "username": "mum",
    "display_name": "Mum",
    "role": "owner",
    "totp_enabled": False,
    "must_change_password": False,
}
TOKENS: dict[str, Any] = {
    "status": "ok",
    "access_token": "a",
    "access_expires_in": 900,
    "refresh_token": "r",
    "session_id": "s",
    "user": USER,
}


def test_unknown_fields_are_ignored_at_every_depth() -> None:
    newer = {**TOKENS, "new_top": 1, "user": {**USER, "avatar": "x.png"}}
    assert parse_model(Tokens, newer) == parse_model(Tokens, TOKENS)
    sessions = {
        "sessions": [
            {
                "id": "s",
                "device_name": "d",
                "ip": None,
                "created_at": 1.0,
                "last_seen_at": 2.0,
                "current": True,
                "os": "Linux",
            }
        ],
        "next": None,
    }
    assert parse_model(SessionList, sessions).sessions[0].current


@pytest.mark.parametrize(
    "data",
    [None, [], "ok", {**TOKENS, "user": None}, {k: v for k, v in TOKENS.items() if k != "user"}],
)
def test_a_broken_answer_is_bad_response(data: object) -> None:
    with pytest.raises(BadResponse):
        parse_model(Tokens, data)


def test_bad_input_is_refused_before_sending_like_the_server_would() -> None:
    with pytest.raises(ApiError) as caught:
        build_request(LoginRequest, username="x", password="")
    err = caught.value
    assert err.code == ErrorCode.INVALID_REQUEST
    assert err.status == 0
    assert {d["field"] for d in err.details} == {"username", "password"}
    with pytest.raises(ApiError) as caught:
        build_request(
            ClaimRequest,
            setup_code="C",
            server_name="F",
            admin={"username": "ok-name", "display_name": "\x07", "password": "p"},
        )
    assert [d["field"] for d in caught.value.details] == ["admin.display_name"]
    ok = build_request(LoginRequest, username=" Mum ", password=" spaced ")
    assert (ok.username, ok.password) == ("mum", " spaced ")
