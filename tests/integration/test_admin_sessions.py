"""An admin lists another user's device sessions and signs them out of one or all: refresh
tokens stop working, live connections close, and the audit log says who did it."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from tests.helpers.server import Running, Session, pinned_context
from tests.helpers.ws import WsClient


def _url(user_id: int, session_id: str | None = None) -> str:
    tail = f"/{session_id}" if session_id else ""
    return f"/api/v1/admin/users/{user_id}/sessions{tail}"


async def _user_id(r: Running, username: str) -> int:
    assert r.owner is not None
    users = (await r.client.get("/api/v1/admin/users", headers=r.owner.headers)).json()["users"]
    return int(next(u["id"] for u in users if u["username"] == username))


async def _sessions(r: Running, user_id: int) -> list[dict[str, Any]]:
    assert r.owner is not None
    resp = await r.client.get(_url(user_id), headers=r.owner.headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["sessions"])


async def _refresh_works(r: Running, who: Session) -> bool:
    resp = await r.client.post("/api/v1/auth/refresh", json={"refresh_token": who.refresh_token})
    return resp.status_code == 200


async def test_list_and_end_one_then_all(claimed: Running) -> None:
    r = claimed
    assert r.owner is not None and r.rt.cert_path is not None
    await r.add_user("kid")
    phone, laptop = await r.login("kid"), await r.login("kid")
    kid_id = await _user_id(r, "kid")
    listed = await _sessions(r, kid_id)
    ids = {s["id"] for s in listed}
    assert {phone.session_id, laptop.session_id} <= ids
    assert all(not s["current"] and s["ip"] == "127.0.0.1" for s in listed)
    assert {"device_name", "created_at", "last_seen_at"} <= set(listed[0])

    ws = await WsClient.open(r.server.base_url, phone.access_token, pinned_context(r.rt.cert_path))
    try:
        await ws.call("sync")
        resp = await r.client.delete(_url(kid_id, phone.session_id), headers=r.owner.headers)
        assert resp.status_code == 204, resp.text
        code, _ = await ws.closed
        assert code == 4003
    finally:
        await ws.close()
    assert not await _refresh_works(r, phone)
    remaining = {s["id"] for s in await _sessions(r, kid_id)}
    assert phone.session_id not in remaining and laptop.session_id in remaining
    # ending it again: it is gone
    resp = await r.client.delete(_url(kid_id, phone.session_id), headers=r.owner.headers)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"

    resp = await r.client.delete(_url(kid_id), headers=r.owner.headers)
    assert resp.status_code == 204, resp.text
    assert await _sessions(r, kid_id) == []
    assert not await _refresh_works(r, laptop)
    # the owner's own session is untouched
    assert (await r.client.get("/api/v1/me", headers=r.owner.headers)).status_code == 200

    entries = (await r.client.get("/api/v1/admin/audit", headers=r.owner.headers)).json()
    mine = [e for e in entries["entries"] if e["action"].startswith("user.session")]
    by_action = {e["action"]: e for e in mine}
    one = by_action["user.session.revoke"]
    assert one["target_id"] == kid_id and one["actor_id"] == r.owner.user_id
    assert one["detail"] == {"session_id": phone.session_id}
    assert by_action["user.sessions.revoke_all"]["detail"]["count"] >= 2


async def test_who_may_do_it(claimed: Running) -> None:
    r = claimed
    assert r.owner is not None
    kid = await r.add_user("kid")
    dad = await r.add_user("dad", role="admin")
    kid_id, dad_id = await _user_id(r, "kid"), await _user_id(r, "dad")
    owner_id = r.owner.user_id
    # a member: forbidden
    resp = await r.client.get(_url(dad_id), headers=kid.headers)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"
    # an admin: members yes, the owner no
    assert (await r.client.get(_url(kid_id), headers=dad.headers)).status_code == 200
    resp = await r.client.delete(_url(owner_id), headers=dad.headers)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"
    # oneself: the /me endpoints are for that
    resp = await r.client.get(_url(owner_id), headers=r.owner.headers)
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "cannot_modify_self"
    # unknown user, another user's session
    resp = await r.client.get(_url(9999), headers=r.owner.headers)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "user_not_found"
    resp = await r.client.delete(_url(kid_id, dad.session_id), headers=r.owner.headers)
    assert resp.status_code == 404
    assert await _refresh_works(r, dad)


async def test_a_websocket_auth_records_when_a_device_was_last_seen(claimed: Running) -> None:
    """Most WebSocket auths are answered on the event loop (``authenticate_now``); one whose
    session was last seen long ago takes the other path, which writes the new time."""
    r = claimed
    assert r.rt.cert_path is not None
    await r.add_user("gran")
    gran = await r.login("gran")
    db = sqlite3.connect(r.rt.data_dir / "roost.db")
    try:
        with db:
            db.execute(
                "UPDATE device_sessions SET last_seen_at = 1000.0 WHERE id = ?", (gran.session_id,)
            )
        before = time.time()
        for _ in range(2):  # the first auth writes the time; the second finds it fresh
            ws = await WsClient.open(
                r.server.base_url, gran.access_token, pinned_context(r.rt.cert_path)
            )
            await ws.call("ping")
            await ws.ws.close()
            (seen,) = db.execute(
                "SELECT last_seen_at FROM device_sessions WHERE id = ?", (gran.session_id,)
            ).fetchone()
            assert seen >= before
    finally:
        db.close()
