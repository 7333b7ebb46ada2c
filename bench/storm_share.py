"""How much of the login storm's effect on chat is the hashing itself, wherever it runs.

W-login's chat (20 users, 20 msgs/s) is measured, in rounds, three ways against one server:
alone; beside a bare argon2id hasher that is not the server (a process of its own on the
server's core, with the server's parameters, one hash at a time, as SCHED_IDLE at nice 19 as the
server's hashing threads are); and during the real storm (bench/storm.py). The hasher's rate is
reported beside the storm's logins/s: at the same rate, what the storm adds beyond the bare
hasher is the server's handling of logins (TLS handshakes, requests, sessions), and the rest is
what sharing one core with a memory-hard hash costs any chat server.

    python -m bench.storm_share --rounds 2 --out bench/results/storm_share.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import wlogin
from bench.chat_load import BenchUser, ChatLoad
from bench.common import create_users, start_local
from bench.local_server import pin_generator
from server.config import Settings

# Runs on the server's core for ``SECONDS``; prints hashes per second.
HASHER = """
import os, sys, time
import argon2.low_level as ll
os.setpriority(os.PRIO_PROCESS, 0, 19)
os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
t, m, p, seconds = (float(x) for x in sys.argv[1:])
end = time.monotonic() + seconds
n = 0
while time.monotonic() < end:
    ll.hash_secret_raw(b"bench password 1", os.urandom(16), time_cost=int(t), memory_cost=int(m),
                       parallelism=int(p), hash_len=32, type=ll.Type.ID)
    n += 1
print(n / seconds)
"""


def start_hasher(seconds: float, core: int = 0) -> subprocess.Popen[str]:
    s = Settings()
    argv = [str(v) for v in (s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism)]
    return subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
        ["taskset", "-c", str(core), sys.executable, "-c", HASHER, *argv, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )


async def run(rounds: int, *, plain: bool = False) -> dict[str, Any]:
    target = await start_local({}, plain=plain)  # production hashing, as in W-login
    assert target.server is not None
    pid = target.server.pid
    rate, seconds = wlogin.CHAT_RATE, wlogin.CHAT_SECONDS
    out: list[dict[str, Any]] = []
    try:
        users = await create_users(target, 50, prefix="login")
        names = [u["user"]["username"] for u in users]
        chat = ChatLoad(target.ws_url, target.ctx)
        await chat.setup(
            [BenchUser(u["access_token"], u["user"]["id"]) for u in users[: wlogin.CHAT_USERS]]
        )
        for _ in range(rounds):
            alone = await chat.run_step(rate, seconds, drain_s=3, pause_s=1)
            hasher = start_hasher(seconds + 2)
            beside = await chat.run_step(rate, seconds, drain_s=3, pause_s=0)
            hashes_per_s = float((await asyncio.to_thread(hasher.communicate))[0])
            await asyncio.sleep(1)
            storm, during = await asyncio.gather(
                wlogin.login_storm(target, names, pid),
                chat.run_step(rate, seconds, drain_s=3, pause_s=1),
            )
            row = {
                "p99_ms_alone": alone["p99_ms"],
                "p99_ms_beside_bare_hasher": beside["p99_ms"],
                "bare_hashes_per_s": round(hashes_per_s, 2),
                "p99_ms_during_storm": during["p99_ms"],
                "storm_logins_per_s": storm["logins_per_s"],
                "lost": alone["lost"] + beside["lost"] + during["lost"],
            }
            print(json.dumps(row), flush=True)
            out.append(row)
        await chat.close()
    finally:
        await asyncio.to_thread(target.server.stop)

    def ratio(key: str) -> float:
        return round(float(statistics.median(r[key] / r["p99_ms_alone"] for r in out)), 2)

    return {
        "workload": "W-login's chat: the storm against a bare hasher",
        "plain": plain,
        "rounds": out,
        "median_ratio_beside_bare_hasher": ratio("p99_ms_beside_bare_hasher"),
        "median_ratio_during_storm": ratio("p99_ms_during_storm"),
    }


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--plain", action="store_true", help="plain WebSocket on loopback, no TLS")
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    if not hasattr(os, "sched_setscheduler") or shutil.which("taskset") is None:
        p.error("needs Linux: SCHED_IDLE and taskset")
    pin_generator()
    result = asyncio.run(run(a.rounds, plain=a.plain))
    print(json.dumps({k: v for k, v in result.items() if k != "rounds"}), flush=True)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
