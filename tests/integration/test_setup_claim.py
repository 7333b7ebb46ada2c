"""Claiming a fresh server: right code, wrong code, rate limit, and a one-shot endpoint."""

from __future__ import annotations

import asyncio
import stat

from tests.helpers.server import PASSWORD, Running


def _claim_body(code: str, username: str = "owner") -> dict[str, object]:
    return {
        "setup_code": code,
        "server_name": "Chen family 陈家",
        "admin": {"username": username, "display_name": "Mum", "password": PASSWORD},
    }


async def test_setup_code_is_private_and_advertised_state_is_unclaimed(srv: Running) -> None:
    mode = stat.S_IMODE(srv.rt.setup_code_path.stat().st_mode)
    assert mode == 0o600
    info = (await srv.client.get("/api/v1/server")).json()
    assert info["state"] == "unclaimed"
    assert (await srv.client.get("/api/v1/setup")).status_code == 200


async def test_right_code_claims_and_signs_in_the_owner(srv: Running) -> None:
    # People type codes in lower case and without dashes; both must work.
    code = srv.setup_code().lower().replace("-", "")
    r = await srv.client.post("/api/v1/setup/claim", json=_claim_body(code))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["server"]["state"] == "ready"
    assert body["server"]["name"] == "Chen family 陈家"
    assert body["tokens"]["user"]["role"] == "owner"
    me = await srv.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {body['tokens']['access_token']}"}
    )
    assert me.json()["username"] == "owner"
    assert not srv.rt.setup_code_path.exists()


async def test_wrong_code_is_refused_and_changes_nothing(srv: Running) -> None:
    r = await srv.client.post("/api/v1/setup/claim", json=_claim_body("AAAA-BBBB-CCCC"))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "invalid_setup_code"
    assert (await srv.client.get("/api/v1/server")).json()["state"] == "unclaimed"
    login = await srv.client.post(
        "/api/v1/auth/login", json={"username": "owner", "password": PASSWORD}
    )
    assert login.status_code == 401


async def test_wrong_codes_are_rate_limited_even_before_the_right_one(srv: Running) -> None:
    for _ in range(5):
        r = await srv.client.post("/api/v1/setup/claim", json=_claim_body("WRONG-CODE"))
        assert r.status_code == 403
    r = await srv.client.post("/api/v1/setup/claim", json=_claim_body(srv.setup_code()))
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited"
    assert int(r.headers["retry-after"]) > 0


async def test_after_the_claim_the_setup_endpoint_is_gone(srv: Running) -> None:
    code = srv.setup_code()
    await srv.claim()
    assert (await srv.client.get("/api/v1/setup")).status_code == 404
    r = await srv.client.post("/api/v1/setup/claim", json=_claim_body(code, "intruder"))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "already_claimed"


async def test_two_simultaneous_claims_make_exactly_one_owner(srv: Running) -> None:
    code = srv.setup_code()
    results = await asyncio.gather(
        *(
            srv.client.post("/api/v1/setup/claim", json=_claim_body(code, f"user{i}"))
            for i in range(4)
        )
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 404, 404, 404]


async def test_claim_survives_a_restart(srv: Running) -> None:
    await srv.claim()
    await srv.server.stop()
    from tests.helpers.server import running

    async with running(srv.server.settings) as again:
        assert (await again.client.get("/api/v1/server")).json()["state"] == "ready"
        assert (await again.client.get("/api/v1/setup")).status_code == 404
        await again.login("owner")
