"""Server settings over the admin API: defaults, live effect, validation that changes nothing,
the audit trail, and persistence across a restart."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.helpers.server import Running, Session, make_settings, pinned_context, running
from tests.helpers.ws import CommandFailed, WsClient

URL = "/api/v1/admin/settings"


async def get(r: Running) -> dict[str, Any]:
    assert r.owner is not None
    resp = await r.client.get(URL, headers=r.owner.headers)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


async def patch(r: Running, changes: dict[str, Any]) -> Any:
    """What the app's form does: the settings as they are, with some changed, put back whole."""
    assert r.owner is not None
    return await r.client.put(URL, json={**await get(r), **changes}, headers=r.owner.headers)


async def test_defaults_come_from_the_config(claimed: Running) -> None:
    s = await get(claimed)
    assert s == {
        "server_name": "Family",
        "registration": "invite_only",
        "max_file_bytes": claimed.rt.settings.max_file_bytes,
        "user_quota_bytes": claimed.rt.settings.user_quota_bytes,
        "retention_days": 0,
        "presence_enabled": True,
        "typing_enabled": True,
        "require_2fa": False,
        "login_allowlist": claimed.rt.settings.login_allowlist,
    }


async def test_changes_apply_at_once(claimed: Running) -> None:
    r = claimed
    mum = await r.add_user("mum")
    resp = await patch(
        r, {"typing_enabled": False, "max_file_bytes": 1000, "server_name": "The Chens"}
    )
    assert resp.status_code == 200, resp.text
    info = (await r.client.get("/api/v1/server")).json()
    assert info["name"] == "The Chens"
    assert info["features"]["typing"] is False
    assert info["limits"]["max_file_bytes"] == 1000
    # uploads are held to the new limit
    data = b"x" * 2000
    resp = await r.client.post(
        "/api/v1/uploads",
        json={"name": "a", "size": len(data), "mime": "application/octet-stream",
              "sha256": hashlib.sha256(data).hexdigest()},
        headers=mum.headers,
    )  # fmt: skip
    assert resp.status_code == 413, resp.text
    # typing is refused on connections opened before the change too
    assert r.rt.cert_path is not None
    ws = await WsClient.open(r.server.base_url, mum.access_token, pinned_context(r.rt.cert_path))
    try:
        await ws.call("sync")
        assert r.owner is not None
        conv = await ws.call("conversation/create_direct", user_id=r.owner.user_id)
        with pytest.raises(CommandFailed) as err:
            await ws.call("typing", conversation_id=conv["id"])
        assert err.value.code == "feature_disabled"
    finally:
        await ws.close()
    resp = await patch(r, {"login_allowlist": ["10.1.2.0/24", "fd00::1"]})
    assert resp.json()["login_allowlist"] == ["10.1.2.0/24", "fd00::1/128"]
    assert "127.0.0.1" not in r.rt.allowlist and "10.1.2.9" in r.rt.allowlist


async def test_closed_registration_stops_invites_from_making_accounts(claimed: Running) -> None:
    r = claimed
    assert r.owner is not None
    invite = (await r.client.post("/api/v1/admin/invites", json={}, headers=r.owner.headers)).json()
    body = {
        "invite": invite["token"],
        "username": "cousin",
        "display_name": "Cousin",
        "password": "a perfectly fine password",
        "device_name": "laptop",
    }
    assert (await patch(r, {"registration": "closed"})).status_code == 200
    resp = await r.client.post("/api/v1/auth/register", json=body)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "invalid_invite"
    assert (await patch(r, {"registration": "invite_only"})).status_code == 200
    resp = await r.client.post("/api/v1/auth/register", json=body)
    assert resp.status_code == 200, resp.text  # the invite was not spent by the refusal


