"""``roost-bench``: the workloads of WORKLOADS.md against local servers started here (pinned to
core 0, the generator on core 1), with the reference servers measured in the same run, written
as JSON and as an HTML page to bench/results/.

    roost-bench                      # the whole suite (about 15 minutes)
    roost-bench --workloads chat     # one workload
    roost-bench --quick              # the smallest step of each: a smoke test of the tool

Against a running server (see docs/performance.md, "Remote mode"); the password comes from
$ROOST_BENCH_PASSWORD or a prompt, never from a flag:

    roost-bench --remote pi.local:8443 --fingerprint 92:6F:… --admin mum
    roost-bench --remote pi.local:8443 --fingerprint 92:6F:… --admin mum --cleanup
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from bench import remote as remote_mode
from bench import wchat, widle, wlogin
from bench.local_server import pin_generator
from bench.report import render

WORKLOADS = ("idle", "chat", "login", "files")
# The references only have to show their ceiling and the two latency points the goals name,
# so they skip the low rungs of the ladder (the rates themselves are WORKLOADS.md's).
REFERENCE_RATES = [100, 1000, 2000, 3000, 5000, 7000, 10000, 15000, 20000]


def _ratio(value: float | None, reference: float | None) -> str:
    if not value or not reference:
        return "-"
    return f"{value / reference:.2f}"


def _step(steps: list[dict[str, Any]], rate: int) -> dict[str, Any]:
    return next((s for s in steps if s["rate"] == rate), {})


def _held(steps: list[dict[str, Any]]) -> int:
    return max((s["rate"] for s in steps if s["holds"]), default=0)


def summarise(run: dict[str, Any]) -> list[dict[str, Any]]:
    """WORKLOADS.md's goals, each with the figure reached and its ratio to the reference."""
    rows: list[dict[str, Any]] = []
    chat = run.get("chat", {})
    if "roost" in chat:
        roost = chat["roost"]["steps"]
        ref = chat.get("reference", {}).get("steps", [])
        held, ref_held = _held(roost), _held(ref)
        rows.append(
            {
                "figure": "W-chat: highest rate that holds (msgs/s)",
                "goal": ">= 50 % of the reference",
                "reached": held,
                "ratio": _ratio(held, ref_held),
                "met": bool(ref_held) and held >= 0.5 * ref_held,
            }
        )
        for rate, goal in ((100, 5.0), (1000, 50.0)):
            p99 = _step(roost, rate).get("p99_ms")
            rows.append(
                {
                    "figure": f"W-chat: p99 at {rate} msgs/s (ms)",
                    "goal": f"< {goal:g}",
                    "reached": p99,
                    "ratio": _ratio(p99, _step(ref, rate).get("p99_ms")),
                    "met": p99 is not None and p99 < goal,
                }
            )
        cpu = _step(roost, 100).get("server_cpu_pct")
        rows.append(
            {
                "figure": "W-chat: server CPU at 100 msgs/s (%)",
                "goal": "< 10",
                "reached": cpu,
                "ratio": _ratio(cpu, _step(ref, 100).get("server_cpu_pct")),
                "met": cpu is not None and cpu < 10,
            }
        )
    if "idle" in run:
        steps = run["idle"]["steps"]
        kib = steps[-1]["kib_per_connection"] if steps else None
        rows.append(
            {
                "figure": "W-idle: KiB per connection",
                "goal": "<= 30",
                "reached": kib,
                "ratio": "-",
                "met": kib is not None and kib <= 30,
            }
        )
        rss = run["idle"]["rss_before_clients_mib"]
        rows.append(
            {
                "figure": "idle server RSS, no clients (MiB)",
                "goal": "<= 80",
                "reached": rss,
                "ratio": "-",
                "met": rss <= 80,
            }
        )
    if "login" in run:
        storm = run["login"]["login_storm"]
        rows.append(
            {
                "figure": "W-login: peak RSS during the storm (MiB)",
                "goal": "<= 250",
                "reached": storm["server_peak_rss_mib"],
                "ratio": "-",
                "met": storm["server_peak_rss_mib"] <= 250,
            }
        )
        chat = storm.get("chat")
        if chat is not None:
            rows.append(
                {
                    "figure": "W-login: chat p99 during the storm (ms)",
                    "goal": "<= 2x the chat alone",
                    "reached": chat["p99_ms_during_storm"],
                    "ratio": chat["ratio"],
                    "met": chat["ratio"] is not None and chat["ratio"] <= 2,
                }
            )
        resumption = run["login"]["token_resumption"]
        resumed = resumption["resumptions_per_s"]
        rows.append(
            {
                "figure": "token resumption/s",
                "goal": ">= 2000",
                "reached": resumed,
                "ratio": resumption.get("ratio", "-"),
                "met": resumed >= 2000,
            }
        )
    if "files" in run:
        ratio = run["files"].get("ratio_to_curl_static", {})
        for way in ("upload", "download"):
            value = ratio.get(way)
            rows.append(
                {
                    "figure": f"W-files: {way} vs curl",
                    "goal": ">= 0.5",
                    "reached": value,
                    "ratio": value,
                    "met": value is not None and value >= 0.5,
                }
            )
    return rows


