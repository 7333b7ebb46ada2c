"""Access and refresh tokens, device sessions, and what revoking them does at once."""

from __future__ import annotations

from tests.helpers.server import PASSWORD, Running


async def test_refresh_rotates_and_the_old_token_is_spent(claimed: Running) -> None:
    s = await claimed.login("owner")
    r = await claimed.client.post("/api/v1/auth/refresh", json={"refresh_token": s.refresh_token})
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["refresh_token"] != s.refresh_token
    assert new["session_id"] == s.session_id
    me = await claimed.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {new['access_token']}"}
    )
    assert me.status_code == 200


async def test_reuse_of_a_spent_refresh_token_ends_the_session(claimed: Running) -> None:
    s = await claimed.login("owner")
    r = await claimed.client.post("/api/v1/auth/refresh", json={"refresh_token": s.refresh_token})
    rotated = r.json()
    # The spent token comes back (a thief, or a stale copy): the session ends for everyone.
    reuse = await claimed.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": s.refresh_token}
    )
    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "refresh_token_reused"
    after = await claimed.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "session_revoked"
    me = await claimed.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "session_revoked"
    audit = await claimed.client.get("/api/v1/admin/audit", headers=claimed.owner.headers)  # type: ignore[union-attr]
    assert "session.refresh_reused" in [e["action"] for e in audit.json()["entries"]]


async def test_unknown_refresh_token_is_refused(claimed: Running) -> None:
    r = await claimed.client.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_refresh_token"


async def test_logout_stops_the_access_token_at_once(claimed: Running) -> None:
    s = await claimed.login("owner")
    assert (await claimed.client.post("/api/v1/auth/logout", headers=s.headers)).status_code == 204
    me = await claimed.client.get("/api/v1/me", headers=s.headers)
    assert me.status_code == 401
    r = await claimed.client.post("/api/v1/auth/refresh", json={"refresh_token": s.refresh_token})
    assert r.status_code == 401


async def test_list_and_revoke_own_sessions(claimed: Running) -> None:
    laptop = await claimed.login("owner")
    phone = await claimed.login("owner")
    r = await claimed.client.get("/api/v1/me/sessions", headers=laptop.headers)
    sessions = r.json()["sessions"]
    assert {laptop.session_id, phone.session_id} <= {x["id"] for x in sessions}
    assert [x["current"] for x in sessions if x["id"] == laptop.session_id] == [True]
    r = await claimed.client.delete(
        f"/api/v1/me/sessions/{phone.session_id}", headers=laptop.headers
    )
    assert r.status_code == 204
    assert (await claimed.client.get("/api/v1/me", headers=phone.headers)).status_code == 401
    assert (await claimed.client.get("/api/v1/me", headers=laptop.headers)).status_code == 200


async def test_nobody_revokes_someone_elses_session(claimed: Running) -> None:
    alice = await claimed.add_user("alice")
    assert claimed.owner is not None
    r = await claimed.client.delete(
        f"/api/v1/me/sessions/{claimed.owner.session_id}", headers=alice.headers
    )
    assert r.status_code == 404
    assert (
        await claimed.client.get("/api/v1/me", headers=claimed.owner.headers)
    ).status_code == 200


async def test_change_password_ends_the_other_sessions(claimed: Running) -> None:
    here = await claimed.login("owner")
    other = await claimed.login("owner")
    new = "a brand new passphrase"
    r = await claimed.client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": new},
        headers=here.headers,
    )
    assert r.status_code == 200, r.text
    assert (await claimed.client.get("/api/v1/me", headers=here.headers)).status_code == 200
    assert (await claimed.client.get("/api/v1/me", headers=other.headers)).status_code == 401
    await claimed.login("owner", new)
    old = await claimed.client.post(
        "/api/v1/auth/login", json={"username": "owner", "password": PASSWORD}
    )
    assert old.status_code == 401


async def test_change_password_checks_the_current_one_and_strength(claimed: Running) -> None:
    s = await claimed.login("owner")
    wrong = await claimed.client.post(
        "/api/v1/me/password",
        json={"current_password": "not it at all", "new_password": "whatever works"},
        headers=s.headers,
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "wrong_password"
    weak = await claimed.client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=s.headers,
    )
    assert weak.status_code == 422
    assert weak.json()["error"]["code"] == "weak_password"
    await claimed.login("owner")  # unchanged


async def test_a_tampered_access_token_is_refused(claimed: Running) -> None:
    s = await claimed.login("owner")
    body, _, mac = s.access_token.partition(".")
    forged = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + mac
    r = await claimed.client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
