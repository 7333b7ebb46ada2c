"""Factories for a real Roost server on loopback (TLS on) and clients that pin its certificate."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from server.config import Settings
from server.serve import RoostServer

# Cheap argon2 so that a test suite full of logins stays fast; production keeps the defaults.
FAST_HASHING: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 8,
    "argon2_parallelism": 1,
}

PASSWORD = "correct horse battery"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "key_file": tmp_path / "keys" / "data.key",
        "host": "127.0.0.1",
        "port": 0,
        "mdns": False,
        **FAST_HASHING,
    }
    values.update(overrides)
    return Settings.model_validate(values)


def pinned_context(cert_path: Path) -> ssl.SSLContext:
    """Trust exactly the server's own certificate, as the desktop app does after pinning it."""
    ctx = ssl.create_default_context(cadata=cert_path.read_text())
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def ssl_of(r: Running | RoostServer) -> ssl.SSLContext:
    """The pinned context for a running server's own certificate."""
    rt = r.rt
    assert rt.cert_path is not None
    return pinned_context(rt.cert_path)


@dataclass
class Session:
    """A signed-in user as a test sees it."""

    username: str
    password: str
    access_token: str
    refresh_token: str
    session_id: str
    user_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @classmethod
    def from_tokens(cls, tokens: dict[str, Any], password: str) -> Session:
        return cls(
            username=tokens["user"]["username"],
            password=password,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            session_id=tokens["session_id"],
            user_id=tokens["user"]["id"],
        )


@dataclass
class Running:
    """A started server and an HTTPS client pinned to it."""

    server: RoostServer
    client: httpx.AsyncClient
    owner: Session | None = field(default=None)

    @property
    def rt(self) -> Any:
        return self.server.rt

    def setup_code(self) -> str:
        code = self.server.rt.read_setup_code_blocking()
        assert code is not None
        return code

    async def claim(self, username: str = "owner", password: str = PASSWORD) -> Session:
        r = await self.client.post(
            "/api/v1/setup/claim",
            json={
                "setup_code": self.setup_code(),
                "server_name": "Family",
                "admin": {"username": username, "display_name": "Owner", "password": password},
                "device_name": "test",
            },
        )
        assert r.status_code == 200, r.text
        self.owner = Session.from_tokens(r.json()["tokens"], password)
        return self.owner

    async def login(self, username: str, password: str = PASSWORD) -> Session:
        r = await self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ok", r.text
        return Session.from_tokens(r.json(), password)

    async def add_user(
        self, username: str, role: str = "member", password: str = PASSWORD
    ) -> Session:
        """Create a user through the admin API and sign them in with their chosen password."""
        assert self.owner is not None
        r = await self.client.post(
            "/api/v1/admin/users",
            json={"username": username, "display_name": username.title(), "role": role},
            headers=self.owner.headers,
        )
        assert r.status_code == 201, r.text
        first = await self.login(username, r.json()["one_time_code"])
        r = await self.client.post(
            "/api/v1/me/password",
            json={"current_password": first.password, "new_password": password},
            headers=first.headers,
        )
        assert r.status_code == 200, r.text
        return Session(
            username,
            password,
            first.access_token,
            first.refresh_token,
            first.session_id,
            first.user_id,
        )


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Running]:
    srv = RoostServer(settings)
    await srv.start()
    verify: ssl.SSLContext | bool = True
    if srv.rt.cert_path is not None:
        verify = pinned_context(srv.rt.cert_path)
    try:
        async with httpx.AsyncClient(base_url=srv.base_url, verify=verify, timeout=20) as client:
            yield Running(srv, client)
    finally:
        await srv.stop()


@contextlib.contextmanager
def running_in_thread(settings: Settings) -> Iterator[RoostServer]:
    """For synchronous tests (hypothesis): the server on its own event loop in a thread."""
    srv = RoostServer(settings)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(srv.start())
        except BaseException as exc:  # handed to the test thread below
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(srv.stop())
        loop.close()

    thread = threading.Thread(target=main, name="roost-test-server", daemon=True)
    thread.start()
    started.wait(30)
    if failure:
        raise failure[0]
    try:
        yield srv
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
