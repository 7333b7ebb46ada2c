"""CI runs the benchmark tool's smallest step, so the tool keeps working (this measures
nothing: the figures come from full runs, see docs/performance.md)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # CI runs these on its first Python only (.ci/run)


def test_roost_bench_quick_writes_json_and_html(tmp_path: Path) -> None:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.cli",
            "--quick",
            "--workloads",
            "idle,chat",
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads((tmp_path / "quick.json").read_text())
    step = result["chat"]["roost"]["steps"][0]
    assert step["lost"] == 0
    assert step["duplicates"] == 0
    assert step["delivered"] == step["expected_deliveries"] > 0
    assert result["idle"]["steps"][0]["connections"] == 20
    page = (tmp_path / "quick.html").read_text()
    assert "<svg" in page
    assert "W-chat" in page
    assert "http://" not in page.replace("http://www.w3.org", "")  # nothing fetched online


def _refusal(module: str, *flags: str) -> str:
    """What ``python -m module flags`` says on stderr, after checking it exits as argparse does
    on bad input (2)."""
    r = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", module, *flags],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2, r.stderr[-2000:]
    return r.stderr


def test_roost_bench_refuses_an_unknown_workload() -> None:
    assert "unknown workload(s): nope" in _refusal("bench.cli", "--workloads", "chat,nope")


async def test_two_steps_at_one_rate_both_deliver() -> None:
    """W-login runs the chat twice at the same rate (alone, then in the storm): the second
    step's messages must be new messages, not resends the server acknowledges and drops."""
    from bench.chat_load import BenchUser, ChatLoad
    from bench.common import CHEAP_HASHING, create_users, start_local

    target = await start_local(CHEAP_HASHING)
    assert target.server is not None
    try:
        users = await create_users(target, 10)
        chat = ChatLoad(target.ws_url, target.ctx)
        await chat.setup([BenchUser(u["access_token"], u["user"]["id"]) for u in users])
        for _ in range(2):
            step = await chat.run_step(20, 0.5, drain_s=5, pause_s=0)
            assert step["delivered"] == step["expected_deliveries"] == step["sent"] * 9 > 0
        await chat.close()
    finally:
        target.server.stop()


async def test_token_resumption_counts_only_answered_auths() -> None:
    """bench/resume.py against a real server: valid tokens resume, a refused one counts as a
    failure and never as a resumption."""
    from bench import resume
    from bench.common import CHEAP_HASHING, create_users, start_local

    target = await start_local(CHEAP_HASHING)
    assert target.server is not None
    try:
        tokens = [u["access_token"] for u in await create_users(target, 3)]
        good = await resume.resumption(target.ws_url, target.ctx, tokens, 0.5)
        assert good["failures"] == 0 and good["resumptions"] > 0
        assert 0 < good["p50_ms"] <= good["p99_ms"]
        bad = await resume.resumption(target.ws_url, target.ctx, ["not-a-token"], 0.3)
        assert bad["resumptions"] == 0 and bad["failures"] > 0 and bad["p99_ms"] is None
    finally:
        await asyncio.to_thread(target.server.stop)


async def test_the_login_storm_runs_in_its_own_process_and_counts_logins() -> None:
    """bench/storm.py as W-login starts it: real logins against a real server; a wrong
    username counts as a failure; bad input is refused with a message."""
    from bench.common import CHEAP_HASHING, create_users, start_local

    target = await start_local(CHEAP_HASHING)
    assert target.server is not None
    try:
        names = [u["user"]["username"] for u in await create_users(target, 2)]
        cmd = [sys.executable, "-m", "bench.storm", target.base_url,
               str(target.server.cert_path()), "--max-logins", "4"]  # fmt: skip

        def storm(stdin: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(  # noqa: S603 - our own module
                cmd, input=stdin, capture_output=True, text=True, timeout=120, check=False
            )

        ok = await asyncio.to_thread(storm, json.dumps(names))
        assert ok.returncode == 0, ok.stderr[-2000:]
        result = json.loads(ok.stdout)
        assert result["logins"] >= 4 and result["failures"] == 0
        bad = await asyncio.to_thread(storm, json.dumps(["nobody-here"]))
        assert json.loads(bad.stdout)["failures"] >= 4
        refused = await asyncio.to_thread(storm, "not json")
        assert refused.returncode == 2
        assert "a JSON list of usernames" in refused.stderr
    finally:
        await asyncio.to_thread(target.server.stop)


def test_a_server_that_starts_too_late_is_stopped() -> None:
    from bench.local_server import LocalServer

    server = LocalServer()
    with pytest.raises(RuntimeError, match="did not start"):
        server.start(timeout=0.01)  # the process is still importing: too late by design
    assert server.proc is not None
    assert server.proc.poll() is not None  # not left running when the bench gives up


def test_tls_handshake_compares_roost_with_openssl_defaults() -> None:
    from bench import tls_handshake

    result = tls_handshake.run(rounds=1, per_round=3)
    ms = result["server_ms_per_handshake"]
    assert set(ms) == {"roost", "openssl_defaults"}
    assert all(v > 0 for v in ms.values())
    assert "--rounds must be at least 1" in _refusal("bench.tls_handshake", "--rounds", "0")


def test_the_bare_hasher_hashes_with_the_servers_parameters_and_stops() -> None:
    from bench import storm_share

    hasher = storm_share.start_hasher(1.0)
    out, _ = hasher.communicate(timeout=60)
    assert hasher.returncode == 0
    assert float(out) > 0
    assert "--rounds must be at least 1" in _refusal("bench.storm_share", "--rounds", "0")


def test_import_memory_counts_every_stage_in_a_fresh_interpreter() -> None:
    from bench import import_memory

    rows = import_memory.measure()
    assert [r["stage"] for r in rows[1:]] == [label for label, _ in import_memory.STAGES]
    # Importing SQLAlchemy always costs memory; a stage that measured nothing would be 0.
    assert rows[2]["added_anon_mib"] > 1
    assert all(r["added_modules"] >= 0 for r in rows[1:])


def test_cold_commit_measures_both_ways_and_refuses_bad_flags() -> None:
    from bench import cold_commit

    result = cold_commit.run(n=20, gap_s=0.001)
    assert result["back_to_back"]["total_ms"] > 0
    assert result["with_gap"]["total_ms"] > 0
    assert "--commits must be at least 1" in _refusal("bench.cold_commit", "--commits", "0")
    assert "--gap must be more than 0" in _refusal("bench.cold_commit", "--gap", "5")
