"""A database that stays locked too long is answered ``server_busy`` (503, Retry-After) over
REST and the WebSocket, changes nothing, and the same request works once the lock is gone.

The lock is held from outside the server, by a second SQLite connection on its file: the way a
long write elsewhere holds it. The wait is shortened from 15 s so the test stays quick.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from server.storage import engine
from tests.helpers.server import make_settings, pinned_context, running
from tests.helpers.ws import CommandFailed, WsClient


@contextmanager
def write_lock_held(db: Path) -> Iterator[None]:
    blocker = sqlite3.connect(db, isolation_level=None, timeout=1)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


async def test_a_locked_database_is_answered_busy_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 300)
    settings = make_settings(tmp_path)
    async with running(settings) as srv:
        owner = await srv.claim()
        ctx = pinned_context(srv.rt.cert_path)
        ws = await WsClient.open(srv.server.base_url, owner.access_token, ctx)
        try:
            with write_lock_held(settings.data_dir / "roost.db"):
                r = await srv.client.post("/api/v1/admin/invites", json={}, headers=owner.headers)
                assert r.status_code == 503, r.text
                assert r.json()["error"]["code"] == "server_busy"
                assert r.headers["Retry-After"] == "2"
                with pytest.raises(CommandFailed) as refused:
                    await ws.call("conversation/create_group", name="Busy", member_ids=[])
                assert refused.value.code == "server_busy"
            # Nothing was stored by the refused requests; sent again, they work.
            listed = await srv.client.get("/api/v1/admin/invites", headers=owner.headers)
            assert listed.status_code == 200 and listed.json()["invites"] == []
            again = await srv.client.post("/api/v1/admin/invites", json={}, headers=owner.headers)
            assert again.status_code == 201, again.text
            group = await ws.call("conversation/create_group", name="Busy", member_ids=[])
            assert group["name"] == "Busy"
        finally:
            await ws.close()
