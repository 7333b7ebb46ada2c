"""W-login's storm of password logins, in a process of its own:

    python -m bench.storm BASE_URL CAFILE|- [--max-logins N] [--max-seconds S] < usernames.json

prints one JSON line: the logins' count, failures, seconds and latencies (p50/p99).

W-login also measures a chat's latency during the storm, in the generator's process. With the
storm's clients in that same process, the generator itself stalled (50 new TLS clients at
once took its event loop for up to 150 ms: bench/wlogin.py), and the chat's p99 measured the
generator as much as the server. Here the storm runs beside it at the lowest priority on the
generator's core, so the chat's receiver is served first, as another machine's users would
not compete with it at all."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import sys
import time
from typing import Any

import httpx

from bench.common import PASSWORD, percentile

LOOPS = 50
MAX_LOGINS = 500
MAX_SECONDS = 40.0


async def storm(
    base_url: str,
    ctx: ssl.SSLContext | None,
    usernames: list[str],
    max_logins: int = MAX_LOGINS,
    max_seconds: float = MAX_SECONDS,
) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    done = 0
    t0 = time.monotonic()
    deadline = t0 + max_seconds

    async def loop(k: int) -> None:
        nonlocal done, failures
        while done < max_logins and time.monotonic() < deadline:
            done += 1
            user = usernames[(k + done) % len(usernames)]
            start = time.perf_counter()
            # a new client per login: a new TCP and TLS connection, as the workload asks
            body = {"username": user, "password": PASSWORD}
            async with httpx.AsyncClient(base_url=base_url, verify=ctx or True, timeout=120) as c:
                r = await c.post("/api/v1/auth/login", json=body)
            if r.status_code == 200:
                latencies.append(time.perf_counter() - start)
            else:
                failures += 1

    await asyncio.gather(*(loop(k) for k in range(LOOPS)))
    elapsed = time.monotonic() - t0
    return {
        "logins": len(latencies),
        "failures": failures,
        "seconds": round(elapsed, 2),
        "logins_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.storm", description=__doc__.split("\n")[0])
    p.add_argument("base_url")
    p.add_argument("cafile", help="the server's certificate, or - for plain HTTP")
    p.add_argument("--max-logins", type=int, default=MAX_LOGINS)
    p.add_argument("--max-seconds", type=float, default=MAX_SECONDS)
    a = p.parse_args()
    try:
        usernames = json.load(sys.stdin)
    except ValueError:
        usernames = None
    if not isinstance(usernames, list) or not usernames:
        p.error("standard input must be a JSON list of usernames")
    if hasattr(os, "nice"):
        os.nice(19)  # after the chat's receiver, which shares this core
    ctx = None if a.cafile == "-" else ssl.create_default_context(cafile=a.cafile)
    names = [str(u) for u in usernames]
    result = asyncio.run(storm(a.base_url, ctx, names, a.max_logins, a.max_seconds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
