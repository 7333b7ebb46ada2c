"""Helpers for the delivery tests: the HTTP steps to set up a server that runs as a child process
(claim it, add users) without a ``Running`` in this process, and reading a whole history."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.server import PASSWORD, Session


def free_port() -> int:
    """A loopback port free right now, for a server that must come back on the same one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def claim_over_http(client: httpx.AsyncClient, data_dir: Path) -> Session:
    """Claim a fresh server with the setup code it wrote into its data directory."""
    code = (data_dir / "setup-code").read_text().strip()
    r = await client.post(
        "/api/v1/setup/claim",
        json={
            "setup_code": code,
            "server_name": "Family",
            "admin": {"username": "owner", "display_name": "Owner", "password": PASSWORD},
            "device_name": "test",
        },
    )
    assert r.status_code == 200, r.text
    return Session.from_tokens(r.json()["tokens"], PASSWORD)


async def add_user_over_http(
    client: httpx.AsyncClient, owner: Session, username: str, password: str = PASSWORD
) -> Session:
    """As ``Running.add_user``: create through the admin API, sign in with the one-time code,
    choose a password (a session that must change its password cannot open a WebSocket)."""
    r = await client.post(
        "/api/v1/admin/users",
        json={"username": username, "display_name": username.title(), "role": "member"},
        headers=owner.headers,
    )
    assert r.status_code == 201, r.text
    one_time = r.json()["one_time_code"]
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": one_time})
    assert r.status_code == 200, r.text
    first = Session.from_tokens(r.json(), one_time)
    r = await client.post(
        "/api/v1/me/password",
        json={"current_password": one_time, "new_password": password},
        headers=first.headers,
    )
    assert r.status_code == 200, r.text
    first.password = password
    return first


async def full_history(
    client: httpx.AsyncClient, session: Session, conversation_id: int
) -> list[dict[str, Any]]:
    """Every event of a conversation through REST, oldest first, page by page."""
    out: list[dict[str, Any]] = []
    after = 0
    for _ in range(10_000):
        r = await client.get(
            f"/api/v1/conversations/{conversation_id}/events",
            params={"after": after, "limit": 200},
            headers=session.headers,
        )
        assert r.status_code == 200, r.text
        page = r.json()
        out.extend(page["events"])
        if not page["has_more"]:
            return out
        after = page["events"][-1]["seq"]
    raise AssertionError("history never ended")
