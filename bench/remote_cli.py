"""``roost-bench --remote``: the workloads against a running server, signed in as an admin over
pinned TLS, with temporary test accounts that are always removed (and ``--cleanup`` for what an
earlier, killed run left behind).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench import wchat
from bench.pinned import FingerprintMismatch, pinned_context_blocking
from bench.remote import (
    MetricsFeed,
    Refused,
    Remote,
    RemoteError,
    TestAccounts,
    check_facts,
    groups_of,
    read_facts,
    remove_test_accounts,
    run_chat_ladder,
    run_idle,
    run_login,
)
from bench.report import render

PASSWORD_ENV = "ROOST_BENCH_PASSWORD"
REMOTE_WORKLOADS = ("chat", "idle", "login")
MAX_USERS = 500
QUICK_USERS = 20
CLEANUP_TIMEOUT_S = 120.0


class HttpxRest:
    """``bench.remote.Rest`` over one pinned httpx client."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = await self.client.request(method, path, json=body, headers=headers)
        if r.status_code >= 400:
            try:
                err = r.json()["error"]
                code, message = str(err["code"]), str(err.get("message", ""))
            except (ValueError, KeyError, TypeError):
                code, message = "", r.text[:200]
            raise RemoteError(r.status_code, code, message)
        return r.json() if r.content else None


class AdminSession:
    """The admin's tokens, refreshed a minute before the access token expires."""

    def __init__(self, rest: HttpxRest, tokens: dict[str, Any]) -> None:
        self.rest = rest
        self._take(tokens)

    def _take(self, tokens: dict[str, Any]) -> None:
        self.tokens = tokens
        self.expires_at = time.monotonic() + float(tokens["access_expires_in"])

    async def access_token(self) -> str:
        if time.monotonic() > self.expires_at - 60:
            self._take(
                await self.rest(
                    "POST",
                    "/api/v1/auth/refresh",
                    body={"refresh_token": self.tokens["refresh_token"]},
                )
            )
        return str(self.tokens["access_token"])

    async def logout(self) -> None:
        await self.rest("POST", "/api/v1/auth/logout", token=await self.access_token())


