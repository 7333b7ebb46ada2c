"""Admin powers: who may use them, users' life cycle, roles, invites and the audit log."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest

from tests.helpers.server import PASSWORD, Running, Session

ADMIN_ENDPOINTS = [
    ("GET", "/api/v1/admin/users", None),
    ("POST", "/api/v1/admin/users", {"username": "zed", "display_name": "Zed"}),
    ("POST", "/api/v1/admin/users/1/disable", None),
    ("POST", "/api/v1/admin/users/1/enable", None),
    ("POST", "/api/v1/admin/users/1/reset-password", None),
    ("POST", "/api/v1/admin/users/1/reset-2fa", None),
    ("PUT", "/api/v1/admin/users/1/role", {"role": "member"}),
    ("DELETE", "/api/v1/admin/users/1", None),
    ("GET", "/api/v1/admin/invites", None),
    ("POST", "/api/v1/admin/invites", {"role": "member"}),
    ("DELETE", "/api/v1/admin/invites/abc", None),
    ("GET", "/api/v1/admin/audit", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ENDPOINTS)
async def test_admin_endpoints_refuse_anonymous_and_members(
    claimed: Running, method: str, path: str, body: dict[str, str] | None
) -> None:
    member = await claimed.add_user("kid")
    before = await claimed.client.get("/api/v1/admin/audit", headers=claimed.owner.headers)  # type: ignore[union-attr]
    anon = await claimed.client.request(method, path, json=body)
    assert anon.status_code == 401
    assert anon.json()["error"]["code"] == "unauthenticated"
    as_member = await claimed.client.request(method, path, json=body, headers=member.headers)
    assert as_member.status_code == 403
    assert as_member.json()["error"]["code"] == "forbidden"
    after = await claimed.client.get("/api/v1/admin/audit", headers=claimed.owner.headers)  # type: ignore[union-attr]
    assert after.json() == before.json()  # nothing happened


async def test_created_user_must_change_the_one_time_password(claimed: Running) -> None:
    assert claimed.owner is not None
    r = await claimed.client.post(
        "/api/v1/admin/users",
        json={"username": "Grandpa", "display_name": "爷爷"},
        headers=claimed.owner.headers,
    )
    assert r.status_code == 201, r.text
    code = r.json()["one_time_code"]
    assert r.json()["user"]["username"] == "grandpa"
    first = await claimed.login("grandpa", code)
    me = await claimed.client.get("/api/v1/me", headers=first.headers)
    assert me.json()["must_change_password"] is True
    blocked = await claimed.client.get("/api/v1/me/sessions", headers=first.headers)
    assert blocked.status_code == 403
    assert blocked.json()["error"]["code"] == "password_change_required"
    r = await claimed.client.post(
        "/api/v1/me/password",
        json={"current_password": code, "new_password": PASSWORD},
        headers=first.headers,
    )
    assert r.status_code == 200
    assert (
        await claimed.client.get("/api/v1/me/sessions", headers=first.headers)
    ).status_code == 200


async def test_username_taken(claimed: Running) -> None:
    await claimed.add_user("alice")
    r = await claimed.client.post(
        "/api/v1/admin/users",
        json={"username": "ALICE", "display_name": "Another"},
        headers=claimed.owner.headers,  # type: ignore[union-attr]
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "username_taken"


async def test_disable_signs_out_at_once_and_enable_restores(claimed: Running) -> None:
    alice = await claimed.add_user("alice")
    h = claimed.owner.headers  # type: ignore[union-attr]
    r = await claimed.client.post(f"/api/v1/admin/users/{alice.user_id}/disable", headers=h)
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert (await claimed.client.get("/api/v1/me", headers=alice.headers)).status_code in (401, 403)
    login = await claimed.client.post(
        "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
    )
    assert login.status_code == 403
    assert login.json()["error"]["code"] == "account_disabled"
    r = await claimed.client.post(f"/api/v1/admin/users/{alice.user_id}/enable", headers=h)
    assert r.status_code == 200
    await claimed.login("alice")


async def test_reset_2fa_hands_over_a_one_time_second_factor(claimed: Running) -> None:
    import pyotp

    alice = await claimed.add_user("alice")
    r = await claimed.client.post(
        "/api/v1/me/2fa/enrol", json={"password": PASSWORD}, headers=alice.headers
    )
    totp = pyotp.TOTP(r.json()["secret"])
    await claimed.client.post(
        "/api/v1/me/2fa/confirm", json={"code": totp.now()}, headers=alice.headers
    )
    r = await claimed.client.post(
        f"/api/v1/admin/users/{alice.user_id}/reset-2fa",
        headers=claimed.owner.headers,  # type: ignore[union-attr]
    )
    assert r.status_code == 200, r.text
    code = r.json()["one_time_code"]
    assert r.json()["user"]["totp_enabled"] is False
    assert (await claimed.client.get("/api/v1/me", headers=alice.headers)).status_code == 401

    async def second_step(c: str) -> int:
        step = await claimed.client.post(
            "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
        )
        assert step.json()["status"] == "second_factor_required"  # password alone is not enough
        done = await claimed.client.post(
            "/api/v1/auth/login/second-factor",
            json={"challenge": step.json()["challenge"], "code": c},
        )
        return done.status_code

    assert await second_step(code) == 200
    await claimed.login("alice")  # used up: plain password sign-in until she enrols again


async def _owner_makes_admin(claimed: Running, name: str) -> Session:
    admin = await claimed.add_user(name)
    r = await claimed.client.put(
        f"/api/v1/admin/users/{admin.user_id}/role",
        json={"role": "admin"},
        headers=claimed.owner.headers,  # type: ignore[union-attr]
    )
    assert r.status_code == 200, r.text
    return admin


async def test_roles_admins_manage_members_only(claimed: Running) -> None:
    dad = await _owner_makes_admin(claimed, "dad")
    uncle = await _owner_makes_admin(claimed, "uncle")
    kid = await claimed.add_user("kid")
    assert claimed.owner is not None
    ok = await claimed.client.post(
        f"/api/v1/admin/users/{kid.user_id}/disable", headers=dad.headers
    )
    assert ok.status_code == 200
    for target in (uncle.user_id, claimed.owner.user_id):
        r = await claimed.client.post(f"/api/v1/admin/users/{target}/disable", headers=dad.headers)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "forbidden"
    r = await claimed.client.put(
        f"/api/v1/admin/users/{kid.user_id}/role", json={"role": "admin"}, headers=dad.headers
    )
    assert r.status_code == 403
    r = await claimed.client.post(f"/api/v1/admin/users/{dad.user_id}/disable", headers=dad.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "cannot_modify_self"


async def test_ownership_transfer(claimed: Running) -> None:
    dad = await _owner_makes_admin(claimed, "dad")
    assert claimed.owner is not None
    r = await claimed.client.put(
        f"/api/v1/admin/users/{dad.user_id}/role", json={"role": "owner"}, headers=dad.headers
    )
    assert r.status_code == 403  # an admin cannot take ownership
    r = await claimed.client.put(
        f"/api/v1/admin/users/{dad.user_id}/role",
        json={"role": "owner"},
        headers=claimed.owner.headers,
    )
    assert r.status_code == 200 and r.json()["role"] == "owner"
    users = await claimed.client.get("/api/v1/admin/users", headers=dad.headers)
    roles = {u["username"]: u["role"] for u in users.json()["users"]}
    assert roles == {"owner": "admin", "dad": "owner"}


async def test_delete_user(claimed: Running) -> None:
    alice = await claimed.add_user("alice")
    h = claimed.owner.headers  # type: ignore[union-attr]
    r = await claimed.client.delete(f"/api/v1/admin/users/{alice.user_id}", headers=h)
    assert r.status_code == 204
    assert (await claimed.client.get("/api/v1/me", headers=alice.headers)).status_code == 401
    users = (await claimed.client.get("/api/v1/admin/users", headers=h)).json()["users"]
    assert "alice" not in [u["username"] for u in users]
    again = await claimed.client.delete(f"/api/v1/admin/users/{alice.user_id}", headers=h)
    assert again.status_code == 404
    await claimed.add_user("alice")  # the name is free again


async def test_invite_link_registration_is_one_time(claimed: Running) -> None:
    h = claimed.owner.headers  # type: ignore[union-attr]
    r = await claimed.client.post(
        "/api/v1/admin/invites", json={"role": "member", "note": "for Grandma 奶奶"}, headers=h
    )
    assert r.status_code == 201, r.text
    link = urlparse(r.json()["link"])
    params = parse_qs(link.query)
    assert link.scheme == "roost" and link.netloc == "join"
    assert params["fp"] == [claimed.rt.fingerprint]
    assert params["addr"] == [f"127.0.0.1:{claimed.rt.bound_port}"]
    assert params["name"] == ["Family"]
    token = params["token"][0]
    body = {
        "invite": token,
        "username": "grandma",
        "display_name": "奶奶",
        "password": PASSWORD,
        "device_name": "Grandma's PC",
    }
    reg = await claimed.client.post("/api/v1/auth/register", json=body)
    assert reg.status_code == 200, reg.text
    assert reg.json()["user"]["role"] == "member"
    again = await claimed.client.post("/api/v1/auth/register", json={**body, "username": "gran2"})
    assert again.status_code == 403
    assert again.json()["error"]["code"] == "invalid_invite"
    invites = (await claimed.client.get("/api/v1/admin/invites", headers=h)).json()["invites"]
    assert invites[0]["used_by"] == reg.json()["user"]["id"]


async def test_revoked_and_expired_invites_are_refused(claimed: Running) -> None:
    h = claimed.owner.headers  # type: ignore[union-attr]
    r = await claimed.client.post("/api/v1/admin/invites", json={}, headers=h)
    inv = r.json()
    assert (
        await claimed.client.delete(f"/api/v1/admin/invites/{inv['invite']['id']}", headers=h)
    ).status_code == 204
    reg = await claimed.client.post(
        "/api/v1/auth/register",
        json={
            "invite": inv["token"],
            "username": "x-user",
            "display_name": "X",
            "password": PASSWORD,
        },
    )
    assert reg.status_code == 403
    # expire one by moving its deadline into the past, as time would
    from sqlalchemy import update

    from server.storage.tables import invites

    r = await claimed.client.post("/api/v1/admin/invites", json={}, headers=h)
    async with claimed.rt.engine.begin() as conn:
        await conn.execute(
            update(invites)
            .where(invites.c.id == r.json()["invite"]["id"])
            .values(expires_at=time.time() - 1)
        )
    reg = await claimed.client.post(
        "/api/v1/auth/register",
        json={
            "invite": r.json()["token"],
            "username": "y-user",
            "display_name": "Y",
            "password": PASSWORD,
        },
    )
    assert reg.status_code == 403
    assert reg.json()["error"]["code"] == "invalid_invite"


async def test_only_the_owner_invites_admins(claimed: Running) -> None:
    dad = await _owner_makes_admin(claimed, "dad")
    r = await claimed.client.post(
        "/api/v1/admin/invites", json={"role": "admin"}, headers=dad.headers
    )
    assert r.status_code == 403
    r = await claimed.client.post(
        "/api/v1/admin/invites",
        json={"role": "admin"},
        headers=claimed.owner.headers,  # type: ignore[union-attr]
    )
    assert r.status_code == 201


async def test_audit_log_records_admin_actions(claimed: Running) -> None:
    alice = await claimed.add_user("alice")
    h = claimed.owner.headers  # type: ignore[union-attr]
    await claimed.client.post(f"/api/v1/admin/users/{alice.user_id}/disable", headers=h)
    entries = (await claimed.client.get("/api/v1/admin/audit", headers=h)).json()["entries"]
    actions = [e["action"] for e in entries]
    assert actions[:2] == ["user.disable", "password.changed"]
    assert {"setup.claim", "user.create"} <= set(actions)
    disable = entries[0]
    assert disable["actor_id"] == claimed.owner.user_id  # type: ignore[union-attr]
    assert disable["target_id"] == alice.user_id
    page = (
        await claimed.client.get(
            f"/api/v1/admin/audit?before_id={entries[1]['id']}&limit=1", headers=h
        )
    ).json()
    assert [e["id"] for e in page["entries"]] == [entries[2]["id"]]
