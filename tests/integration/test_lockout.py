"""Login limits: per-account lockout with back-off, per-address budget, and the allowlist."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers.server import PASSWORD, make_settings, running


async def _attempt(client: object, password: str) -> tuple[int, dict[str, object]]:
    r = await client.post(  # type: ignore[attr-defined]
        "/api/v1/auth/login", json={"username": "owner", "password": password}
    )
    return r.status_code, r.json()


async def test_account_locks_with_back_off_and_says_when(tmp_path: Path) -> None:
    # An empty allowlist: loopback counts as "the internet" here.
    settings = make_settings(tmp_path, login_allowlist=[], lockout_threshold=3, lockout_base_s=60)
    async with running(settings) as srv:
        await srv.claim()
        for _ in range(3):
            status, _body = await _attempt(srv.client, "wrong password")
            assert status == 401
        status, body = await _attempt(srv.client, PASSWORD)  # even the right one waits
        assert status == 429
        err = body["error"]
        assert isinstance(err, dict)
        assert err["code"] == "account_locked"
        assert 50 <= int(err["retry_after"]) <= 60
        assert "try again in" in str(err["message"])
        users = await srv.client.get("/api/v1/admin/users", headers=srv.owner.headers)  # type: ignore[union-attr]
        assert users.json()["users"][0]["locked_until"] is not None
        audit = await srv.client.get("/api/v1/admin/audit", headers=srv.owner.headers)  # type: ignore[union-attr]
        assert "login.locked" in [e["action"] for e in audit.json()["entries"]]


async def test_address_budget_is_rate_limited(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_allowlist=[], address_failures_per_window=4)
    async with running(settings) as srv:
        await srv.claim()
        for i in range(4):
            status, _ = await _attempt_user(srv.client, f"ghost{i}")
            assert status == 401
        status, body = await _attempt_user(srv.client, "ghost9")
        assert status == 429
        assert body["error"]["code"] == "rate_limited"  # type: ignore[index]


async def _attempt_user(client: object, username: str) -> tuple[int, dict[str, object]]:
    r = await client.post(  # type: ignore[attr-defined]
        "/api/v1/auth/login", json={"username": username, "password": "whatever it is"}
    )
    return r.status_code, r.json()


async def test_allowlisted_addresses_are_never_locked_out(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        login_allowlist=["127.0.0.0/8"],
        lockout_threshold=2,
        address_failures_per_window=2,
    )
    async with running(settings) as srv:
        await srv.claim()
        for _ in range(8):
            status, _ = await _attempt(srv.client, "wrong password")
            assert status == 401
        await srv.login("owner")


async def test_a_successful_login_resets_the_count(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_allowlist=[], lockout_threshold=3)
    async with running(settings) as srv:
        await srv.claim()
        for _ in range(2):
            assert (await _attempt(srv.client, "wrong password"))[0] == 401
        before = time.time()
        await srv.login("owner")
        users = await srv.client.get("/api/v1/admin/users", headers=srv.owner.headers)  # type: ignore[union-attr]
        assert users.json()["users"][0]["last_login_at"] >= before
        for _ in range(2):
            assert (await _attempt(srv.client, "wrong password"))[0] == 401
        await srv.login("owner")


async def test_an_admin_reset_lifts_a_lockout(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_allowlist=[], lockout_threshold=2)
    async with running(settings) as srv:
        await srv.claim()
        alice = await srv.add_user("alice")
        for _ in range(2):
            r = await srv.client.post(
                "/api/v1/auth/login", json={"username": "alice", "password": "bad bad bad"}
            )
            assert r.status_code == 401
        r = await srv.client.post(
            f"/api/v1/admin/users/{alice.user_id}/reset-password",
            headers=srv.owner.headers,  # type: ignore[union-attr]
        )
        assert r.status_code == 200
        await srv.login("alice", r.json()["one_time_code"])