def split_address(text: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port``."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"--remote wants HOST:PORT, not {text!r}")
    return host.strip("[]"), int(port)


async def sign_in(args: argparse.Namespace, password: str) -> tuple[Remote, AdminSession]:
    """Pins the certificate (before any credential leaves), then signs the admin in."""
    host, port = split_address(args.remote)
    ctx = await asyncio.to_thread(pinned_context_blocking, host, port, args.fingerprint)
    base = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    client = httpx.AsyncClient(base_url=base, verify=ctx, timeout=120, trust_env=False)
    rest = HttpxRest(client)
    body = {"username": args.admin, "password": password, "device_name": "roost-bench"}
    tokens = await rest("POST", "/api/v1/auth/login", body=body)
    if tokens["status"] == "second_factor_required":
        code = args.totp_code or (await asyncio.to_thread(input, "Two-step sign-in code: "))
        tokens = await rest(
            "POST",
            "/api/v1/auth/login/second-factor",
            body={"challenge": tokens["challenge"], "code": code.strip()},
        )
    session = AdminSession(rest, tokens)
    if tokens["user"]["role"] not in ("owner", "admin"):
        await session.logout()
        raise Refused(f"{args.admin} is not an admin of this server")
    return Remote(base, ctx, rest, session.access_token), session


def remote_summary(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's headline figures (no goals: WORKLOADS' goals are for the local method)."""
    rows: list[dict[str, Any]] = []
    chat = run.get("chat", {}).get("roost")
    if chat:
        held = max((s["rate"] for s in chat["steps"] if s["holds"]), default=0)
        rows.append({"figure": "W-chat: highest rate that holds (msgs/s)", "reached": held})
        rows.append(
            {
                "figure": "W-chat: lost / duplicated deliveries",
                "reached": f"{sum(s['lost'] for s in chat['steps'])} / "
                f"{sum(s['duplicates'] for s in chat['steps'])}",
            }
        )
    if "idle" in run:
        step = run["idle"]["steps"][0]
        rows.append(
            {
                "figure": f"W-idle: host KiB per connection ({step['connections']})",
                "reached": step.get("kib_per_connection"),
            }
        )
    if "login" in run:
        storm = run["login"]["login_storm"]
        rows.append({"figure": "W-login: logins/s (limited)", "reached": storm["logins_per_s"]})
    for row in rows:
        row.update({"goal": "-", "ratio": "-", "met": "-"})
    return rows


async def run_remote(args: argparse.Namespace, password: str) -> dict[str, Any] | None:
    """The chosen workloads, or ``--cleanup``; None after a cleanup."""
    remote, session = await sign_in(args, password)
    try:
        if args.cleanup:
            removed = await remove_test_accounts(remote)
            print(f"removed {removed} test account(s) left by earlier runs")
            return None
        return await _measure(args, remote)
    finally:
        try:
            await session.logout()
        finally:
            await session.rest.client.aclose()


async def _measure(args: argparse.Namespace, remote: Remote) -> dict[str, Any]:
    facts = await read_facts(remote)
    check_facts(facts, max_online=args.max_online, i_know=args.i_know)
    users = QUICK_USERS if args.quick else groups_of(min(args.users, MAX_USERS))
    chosen = args.workloads.split(",")
    run: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"remote {args.remote}",
        "transport": "wss",
    }
    accounts = TestAccounts(remote)
    feed = MetricsFeed(remote)
    print(f"run {accounts.run_id}: {users} test accounts {accounts.prefix}NNN", flush=True)
    try:
        async with asyncio.timeout(args.time_limit):
            await feed.start()
            created = await accounts.create(users, invites_open=facts.invites_open)
            if "idle" in chosen:
                run["idle"] = await run_idle(remote, created, feed)
                print(json.dumps(run["idle"]["steps"][0]), flush=True)
            if "chat" in chosen:
                ceiling = min(args.max_rate, facts.max_rate(users))
                ladder = [10] if args.quick else wchat.DEFAULT_RATES
                rates = [r for r in ladder if r <= ceiling] or [ladder[0]]
                run["chat"] = {
                    "roost": await run_chat_ladder(
                        remote,
                        created,
                        rates,
                        2.0 if args.quick else args.seconds,
                        feed=feed,
                        on_step_done=lambda s: print(json.dumps(s), flush=True),
                    )
                }
                run["chat"]["roost"]["rate_ceiling"] = ceiling
            if "login" in chosen:
                run["login"] = await run_login(
                    remote, created, logins=5 if args.quick else 20, feed=feed
                )
                print(json.dumps(run["login"]), flush=True)
    finally:
        # Always, also after Ctrl+C (asyncio.run cancels this task and lets it finish) or a
        # failure: the family must not find test accounts in their directory.
        async with asyncio.timeout(CLEANUP_TIMEOUT_S):
            await feed.stop()
            removed = await accounts.remove()
        print(f"removed {removed} test account(s)", flush=True)
    run["remote"] = {
        "run_id": accounts.run_id,
        "test_accounts": users,
        "test_accounts_removed": removed,
        "others_online_at_start": facts.others_online,
        "figures": "server CPU and memory are the host's, from the admin metrics "
        f"(a sample every {feed.interval_s:g} s, all cores, every process)",
    }
    run["summary"] = remote_summary(run)
    return run


def main(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Runs remote mode from ``roost-bench``'s parsed arguments."""
    if not args.fingerprint or not args.admin:
        parser.error("--remote needs --fingerprint and --admin")
    unknown = set(args.workloads.split(",")) - set(REMOTE_WORKLOADS)
    if unknown:
        parser.error(f"not in remote mode: {', '.join(sorted(unknown))} (W-files is local only)")
    password = os.environ.get(PASSWORD_ENV) or getpass.getpass(f"Password of {args.admin}: ")
    try:
        result = asyncio.run(run_remote(args, password))
    except FingerprintMismatch as exc:
        sys.exit(f"refused: {exc}")
    except Refused as exc:
        sys.exit(f"not run: {exc}")
    except RemoteError as exc:
        sys.exit(f"the server said {exc}")
    except (OSError, httpx.TransportError) as exc:
        sys.exit(f"cannot reach {args.remote}: {exc}")
    if result is None:
        return
    out: Path = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    stem = "remote-quick" if args.quick else time.strftime("remote-%Y%m%d-%H%M%S")
    (out / f"{stem}.json").write_text(json.dumps(result, indent=2))
    (out / f"{stem}.html").write_text(render(result))
    for row in result["summary"]:
        print(f"{row['figure']}: {row['reached']}")
    print(f"wrote {out / stem}.json and .html")