async def run_suite(args: argparse.Namespace) -> dict[str, Any]:
    run: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores "
        f"Python {platform.python_version()}",
        "transport": "ws" if args.plain else "wss",
    }
    chosen = args.workloads.split(",")
    if "idle" in chosen:
        if args.quick:
            run["idle"] = await widle.run([20], settle_s=1, idle_s=1)
        else:
            run["idle"] = await widle.run([500, 1000, 2000])
    if "chat" in chosen:
        seconds = 2.0 if args.quick else args.seconds
        rates = [10] if args.quick else wchat.DEFAULT_RATES
        run["chat"] = {"roost": await wchat.run(rates, seconds, "roost", plain=args.plain)}
        if not args.quick:
            for ref in ("reference", "reference-sqlite"):
                run["chat"][ref] = await wchat.run(REFERENCE_RATES, seconds, ref, plain=args.plain)
    if "login" in chosen and not args.quick:
        run["login"] = await wlogin.run(plain=args.plain)
    if "files" in chosen and not args.quick:
        from bench import wfiles

        run["files"] = await wfiles.run(3, args.out_dir / "wfiles.json")
    run["summary"] = summarise(run)
    return run


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="roost-bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--workloads",
        default=None,
        help=f"comma-separated, from {', '.join(WORKLOADS)} (all by default; remote mode: "
        "chat, idle, login)",
    )
    p.add_argument("--seconds", type=float, default=20.0, help="length of a W-chat step")
    p.add_argument(
        "--plain",
        action="store_true",
        help="plain WebSocket on loopback (how the peers were measured); TLS otherwise",
    )
    p.add_argument("--quick", action="store_true", help="the smallest step of each workload")
    p.add_argument("--out-dir", type=Path, default=Path("bench/results"))
    remote = p.add_argument_group("remote mode")
    remote.add_argument("--remote", metavar="HOST:PORT", help="a running Roost server")
    remote.add_argument("--fingerprint", help="its certificate's SHA-256 (roost-server info)")
    remote.add_argument("--admin", metavar="USER", help="an admin or the owner")
    remote.add_argument("--totp-code", help="the admin's two-step sign-in code (else asked)")
    remote.add_argument(
        "--users", type=int, default=200, help="test accounts, in groups of 10 (at most 500)"
    )
    remote.add_argument("--max-rate", type=int, default=1000, help="W-chat's highest step (msgs/s)")
    remote.add_argument(
        "--max-online",
        type=int,
        default=remote_mode.DEFAULT_MAX_ONLINE,
        help="refuse when more people than this are online",
    )
    remote.add_argument("--i-know", action="store_true", help="run although people are online")
    remote.add_argument(
        "--time-limit", type=float, default=600.0, help="seconds before the run stops"
    )
    remote.add_argument(
        "--cleanup", action="store_true", help="remove test accounts left by earlier runs"
    )
    args = p.parse_args(argv)
    if args.cleanup and not args.remote:
        p.error("--cleanup needs --remote")
    if args.remote:
        from bench import remote_cli

        if args.workloads is None:
            args.workloads = ",".join(remote_cli.REMOTE_WORKLOADS)
        remote_cli.main(args, p)
        return
    if args.workloads is None:
        args.workloads = ",".join(WORKLOADS)
    unknown = set(args.workloads.split(",")) - set(WORKLOADS)
    if unknown:
        p.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    pin_generator()
    result = asyncio.run(run_suite(args))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = "quick" if args.quick else time.strftime("run-%Y%m%d-%H%M%S")
    (args.out_dir / f"{stem}.json").write_text(json.dumps(result, indent=2))
    (args.out_dir / f"{stem}.html").write_text(render(result))
    for row in result["summary"]:
        print(
            f"{'ok ' if row['met'] else 'MISS'} {row['figure']}: {row['reached']} "
            f"(goal {row['goal']}, ratio {row['ratio']})"
        )
    print(f"wrote {args.out_dir / stem}.json and .html")


if __name__ == "__main__":
    main()
