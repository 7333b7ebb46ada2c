"""Alerts as messages to the admins (protocol 24.3): a "Roost alerts" conversation of each admin,
one stored message from the server (no sender) when an alert is raised and one when it clears,
nothing for members, no flood from a flapping alert, and later alerts for a new admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from server.monitoring.monitor import Monitor
from tests.helpers.fake_host import FakeHost, make_fake_host
from tests.helpers.server import Running, Session, make_settings, pinned_context, running
from tests.helpers.ws import WsClient

QUIET = {"metrics_interval_s": 3600}  # the test takes the samples


@pytest.fixture
def host(tmp_path: Path) -> FakeHost:
    return make_fake_host(tmp_path / "host")


@pytest_asyncio.fixture
async def mon(tmp_path: Path, host: FakeHost) -> AsyncIterator[Running]:
    async with running(make_settings(tmp_path, **QUIET, **host.settings())) as r:
        await r.claim()
        yield r


async def _sample(r: Running) -> None:
    m = r.rt.monitor
    assert isinstance(m, Monitor)
    await m.sample_once()


async def _synced(r: Running, who: Session) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What a fresh client of ``who`` gets from ``sync``: the conversations and the events."""
    assert r.rt.cert_path is not None
    ws = await WsClient.open(r.server.base_url, who.access_token, pinned_context(r.rt.cert_path))
    try:
        result = await ws.call("sync", cursors={}, recent=200)
        return list(result["conversations"]), list(ws.events)
    finally:
        await ws.close()


def _alert_messages(
    convs: list[dict[str, Any]], events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    ids = {c["id"] for c in convs if c["name"] == "Roost alerts"}
    return [e for e in events if e["conversation_id"] in ids and e["kind"] == "message"]


async def test_raised_and_cleared_reach_each_admin_once(mon: Running, host: FakeHost) -> None:
    r = mon
    assert r.owner is not None
    kid = await r.add_user("kid")
    dad = await r.add_user("dad", role="admin")
    host.set_temperature(90.0)
    await _sample(r)
    await _sample(r)  # still hot: nothing new to say

    for admin in (r.owner, dad):
        convs, events = await _synced(r, admin)
        (alerts,) = [c for c in convs if c["name"] == "Roost alerts"]
        assert alerts["kind"] == "group"
        assert [m["user_id"] for m in alerts["members"]] == [
            (await r.client.get("/api/v1/me", headers=admin.headers)).json()["id"]
        ]
        created = [e for e in events if e["conversation_id"] == alerts["id"] and e["seq"] == 1]
        assert created and created[0]["sender_id"] is None
        (message,) = _alert_messages(convs, events)
        assert message["sender_id"] is None
        assert "hot" in message["content"]["text"]
        assert message["content"]["alert"]["kind"] == "high_temperature"
        assert message["content"]["alert"]["state"] == "raised"
    convs, events = await _synced(r, kid)
    assert not [c for c in convs if c["name"] == "Roost alerts"]
    assert not [e for e in events if e["sender_id"] is None]

    host.set_temperature(40.0)
    await _sample(r)
    convs, events = await _synced(r, r.owner)
    raised, cleared = _alert_messages(convs, events)
    assert cleared["content"]["alert"]["state"] == "cleared"
    assert cleared["content"]["text"].startswith("✅")
    assert raised["conversation_id"] == cleared["conversation_id"]

    # Flapping: raised again at once, and cleared again: no new messages.
    host.set_temperature(90.0)
    await _sample(r)
    host.set_temperature(40.0)
    await _sample(r)
    convs, events = await _synced(r, r.owner)
    assert len(_alert_messages(convs, events)) == 2
    # ... but the dashboard still saw it (the alert event and the snapshot are not limited)


async def test_a_new_admin_receives_later_alerts_live(mon: Running, host: FakeHost) -> None:
    r = mon
    assert r.owner is not None and r.rt.cert_path is not None
    kid = await r.add_user("kid")
    host.set_temperature(90.0)
    await _sample(r)
    kid_id = (await r.client.get("/api/v1/me", headers=kid.headers)).json()["id"]
    resp = await r.client.put(
        f"/api/v1/admin/users/{kid_id}/role", json={"role": "admin"}, headers=r.owner.headers
    )
    assert resp.status_code == 200, resp.text

    ws = await WsClient.open(r.server.base_url, kid.access_token, pinned_context(r.rt.cert_path))
    try:
        await ws.call("sync", cursors={}, recent=50)
        host.set_throttled(0x1)
        await _sample(r)
        # live, after the commit: the new conversation, then the message in it
        await ws.wait_for(
            lambda evs: any(e.get("kind") == "message" and e["sender_id"] is None for e in evs)
        )
        (message,) = [e for e in ws.events if e.get("kind") == "message"]
        assert message["content"]["alert"]["kind"] == "throttled"
        created = [e for e in ws.events if e.get("kind") == "created"]
        assert created[0]["content"]["name"] == "Roost alerts"
        assert created[0]["content"]["member_ids"] == [kid_id]
    finally:
        await ws.close()
    # the earlier alert (before kid was an admin) did not reach kid; the owner has both
    convs, events = await _synced(r, kid)
    assert [m["content"]["alert"]["kind"] for m in _alert_messages(convs, events)] == ["throttled"]
    convs, events = await _synced(r, r.owner)
    kinds = [m["content"]["alert"]["kind"] for m in _alert_messages(convs, events)]
    assert kinds == ["high_temperature", "throttled"]
    assert len([c for c in convs if c["name"] == "Roost alerts"]) == 1
