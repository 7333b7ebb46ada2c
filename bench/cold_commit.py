"""What a commit costs when the machine has been idle in between, as at 100 msgs/s, against back
to back: one SQLite row per transaction (BEGIN, INSERT, COMMIT; WAL, synchronous=FULL, as Roost
and the reference server commit), its thread's user and system CPU per commit, with no pause and
with ``--gap`` seconds of sleep between commits. A bare interpreter loop with the same sleeps is
measured too, and subtracted: it is the price of waking up alone.

    python -m bench.cold_commit --out bench/results/cold_commit.json
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.local_server import pin_generator


def cpu_ms_per_call(work: Callable[[], None], n: int, gap_s: float) -> tuple[float, float]:
    """(user, system) CPU milliseconds of this thread per call of ``work``."""
    r0 = resource.getrusage(resource.RUSAGE_THREAD)
    for _ in range(n):
        work()
        if gap_s:
            time.sleep(gap_s)
    r1 = resource.getrusage(resource.RUSAGE_THREAD)
    return (
        1000 * (r1.ru_utime - r0.ru_utime) / n,
        1000 * (r1.ru_stime - r0.ru_stime) / n,
    )


def run(n: int, gap_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="roost-commit-") as tmp:
        db = sqlite3.connect(Path(tmp) / "c.db", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)")
        body = "x" * 200

        def commit() -> None:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO events (body) VALUES (?)", (body,))
            db.execute("COMMIT")

        cpu_ms_per_call(commit, 50, 0)  # warm-up
        figures: dict[str, Any] = {}
        for label, gap in (("back_to_back", 0.0), ("with_gap", gap_s)):
            idle_u, idle_s = cpu_ms_per_call(lambda: None, n, gap)
            u, s = cpu_ms_per_call(commit, n, gap)
            figures[label] = {
                "user_ms": round(u - idle_u, 3),
                "system_ms": round(s - idle_s, 3),
                "total_ms": round(u + s - idle_u - idle_s, 3),
                "waking_alone_ms": round(idle_u + idle_s, 3),
            }
        db.close()
    return {
        "workload": "one-row commit, back to back and after a pause",
        "commits": n,
        "gap_s": gap_s,
        **figures,
        "ratio": round(figures["with_gap"]["total_ms"] / figures["back_to_back"]["total_ms"], 2),
    }


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--commits", type=int, default=1000)
    p.add_argument("--gap", type=float, default=0.01, help="seconds between commits (0.01)")
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    if a.commits < 1:
        p.error("--commits must be at least 1")
    if not 0 < a.gap <= 1:
        p.error("--gap must be more than 0 and at most 1 second")
    pin_generator()
    result = run(a.commits, a.gap)
    print(json.dumps(result), flush=True)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
