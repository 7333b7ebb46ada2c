"""Signing in with and without two-factor, recovery codes, and TOTP replay."""

from __future__ import annotations

import time

import pyotp

from tests.helpers.server import PASSWORD, Running, Session


async def _enable_totp(srv: Running, who: Session) -> tuple[pyotp.TOTP, list[str]]:
    r = await srv.client.post(
        "/api/v1/me/2fa/enrol", json={"password": who.password}, headers=who.headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(body["secret"])
    r = await srv.client.post(
        "/api/v1/me/2fa/confirm", json={"code": totp.now()}, headers=who.headers
    )
    assert r.status_code == 200, r.text
    codes = r.json()["recovery_codes"]
    return totp, codes


async def _password_step(srv: Running, username: str) -> str:
    r = await srv.client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_name": "Laptop 笔记本"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "second_factor_required"
    challenge: str = r.json()["challenge"]
    return challenge


async def test_login_without_2fa_returns_tokens(claimed: Running) -> None:
    s = await claimed.login("owner")
    me = await claimed.client.get("/api/v1/me", headers=s.headers)
    assert me.status_code == 200
    assert me.json()["role"] == "owner"


async def test_wrong_password_and_unknown_user_look_the_same(claimed: Running) -> None:
    wrong = await claimed.client.post(
        "/api/v1/auth/login", json={"username": "owner", "password": "not the password"}
    )
    unknown = await claimed.client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "not the password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


async def test_username_is_case_insensitive(claimed: Running) -> None:
    await claimed.login("OWNER")


async def test_login_with_2fa_needs_the_code(claimed: Running) -> None:
    assert claimed.owner is not None
    totp, _ = await _enable_totp(claimed, claimed.owner)
    challenge = await _password_step(claimed, "owner")
    bad = await claimed.client.post(
        "/api/v1/auth/login/second-factor", json={"challenge": challenge, "code": "000000"}
    )
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_second_factor"
    # The current step's code confirmed the enrolment and is spent; the next step's code is
    # within the one step of clock skew the server allows.
    code = totp.at(time.time() + 30)
    r = await claimed.client.post(
        "/api/v1/auth/login/second-factor", json={"challenge": challenge, "code": code}
    )
    assert r.status_code == 200, r.text
    assert r.json()["user"]["totp_enabled"] is True
    sessions = await claimed.client.get(
        "/api/v1/me/sessions", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    )
    assert "Laptop 笔记本" in [s["device_name"] for s in sessions.json()["sessions"]]
    # The same code again is a replay.
    again = await claimed.client.post(
        "/api/v1/auth/login/second-factor",
        json={"challenge": await _password_step(claimed, "owner"), "code": code},
    )
    assert again.status_code == 401


async def test_a_recovery_code_works_once(claimed: Running) -> None:
    assert claimed.owner is not None
    _, codes = await _enable_totp(claimed, claimed.owner)
    assert len(codes) == 10 and len(set(codes)) == 10
    first = await claimed.client.post(
        "/api/v1/auth/login/second-factor",
        json={"challenge": await _password_step(claimed, "owner"), "code": codes[3].lower()},
    )
    assert first.status_code == 200, first.text
    second = await claimed.client.post(
        "/api/v1/auth/login/second-factor",
        json={"challenge": await _password_step(claimed, "owner"), "code": codes[3]},
    )
    assert second.status_code == 401
    assert second.json()["error"]["code"] == "invalid_second_factor"


async def test_a_forged_challenge_is_refused(claimed: Running) -> None:
    r = await claimed.client.post(
        "/api/v1/auth/login/second-factor",
        json={"challenge": "eyJ0IjoiMmZhIiwidSI6MX0.AAAA", "code": "123456"},
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_second_factor"


async def test_disable_2fa_needs_password_and_code(claimed: Running) -> None:
    assert claimed.owner is not None
    _, codes = await _enable_totp(claimed, claimed.owner)
    h = claimed.owner.headers
    wrong = await claimed.client.post(
        "/api/v1/me/2fa/disable", json={"password": "wrong password!", "code": codes[0]}, headers=h
    )
    assert wrong.status_code == 403
    ok = await claimed.client.post(
        "/api/v1/me/2fa/disable", json={"password": PASSWORD, "code": codes[0]}, headers=h
    )
    assert ok.status_code == 204, ok.text
    await claimed.login("owner")  # one step again


async def test_enrolment_is_pending_until_confirmed(claimed: Running) -> None:
    assert claimed.owner is not None
    h = claimed.owner.headers
    r = await claimed.client.post("/api/v1/me/2fa/enrol", json={"password": PASSWORD}, headers=h)
    assert r.status_code == 200
    await claimed.login("owner")  # not confirmed: password alone still signs in
    r = await claimed.client.post("/api/v1/me/2fa/confirm", json={"code": "123456"}, headers=h)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_second_factor"
