"""The ``require_2fa`` setting: a session of an account without two-step sign-in may only enrol
(REST and the WebSocket refuse the rest) until it has; the admin turning it on keeps working."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from tests.helpers.server import Running, Session, pinned_context
from tests.helpers.ws import CommandFailed, WsClient

SETTINGS = "/api/v1/admin/settings"


async def _enable_totp(r: Running, who: Session) -> pyotp.TOTP:
    resp = await r.client.post(
        "/api/v1/me/2fa/enrol", json={"password": who.password}, headers=who.headers
    )
    assert resp.status_code == 200, resp.text
    totp = pyotp.TOTP(resp.json()["secret"])
    resp = await r.client.post(
        "/api/v1/me/2fa/confirm", json={"code": totp.now()}, headers=who.headers
    )
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["recovery_codes"]) == 10
    return totp


async def _require(r: Running, on: bool) -> Any:
    assert r.owner is not None
    current = (await r.client.get(SETTINGS, headers=r.owner.headers)).json()
    return await r.client.put(
        SETTINGS, json={**current, "require_2fa": on}, headers=r.owner.headers
    )


async def _ws(r: Running, who: Session) -> WsClient:
    assert r.rt.cert_path is not None
    return await WsClient.open(r.server.base_url, who.access_token, pinned_context(r.rt.cert_path))


async def test_the_admin_turning_it_on_needs_it_first(claimed: Running) -> None:
    r = claimed
    resp = await _require(r, True)
    assert resp.status_code == 403, resp.text
    assert resp.json()["error"]["code"] == "two_factor_required"
    assert r.rt.options.current.require_2fa is False  # nothing changed
    assert r.owner is not None
    await _enable_totp(r, r.owner)
    resp = await _require(r, True)
    assert resp.status_code == 200, resp.text
    assert resp.json()["require_2fa"] is True
    # the owner keeps working: admin endpoints, own account, the WebSocket
    for path in ("/api/v1/admin/users", "/api/v1/me/sessions", "/api/v1/admin/metrics"):
        got = await r.client.get(path, headers=r.owner.headers)
        assert got.status_code == 200, (path, got.text)
    ws = await _ws(r, r.owner)
    await ws.close()


async def test_a_member_without_it_may_only_enrol(claimed: Running) -> None:
    r = claimed
    kid = await r.add_user("kid")
    assert r.owner is not None
    await _enable_totp(r, r.owner)
    assert (await _require(r, True)).status_code == 200
    # admins see who still lacks it
    users = (await r.client.get("/api/v1/admin/users", headers=r.owner.headers)).json()
    lacking = {u["username"] for u in users["users"] if not u["totp_enabled"]}
    assert lacking == {"kid"}

    # signing in works (so that enrolment can happen) and says what is owed
    kid = await r.login("kid")
    me = await r.client.get("/api/v1/me", headers=kid.headers)
    assert me.status_code == 200 and me.json()["two_factor_required"] is True
    for method, path in (
        ("GET", "/api/v1/me/sessions"),
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/uploads"),
    ):
        resp = await r.client.request(method, path, headers=kid.headers, json={})
        assert resp.status_code == 403, (path, resp.text)
        error = resp.json()["error"]
        assert error["code"] == "two_factor_required"
        assert "administrator requires two-step sign-in" in error["message"]
    with pytest.raises(CommandFailed) as refused:
        await _ws(r, kid)
    assert refused.value.code == "two_factor_required"

    # enrolling lifts it for the same session, at once
    await _enable_totp(r, kid)
    me = await r.client.get("/api/v1/me", headers=kid.headers)
    assert me.json()["two_factor_required"] is False and me.json()["totp_enabled"] is True
    assert (await r.client.get("/api/v1/me/sessions", headers=kid.headers)).status_code == 200
    ws = await _ws(r, kid)
    await ws.call("sync")
    await ws.close()


async def test_sign_out_and_password_change_still_work(claimed: Running) -> None:
    r = claimed
    await r.add_user("kid")
    assert r.owner is not None
    await _enable_totp(r, r.owner)
    assert (await _require(r, True)).status_code == 200
    kid = await r.login("kid")
    resp = await r.client.post(
        "/api/v1/me/password",
        json={"current_password": kid.password, "new_password": "another long one"},
        headers=kid.headers,
    )
    assert resp.status_code == 200, resp.text
    resp = await r.client.post("/api/v1/auth/logout", headers=kid.headers)
    assert resp.status_code == 204, resp.text


async def test_live_connections_without_it_end_and_it_cannot_be_turned_off(
    claimed: Running,
) -> None:
    r = claimed
    kid = await r.add_user("kid")
    assert r.owner is not None
    totp = await _enable_totp(r, r.owner)
    kid_ws, owner_ws = await _ws(r, kid), await _ws(r, r.owner)
    try:
        await kid_ws.call("sync")
        await owner_ws.call("sync")
        assert (await _require(r, True)).status_code == 200
        code, _ = await kid_ws.closed
        assert code == 4003
        assert not owner_ws.closed.done()
        await owner_ws.call("ping")
    finally:
        await kid_ws.close()
        await owner_ws.close()
    resp = await r.client.post(
        "/api/v1/me/2fa/disable",
        json={"password": r.owner.password, "code": totp.now()},
        headers=r.owner.headers,
    )
    assert resp.status_code == 403, resp.text
    assert resp.json()["error"]["code"] == "two_factor_required"
    # turned off again, everyone is let back in
    assert (await _require(r, False)).status_code == 200
    assert (await r.client.get("/api/v1/me/sessions", headers=kid.headers)).status_code == 200
