"""W-login (WORKLOADS.md): 50 concurrent loops of password logins, each on a new connection,
at most 500 logins or 40 s (bench/storm.py, in a process of its own); logins/s, p50/p99, server
CPU and peak RSS. Meanwhile 20 of the users chat (W-chat's open-loop sender at 20 msgs/s in
groups of ten), and the chat's p99 is compared with the same chat without the storm: a storm
must not starve chat (goal: at most 2×). Then token resumption: reconnecting the WebSocket
with a valid access token (bench/resume.py), Roost's and, in the same run with the same
generator, the in-memory reference server's. The server keeps its production argon2id
parameters: hashing is what this workload measures.

    python -m bench.wlogin --out bench/results/wlogin.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench import resume, storm
from bench.chat_load import BenchUser, ChatLoad
from bench.common import Target, create_users, start_local, start_reference
from bench.local_server import cpu_seconds, pin_generator

CHAT_USERS = 20
CHAT_RATE = 20  # msgs/s: a lively team, far below what the server holds
CHAT_SECONDS = 15.0
RESUME_SECONDS = 10.0


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def login_storm(target: Target, usernames: list[str], pid: int) -> dict[str, Any]:
    """The storm (bench/storm.py) in a process of its own, at the lowest priority on the
    generator's core; the server's CPU and peak RSS over it, from here."""
    assert target.server is not None
    cafile = "-" if target.ctx is None else str(target.server.cert_path())
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.storm", target.base_url, cafile,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, _ = await asyncio.wait_for(
            proc.communicate(json.dumps(usernames).encode()), storm.MAX_SECONDS + 300
        )
    except BaseException:  # a storm that hangs, or the run interrupted: it ends with us
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    elapsed = time.monotonic() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"the login storm failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    result["server_cpu_pct"] = round(100 * (cpu_seconds(pid) - cpu0) / elapsed, 1)
    result["server_peak_rss_mib"] = round(peak_rss_mib(pid), 1)
    return result


async def token_resumption(target: Target, tokens: list[str], plain: bool) -> dict[str, Any]:
    """Roost's resumptions, then the reference server's (bench/reference/fanout.py, in memory)
    with the same generator in the same run: the generator's own ceiling shows as the
    reference's figure."""
    roost = await resume.resumption(target.ws_url, target.ctx, tokens, RESUME_SECONDS)
    reference = await start_reference(sqlite=False, plain=plain)
    try:
        ref_tokens = [f"u{i + 1}" for i in range(len(tokens))]
        ref = await resume.resumption(reference.ws_url, reference.ctx, ref_tokens, RESUME_SECONDS)
    finally:
        assert reference.server is not None
        await asyncio.to_thread(reference.server.stop)
    return {
        **roost,
        "reference": ref,
        "ratio": round(roost["resumptions_per_s"] / ref["resumptions_per_s"], 2)
        if ref["resumptions_per_s"]
        else None,
    }


async def run(*, plain: bool = False) -> dict[str, Any]:
    # Production hashing: no CHEAP_HASHING here. Users are created once, slowly.
    target = await start_local({}, plain=plain)
    assert target.server is not None
    try:
        users = await create_users(target, 50, prefix="login")
        names = [u["user"]["username"] for u in users]
        chat = ChatLoad(target.ws_url, target.ctx)
        await chat.setup(
            [BenchUser(u["access_token"], u["user"]["id"]) for u in users[:CHAT_USERS]]
        )
        alone = await chat.run_step(CHAT_RATE, CHAT_SECONDS, drain_s=3, pause_s=1)
        storm, during = await asyncio.gather(
            login_storm(target, names, target.server.pid),
            chat.run_step(CHAT_RATE, CHAT_SECONDS, drain_s=3, pause_s=0),
        )
        await chat.close()
        storm["chat"] = {
            "rate": CHAT_RATE,
            "users": CHAT_USERS,
            "p99_ms_alone": alone["p99_ms"],
            "p99_ms_during_storm": during["p99_ms"],
            "p50_ms_during_storm": during["p50_ms"],
            "lost_during_storm": during["lost"],
            # No delivery at all during the storm counts as unbounded, not as unmeasured.
            "ratio": (
                round(during["p99_ms"] / alone["p99_ms"], 2)
                if during["p99_ms"] is not None and alone["p99_ms"]
                else None
            ),
        }
        print(json.dumps({"login_storm": storm}), flush=True)
        resumed = await token_resumption(target, [u["access_token"] for u in users], plain)
        print(json.dumps({"token_resumption": resumed}), flush=True)
        return {"workload": "W-login", "login_storm": storm, "token_resumption": resumed}
    finally:
        # In a thread: this loop must stay free to answer the server's close frames.
        await asyncio.to_thread(target.server.stop)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--out", type=Path)
    p.add_argument("--plain", action="store_true", help="plain WebSocket on loopback, no TLS")
    a = p.parse_args()
    pin_generator()
    result = asyncio.run(run(plain=a.plain))
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
