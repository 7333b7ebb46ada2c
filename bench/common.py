"""What every workload needs: a claimed server, users, WebSocket sessions, process figures."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import Any

import httpx

from bench.chat_load import open_session as open_ws_session
from bench.chat_load import percentile
from bench.local_server import LocalServer, ReferenceServer
from bench.rawws import RawWebSocket

__all__ = ["PASSWORD", "Target", "create_users", "open_session", "percentile"]

PASSWORD = "bench password 1"

# Hashing is W-login's subject; the other workloads set users up with cheap hashes so that a
# run spends its minutes on what it measures.
CHEAP_HASHING = {
    "ROOST_ARGON2_TIME_COST": "1",
    "ROOST_ARGON2_MEMORY_KIB": "8",
    "ROOST_ARGON2_PARALLELISM": "1",
}
NO_SEND_LIMITS = {
    "ROOST_SEND_RATE_PER_S": "1000000",
    "ROOST_SEND_BURST": "1000000",
    "ROOST_WS_QUEUE_FRAMES": "1000000",
}


@dataclass
class Target:
    """A server under test: where it is, how to trust it, and an admin's token (none for a
    reference server, which takes ``u<N>`` as user N's token)."""

    base_url: str
    ctx: ssl.SSLContext | None  # None: plain HTTP on loopback
    admin_token: str | None
    server: LocalServer | ReferenceServer | None = None

    @property
    def ws_url(self) -> str:
        return (
            self.base_url.replace("https://", "wss://").replace("http://", "ws://") + "/api/v1/ws"
        )

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, verify=self.ctx or True, timeout=60)


async def start_local(env: dict[str, str], *, plain: bool = False) -> Target:
    """Start and claim a local server (pinned to core 0)."""
    server = LocalServer(env=env, plain=plain)
    await asyncio.to_thread(server.start)
    ctx = None if plain else ssl.create_default_context(cadata=server.cert_path().read_text())
    async with httpx.AsyncClient(base_url=server.base_url, verify=ctx or True, timeout=60) as http:
        r = await http.post(
            "/api/v1/setup/claim",
            json={
                "setup_code": server.setup_code(),
                "server_name": "bench",
                "admin": {"username": "admin", "display_name": "Admin", "password": PASSWORD},
            },
        )
        r.raise_for_status()
    return Target(server.base_url, ctx, r.json()["tokens"]["access_token"], server)


async def start_reference(*, sqlite: bool, plain: bool = False) -> Target:
    """Start a reference fan-out server (bench/reference/fanout.py) on core 0."""
    server = ReferenceServer(sqlite=sqlite, plain=plain)
    await asyncio.to_thread(server.start)
    ctx = None if plain else ssl.create_default_context(cadata=server.cert_path().read_text())
    return Target(server.base_url, ctx, None, server)


async def create_users(target: Target, count: int, prefix: str = "user") -> list[dict[str, Any]]:
    """``count`` users through invites (one password hash each); returns their tokens."""
    if target.admin_token is None:  # a reference server: tokens name users
        return [{"user": {"id": i + 1}, "access_token": f"u{i + 1}"} for i in range(count)]
    h = {"Authorization": f"Bearer {target.admin_token}"}
    sem = asyncio.Semaphore(8)
    async with target.http() as http:

        async def one(i: int) -> dict[str, Any]:
            async with sem:
                inv = (await http.post("/api/v1/admin/invites", json={}, headers=h)).json()
                r = await http.post(
                    "/api/v1/auth/register",
                    json={
                        "invite": inv["token"],
                        "username": f"{prefix}{i:05d}",
                        "display_name": f"User {i}",
                        "password": PASSWORD,
                    },
                )
                r.raise_for_status()
                body: dict[str, Any] = r.json()
                return body

        return list(await asyncio.gather(*(one(i) for i in range(count))))


async def open_session(target: Target, access_token: str, *, sync: bool = True) -> RawWebSocket:
    """An authenticated (and, with ``sync``, online) WebSocket session."""
    return await open_ws_session(target.ws_url, target.ctx, access_token, sync=sync)