@pytest.mark.parametrize(
    "bad",
    [
        {"max_file_bytes": 0},
        {"user_quota_bytes": -1},
        {"retention_days": -1},
        {"retention_days": 100_000},
        {"registration": "open"},
        {"login_allowlist": ["192.168.1.0/24", "the kitchen"]},
        {"server_name": "   "},
        {"typing_enabled": "sometimes"},
        {"colour": "blue"},
        {"typing_enabled": False, "max_file_bytes": -5},  # one bad value spoils the lot
        {"typing_enabled": None},
    ],
)
async def test_bad_values_are_refused_and_change_nothing(
    claimed: Running, bad: dict[str, Any]
) -> None:
    before = await get(claimed)
    assert claimed.owner is not None
    audit_before = await claimed.client.get("/api/v1/admin/audit", headers=claimed.owner.headers)
    resp = await patch(claimed, bad)
    assert resp.status_code == 422, resp.text
    err = resp.json()["error"]
    assert err["code"] == "invalid_request" and err["message"]
    assert await get(claimed) == before
    assert claimed.rt.hub.typing_enabled is True
    audit_after = await claimed.client.get("/api/v1/admin/audit", headers=claimed.owner.headers)
    assert audit_after.json() == audit_before.json()


async def test_every_change_is_audited_and_members_may_not(claimed: Running) -> None:
    r = claimed
    mum = await r.add_user("mum")
    body = {**await get(r), "retention_days": 30}
    resp = await r.client.put(URL, json=body, headers=mum.headers)
    assert resp.status_code == 403
    resp = await r.client.get(URL, headers=mum.headers)
    assert resp.status_code == 403
    assert (await patch(r, {"retention_days": 30, "presence_enabled": True})).status_code == 200
    assert r.owner is not None
    entries = (await r.client.get("/api/v1/admin/audit", headers=r.owner.headers)).json()
    (entry,) = [e for e in entries["entries"] if e["action"] == "settings.update"]
    # only what changed: presence was on already
    assert entry["detail"] == {"retention_days": {"from": 0, "to": 30}}
    assert entry["actor_id"] == r.owner.user_id


async def test_settings_survive_a_restart(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    async with running(s) as r:
        owner = await r.claim()
        # requiring two-step sign-in needs the admin's own first (test_require_2fa.py)
        resp = await r.client.post(
            "/api/v1/me/2fa/enrol", json={"password": owner.password}, headers=owner.headers
        )
        totp = pyotp.TOTP(resp.json()["secret"])
        resp = await r.client.post(
            "/api/v1/me/2fa/confirm", json={"code": totp.now()}, headers=owner.headers
        )
        assert resp.status_code == 200, resp.text
        resp = await patch(
            r,
            {"presence_enabled": False, "user_quota_bytes": 5000, "require_2fa": True,
             "server_name": "Renamed", "registration": "closed"},
        )  # fmt: skip
        assert resp.status_code == 200
        wanted = resp.json()
    async with running(s) as r:
        resp = await r.client.post(
            "/api/v1/auth/login", json={"username": "owner", "password": owner.password}
        )
        resp = await r.client.post(
            "/api/v1/auth/login/second-factor",
            json={"challenge": resp.json()["challenge"], "code": totp.at(time.time() + 30)},
        )
        assert resp.status_code == 200, resp.text
        r.owner = Session.from_tokens(resp.json(), owner.password)
        assert await get(r) == wanted
        assert r.rt.hub.presence_enabled is False
        assert r.rt.settings.user_quota_bytes == 5000
        assert r.rt.name == "Renamed"


async def test_a_field_left_out_is_refused_not_reset(claimed: Running) -> None:
    before = await get(claimed)
    body = {k: v for k, v in before.items() if k != "typing_enabled"}
    body["retention_days"] = 9
    assert claimed.owner is not None
    resp = await claimed.client.put(URL, json=body, headers=claimed.owner.headers)
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "typing_enabled"
    assert await get(claimed) == before


async def test_conversation_retention_needs_a_real_conversation(claimed: Running) -> None:
    r = claimed
    assert r.owner is not None
    url = f"{URL}/retention/conversations"
    resp = await r.client.put(f"{url}/99", json={"days": 3}, headers=r.owner.headers)
    assert resp.status_code == 404
    resp = await r.client.put(f"{url}/0", json={"days": 3}, headers=r.owner.headers)
    assert resp.status_code == 422
    assert (await r.client.get(url, headers=r.owner.headers)).json() == {"conversations": []}
