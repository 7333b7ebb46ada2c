"""``roost-bench --remote`` against a real server started here as a child process: pinned TLS,
test accounts made and always removed, and ``--cleanup`` for leftovers."""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from bench.common import CHEAP_HASHING, PASSWORD
from bench.local_server import LocalServer

pytestmark = pytest.mark.slow  # CI runs these on its first Python only (.ci/run)


class Server:
    """A claimed server and its owner's token."""

    def __init__(self, local: LocalServer) -> None:
        self.local = local
        pem = local.cert_path().read_text()
        self.fingerprint = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()
        self.http = httpx.Client(
            base_url=local.base_url, verify=ssl.create_default_context(cadata=pem), timeout=30
        )
        r = self.http.post(
            "/api/v1/setup/claim",
            json={
                "setup_code": local.setup_code(),
                "server_name": "bench",
                "admin": {"username": "mum", "display_name": "Mum", "password": PASSWORD},
            },
        )
        r.raise_for_status()
        self.headers = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.local.port}"

    def get(self, path: str) -> Any:
        r = self.http.get(path, headers=self.headers)
        r.raise_for_status()
        return r.json()

    def usernames(self) -> list[str]:
        return [u["username"] for u in self.get("/api/v1/admin/users")["users"]]

    def bench(self, *args: str, fingerprint: str | None = None, out: Path | None = None) -> Any:
        cmd = [
            sys.executable,
            "-m",
            "bench.cli",
            "--remote",
            self.address,
            "--fingerprint",
            fingerprint or self.fingerprint,
            "--admin",
            "mum",
            *args,
        ]
        if out is not None:
            cmd += ["--out-dir", str(out)]
        env = {**os.environ, "ROOST_BENCH_PASSWORD": PASSWORD}
        return subprocess.run(
            cmd, capture_output=True, text=True, timeout=180, check=False, env=env
        )


@pytest.fixture
def server() -> Iterator[Server]:
    # a short metrics interval, so a quick run sees samples; production hashing is not needed
    local = LocalServer(env={**CHEAP_HASHING, "ROOST_METRICS_INTERVAL_S": "1"}, core=None)
    local.start()
    try:
        srv = Server(local)
        yield srv
        srv.http.close()
    finally:
        local.stop()


def test_quick_remote_chat_delivers_everything_and_leaves_no_test_account(
    server: Server, tmp_path: Path
) -> None:
    r = server.bench("--quick", "--workloads", "chat,login", out=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    result = json.loads((tmp_path / "remote-quick.json").read_text())
    steps = result["chat"]["roost"]["steps"]
    assert [s["rate"] for s in steps] == [10]
    step = steps[0]
    assert step["lost"] == 0
    assert step["duplicates"] == 0
    assert step["delivered"] == step["expected_deliveries"] == step["sent"] * 9 > 0
    assert result["login"]["login_storm"]["logins"] == 5
    assert result["remote"]["test_accounts_removed"] == 20
    assert "<svg" in (tmp_path / "remote-quick.html").read_text()
    assert server.usernames() == ["mum"]
    # the test invites were all used; none is left open
    invites = server.get("/api/v1/admin/invites")["invites"]
    assert all(i["used_at"] or i["revoked_at"] for i in invites)
    assert len(invites) == 20


def test_a_wrong_fingerprint_is_refused_before_the_password_is_sent(server: Server) -> None:
    sessions_before = server.get("/api/v1/me/sessions")["sessions"]
    r = server.bench("--quick", fingerprint="ab" * 32)
    assert r.returncode == 1
    assert "is not the one you named" in r.stderr
    assert "Nothing was sent" in r.stderr
    # no login happened: the owner has no new device session
    assert server.get("/api/v1/me/sessions")["sessions"] == sessions_before
    assert server.usernames() == ["mum"]


def test_cleanup_removes_leftovers_of_earlier_runs_only(server: Server) -> None:
    # what a killed run leaves: test accounts, and an unused test invite
    for name in ("bench-a1b2c3-000", "bench-a1b2c3-001", "benchmark-fan"):
        r = server.http.post(
            "/api/v1/admin/users",
            json={"username": name, "display_name": name},
            headers=server.headers,
        )
        assert r.status_code == 201, r.text
    r = server.http.post(
        "/api/v1/admin/invites", json={"note": "roost-bench test account"}, headers=server.headers
    )
    assert r.status_code == 201
    r = server.bench("--cleanup")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "removed 2 test account(s)" in r.stdout
    assert sorted(server.usernames()) == ["benchmark-fan", "mum"]
    invites = server.get("/api/v1/admin/invites")["invites"]
    assert all(i["revoked_at"] is not None for i in invites)


def test_refuses_when_people_are_online(server: Server) -> None:
    r = server.http.post(
        "/api/v1/admin/users",
        json={"username": "kid", "display_name": "Kid"},
        headers=server.headers,
    )
    code = r.json()["one_time_code"]
    login = server.http.post("/api/v1/auth/login", json={"username": "kid", "password": code})
    token = login.json()["access_token"]
    server.http.post(
        "/api/v1/me/password",
        json={"current_password": code, "new_password": "kid's own password"},
        headers={"Authorization": f"Bearer {token}"},
    ).raise_for_status()
    ctx = ssl.create_default_context(cadata=server.local.cert_path().read_text())
    url = f"wss://127.0.0.1:{server.local.port}/api/v1/ws"
    with connect(url, ssl=ctx) as ws:  # the kid is online (synced)
        ws.recv()
        ws.send(json.dumps({"type": "auth", "access_token": token}))
        assert json.loads(ws.recv())["type"] == "auth_ok"
        ws.send(json.dumps({"id": 1, "type": "sync", "recent": 0}))
        while json.loads(ws.recv()).get("type") != "result":
            pass
        r = server.bench("--quick", "--max-online", "0")
    assert r.returncode == 1
    assert "1 people are online now" in r.stderr
    assert "--i-know" in r.stderr
    assert sorted(server.usernames()) == ["kid", "mum"]
