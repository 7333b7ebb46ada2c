"""Helpers for the Qt tests: a real server on its own thread and loop, as the app sees it.

The app's event loop in these tests is qasync's; the server runs beside it on a plain asyncio
loop in a thread (as a separate process would), so nothing of the server's stack (anyio,
uvicorn) has to run on Qt's loop.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.net.address import Address
from server.serve import RoostServer
from tests.helpers.server import make_settings, pinned_context, running_in_thread


@dataclass
class ThreadServer:
    """A running server and a blocking HTTPS client pinned to it."""

    server: RoostServer
    client: httpx.Client

    @property
    def address(self) -> Address:
        parts = urlsplit(self.server.base_url)
        assert parts.hostname is not None and parts.port is not None
        return Address(parts.hostname, parts.port)

    @property
    def fingerprint(self) -> str:
        return str(self.server.rt.fingerprint)

    def setup_code(self) -> str:
        code = self.server.rt.read_setup_code_blocking()
        assert code is not None
        return str(code)

    def claimed(self) -> bool:
        return self.client.get("/api/v1/setup").status_code == 404

    def post(self, path: str, body: Any, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.post(path, json=body, headers=headers)


@contextmanager
def thread_server(tmp_path: Path, **overrides: Any) -> Iterator[ThreadServer]:
    """Starts a server (unclaimed) in a thread; stops it afterwards."""
    with running_in_thread(make_settings(tmp_path, **overrides)) as srv:
        assert srv.rt.cert_path is not None
        ctx: ssl.SSLContext = pinned_context(srv.rt.cert_path)
        with httpx.Client(base_url=srv.base_url, verify=ctx, timeout=20) as client:
            yield ThreadServer(srv, client)
