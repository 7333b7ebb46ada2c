"""Guessing stays slow under parallel attempts, second factors resist brute force, and the
corners found in review stay closed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyotp
import pytest

from server.cli import main as cli_main
from tests.helpers.server import PASSWORD, Running, make_settings, running


async def test_parallel_guesses_cannot_outrun_the_lockout(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, login_allowlist=[], lockout_threshold=5, address_failures_per_window=1000
    )
    async with running(settings) as srv:
        await srv.claim()
        replies = await asyncio.gather(
            *(
                srv.client.post(
                    "/api/v1/auth/login", json={"username": "owner", "password": f"guess {i}"}
                )
                for i in range(30)
            )
        )
        statuses = sorted(r.status_code for r in replies)
        assert statuses.count(401) == 5  # exactly the threshold reached the password check
        assert statuses.count(429) == 25


async def test_parallel_guesses_cannot_outrun_the_address_budget(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_allowlist=[], address_failures_per_window=4)
    async with running(settings) as srv:
        await srv.claim()
        replies = await asyncio.gather(
            *(
                srv.client.post(
                    "/api/v1/auth/login", json={"username": f"ghost{i}", "password": "whatever"}
                )
                for i in range(20)
            )
        )
        assert [r.status_code for r in replies].count(401) <= 4


async def _totp_owner(srv: Running) -> pyotp.TOTP:
    assert srv.owner is not None
    h = srv.owner.headers
    r = await srv.client.post("/api/v1/me/2fa/enrol", json={"password": PASSWORD}, headers=h)
    totp = pyotp.TOTP(r.json()["secret"])
    await srv.client.post("/api/v1/me/2fa/confirm", json={"code": totp.now()}, headers=h)
    return totp


async def _challenge(srv: Running) -> str:
    r = await srv.client.post(
        "/api/v1/auth/login", json={"username": "owner", "password": PASSWORD}
    )
    challenge: str = r.json()["challenge"]
    return challenge


async def test_a_challenge_allows_few_tries_and_signs_in_once(claimed: Running) -> None:
    totp = await _totp_owner(claimed)
    challenge = await _challenge(claimed)
    url = "/api/v1/auth/login/second-factor"
    for _ in range(5):
        r = await claimed.client.post(url, json={"challenge": challenge, "code": "000000"})
        assert r.status_code == 401
    import time

    good = totp.at(time.time() + 30)
    r = await claimed.client.post(url, json={"challenge": challenge, "code": good})
    assert r.status_code == 401  # the challenge is used up, even with the right code
    assert "start again" in r.json()["error"]["message"]
    fresh = await _challenge(claimed)
    r = await claimed.client.post(url, json={"challenge": fresh, "code": good})
    assert r.status_code == 200
    again = await claimed.client.post(url, json={"challenge": fresh, "code": totp.now()})
    assert again.status_code == 401  # one sign-in per challenge


async def test_second_factor_failures_are_limited_even_on_the_lan(claimed: Running) -> None:
    await _totp_owner(claimed)
    url = "/api/v1/auth/login/second-factor"
    statuses = []
    for _ in range(3):
        challenge = await _challenge(claimed)
        for _ in range(5):
            r = await claimed.client.post(url, json={"challenge": challenge, "code": "000000"})
            statuses.append(r.status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429] * 5


async def test_a_deleted_users_name_cannot_be_taken_over(claimed: Running) -> None:
    alice = await claimed.add_user("alice")
    h = claimed.owner.headers  # type: ignore[union-attr]
    # the name the tombstone would have had under a naive scheme
    await claimed.add_user(f"deleted-{alice.user_id}")
    r = await claimed.client.delete(f"/api/v1/admin/users/{alice.user_id}", headers=h)
    assert r.status_code == 204


async def test_ownership_is_not_handed_to_a_disabled_account(claimed: Running) -> None:
    dad = await claimed.add_user("dad")
    h = claimed.owner.headers  # type: ignore[union-attr]
    await claimed.client.post(f"/api/v1/admin/users/{dad.user_id}/disable", headers=h)
    r = await claimed.client.put(
        f"/api/v1/admin/users/{dad.user_id}/role", json={"role": "owner"}, headers=h
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "account_disabled"


async def test_registration_checks_the_invite_before_hashing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_allowlist=[], address_failures_per_window=3)
    async with running(settings) as srv:
        await srv.claim()
        body = {"username": "mallory", "display_name": "M", "password": PASSWORD}
        codes = [
            (
                await srv.client.post("/api/v1/auth/register", json={**body, "invite": f"x{i}"})
            ).json()["error"]["code"]
            for i in range(5)
        ]
        assert codes == ["invalid_invite"] * 3 + ["rate_limited"] * 2


async def test_console_reset_brings_a_locked_out_owner_back(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with running(settings) as srv:
        await srv.claim()
        await _totp_owner(srv)
    # Simulate the worst case: the owner's account got disabled behind their back.
    from sqlalchemy import update

    from server.runtime import Runtime
    from server.storage.tables import users

    rt = Runtime(settings)
    await rt.open(serving=False)
    async with rt.engine.begin() as conn:
        await conn.execute(update(users).values(disabled=True))
    await rt.close()
    args = [
        "reset-password",
        "owner",
        "--reset-2fa",
        "--data-dir",
        str(settings.data_dir),
        "--key-file",
        str(settings.key_file),
    ]
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert await asyncio.to_thread(cli_main, args) == 0
    code = out.getvalue().split(": ", 1)[1].splitlines()[0].strip()
    async with running(settings) as srv:
        r = await srv.client.post(
            "/api/v1/auth/login", json={"username": "owner", "password": code}
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ok"  # 2FA off
        assert r.json()["user"]["must_change_password"] is True


@pytest.mark.parametrize("name", ["a" * 64, "🏠" * 64, "家" * 64])
def test_long_names_fit_the_mdns_record(name: str) -> None:
    from server.discovery import _fit

    fitted = _fit(name, 200)
    assert len(fitted.encode()) <= 200
    assert name.startswith(fitted)
