"""Workloads against a running Roost server: temporary test accounts made and removed through the
admin API, figures from the admin metrics, and W-chat, W-idle and W-login bounded for a server
people use.

The HTTP client is passed in (``Rest``): ``roost-bench`` uses httpx, the desktop app its own
pinned client. Only ``websockets`` and the standard library are imported here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bench.chat_load import GROUP, BenchUser, ChatLoad, open_session, percentile
from bench.rawws import ConnectionClosed, RawWebSocket

# Test accounts are "bench-<6 hex digits of the run>-<n>"; --cleanup removes exactly this shape,
# so a real account that merely starts with "bench" is never touched.
TEST_USERNAME = re.compile(r"^bench-[0-9a-f]{6}-\d{3}$")
INVITE_NOTE = "roost-bench test account"
# Refuse to run when more people than this are online (besides the admin running the bench).
DEFAULT_MAX_ONLINE = 2
# Senders are picked at random, so a user's share of the rate fluctuates; staying under half of
# the server's per-user send limit keeps the ladder from measuring that limit instead.
SEND_LIMIT_SHARE = 0.5
CREATE_IN_FLIGHT = 4


class RemoteError(Exception):
    """The server answered an error (its envelope's code and message)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Refused(Exception):
    """The run would not be safe or could not work on this server; nothing was changed."""


class Busy(Refused):
    """More people are online than the run allows."""

    def __init__(self, online: int, limit: int) -> None:
        super().__init__(
            f"{online} people are online now (the limit is {limit}). Run it at a quiet time, "
            "or pass --i-know to run anyway."
        )
        self.online = online
        self.limit = limit


class TwoFactorRequired(Refused):
    """The server makes every account enrol two-step sign-in, so test accounts cannot chat."""

    def __init__(self) -> None:
        super().__init__(
            "this server requires two-step sign-in for everyone, so test accounts cannot chat; "
            "switch that setting off for the test and on again afterwards"
        )


class Rest(Protocol):
    """One HTTPS request to the server, answering the decoded JSON (None for no body).

    Raises:
        RemoteError: for an error answer.
    """

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> Any: ...


@dataclass
class Remote:
    """A running server, reached over pinned TLS, and an admin's access.

    Attributes:
        base_url: ``https://host:port``.
        ctx: trusts exactly the server's certificate (bench/pinned.py).
        rest: the HTTP client.
        admin_token: a current access token of the admin (refreshed by the caller as needed).
    """

    base_url: str
    ctx: ssl.SSLContext | None
    rest: Rest
    admin_token: Callable[[], Awaitable[str]]

    @property
    def ws_url(self) -> str:
        return (
            self.base_url.replace("https://", "wss://").replace("http://", "ws://") + "/api/v1/ws"
        )

    async def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """A request as the admin."""
        return await self.rest(method, path, body=body, token=await self.admin_token())


@dataclass(frozen=True, slots=True)
class ServerFacts:
    """What a run must know about the server before it starts.

    Attributes:
        admin_id: the admin running the bench (not counted as someone online).
        others_online: people online besides the admin (from presence, or from the metrics
            when presence is off).
        send_rate_per_s: each user's send limit (docs/protocol.md 20).
        require_2fa: every account must enrol two-step sign-in.
        invites_open: registration by invite is on (else accounts are made by the admin).
    """

    admin_id: int
    others_online: int
    send_rate_per_s: float
    require_2fa: bool
    invites_open: bool

    def max_rate(self, users: int) -> int:
        """The highest W-chat rate ``users`` can offer without meeting the send limit."""
        return int(users * self.send_rate_per_s * SEND_LIMIT_SHARE)


async def read_facts(remote: Remote) -> ServerFacts:
    """Reads the server's limits, settings and who is online."""
    me = await remote.admin("GET", "/api/v1/me")
    info = await remote.rest("GET", "/api/v1/server")
    settings = await remote.admin("GET", "/api/v1/admin/settings")
    directory = await remote.admin("GET", "/api/v1/users")
    online = [
        u
        for u in directory["users"]
        if u["online"] and u["id"] != me["id"] and not TEST_USERNAME.match(u["username"])
    ]
    others = len(online)
    if any(u["online"] is None for u in directory["users"]):
        # Presence is switched off: the metrics still count users with a connection.
        metrics = await remote.admin("GET", "/api/v1/admin/metrics")
        current = metrics.get("current") or {}
        others = int(current.get("users_online") or 0)
    return ServerFacts(
        admin_id=int(me["id"]),
        others_online=others,
        send_rate_per_s=float(info["limits"]["send_rate_per_s"]),
        require_2fa=bool(settings["require_2fa"]),
        invites_open=settings["registration"] == "invite_only",
    )


def check_facts(facts: ServerFacts, *, max_online: int, i_know: bool) -> None:
    """Raises ``Refused`` when the run must not start."""
    if facts.require_2fa:
        raise TwoFactorRequired()
    if facts.others_online > max_online and not i_know:
        raise Busy(facts.others_online, max_online)


def new_run_id() -> str:
    """Six hex digits that name one run's test accounts."""
    return secrets.token_hex(3)


@dataclass(frozen=True, slots=True)
class TestAccount:
    user_id: int
    username: str
    password: str
    access_token: str


@dataclass
class TestAccounts:
    """One run's temporary members: ``bench-<run id>-<n>`` with random passwords.

    ``remove`` deletes every account of the run that the server lists, not only those this
    object saw created, so an account whose creation was interrupted goes too.
    """

    remote: Remote
    run_id: str = field(default_factory=new_run_id)
    created: list[TestAccount] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"bench-{self.run_id}-"

    async def create(
        self,
        count: int,
        *,
        invites_open: bool,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[TestAccount]:
        """Makes ``count`` members (each costs the server one or three password hashes)."""
        sem = asyncio.Semaphore(CREATE_IN_FLIGHT)

        async def one(n: int) -> None:
            username = f"{self.prefix}{n:03d}"
            password = secrets.token_urlsafe(18)
            async with sem:
                if invites_open:
                    tokens = await self._register(username, password)
                else:
                    tokens = await self._create_by_admin(username, password)
            self.created.append(
                TestAccount(tokens["user"]["id"], username, password, tokens["access_token"])
            )
            if on_progress is not None:
                on_progress(len(self.created), count)

        await asyncio.gather(*(one(n) for n in range(count)))
        self.created.sort(key=lambda a: a.username)
        return self.created

    async def _register(self, username: str, password: str) -> Any:
        invite = await self.remote.admin(
            "POST",
            "/api/v1/admin/invites",
            {"role": "member", "expires_in_hours": 1, "note": INVITE_NOTE},
        )
        return await self.remote.rest(
            "POST",
            "/api/v1/auth/register",
            body={
                "invite": invite["token"],
                "username": username,
                "display_name": f"Test account {username}",
                "password": password,
                "device_name": "roost-bench",
            },
        )

    async def _create_by_admin(self, username: str, password: str) -> Any:
        # Registration is closed: the admin API's one-time password, then the password change
        # every new account must make before it may chat.
        made = await self.remote.admin(
            "POST",
            "/api/v1/admin/users",
            {"username": username, "display_name": f"Test account {username}", "role": "member"},
        )
        tokens = await self.remote.rest(
            "POST",
            "/api/v1/auth/login",
            body={
                "username": username,
                "password": made["one_time_code"],
                "device_name": "roost-bench",
            },
        )
        await self.remote.rest(
            "POST",
            "/api/v1/me/password",
            body={"current_password": made["one_time_code"], "new_password": password},
            token=tokens["access_token"],
        )
        return tokens

    async def remove(self) -> int:
        """Deletes this run's accounts and revokes its unused invites; returns how many
        accounts were deleted."""
        return await remove_test_accounts(self.remote, self.prefix)


async def remove_test_accounts(remote: Remote, prefix: str = "bench-") -> int:
    """Deletes every test account whose name starts with ``prefix`` (all runs' by default)
    and revokes unused test invites; returns how many accounts were deleted."""
    users = (await remote.admin("GET", "/api/v1/admin/users"))["users"]
    doomed = [
        u for u in users if TEST_USERNAME.match(u["username"]) and u["username"].startswith(prefix)
    ]
    for u in doomed:
        try:
            await remote.admin("DELETE", f"/api/v1/admin/users/{u['id']}")
        except RemoteError as exc:
            if exc.code != "user_not_found":
                raise
    invites = (await remote.admin("GET", "/api/v1/admin/invites"))["invites"]
    for inv in invites:
        if inv["note"] == INVITE_NOTE and inv["used_at"] is None and inv["revoked_at"] is None:
            with contextlib.suppress(RemoteError):  # expired or revoked meanwhile
                await remote.admin("DELETE", f"/api/v1/admin/invites/{inv['id']}")
    return len(doomed)


class MetricsFeed:
    """The admin's live metrics (docs/protocol.md 24.4), each sample kept with the local time it
    arrived, so steps are matched to samples without comparing two machines' clocks."""

    def __init__(self, remote: Remote) -> None:
        self.remote = remote
        self.samples: list[tuple[float, dict[str, Any]]] = []
        self.interval_s = 10.0
        self._ws: RawWebSocket | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        token = await self.remote.admin_token()
        ws = await open_session(self.remote.ws_url, self.remote.ctx, token, sync=False)
        self._ws = ws
        ws.send(json.dumps({"id": 7, "type": "monitor/subscribe"}))
        while (reply := json.loads(await ws.recv())).get("type") != "result":
            pass
        if not reply.get("success"):
            raise RemoteError(403, str(reply.get("error")), "cannot read the server's metrics")
        self.interval_s = float(reply["result"]["snapshot"]["interval_s"])
        self._reader = asyncio.create_task(self._read(ws), name="bench-metrics-feed")

    async def _read(self, ws: RawWebSocket) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                frame = json.loads(raw)
                event = frame.get("event") or {}
                if event.get("kind") == "monitor/sample":
                    self.samples.append((time.time(), event["sample"]))

    async def next_sample(self, after: float) -> dict[str, Any] | None:
        """The first sample that arrives after ``after`` (local time); None if none comes
        within two intervals."""
        deadline = time.time() + 2 * self.interval_s + 2
        while time.time() < deadline:
            for at, sample in self.samples:
                if at > after:
                    return sample
            await asyncio.sleep(0.2)
        return None

    def between(self, start: float, end: float) -> list[dict[str, Any]]:
        """Samples that arrived in (start + half an interval, end]: mostly inside the span."""
        return [s for at, s in self.samples if start + self.interval_s / 2 < at <= end]

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._ws is not None:
            await self._ws.close()


class FeedGauge:
    """A step's server figures from the metrics feed: the host's CPU (all cores) and memory."""

    def __init__(self, feed: MetricsFeed) -> None:
        self.feed = feed
        self._t0 = 0.0

    def begin(self) -> None:
        self._t0 = time.time()

    def end(self) -> dict[str, Any]:
        return host_figures(self.feed.between(self._t0, time.time()))


def host_figures(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean host CPU and largest host memory in use over ``samples`` (None without any)."""
    cpu = [s["cpu_percent"] for s in samples if s.get("cpu_percent") is not None]
    mem = [s["memory_used_bytes"] for s in samples if s.get("memory_used_bytes") is not None]
    return {
        "host_cpu_pct": round(sum(cpu) / len(cpu), 1) if cpu else None,
        "host_memory_used_mib": round(max(mem) / 2**20, 1) if mem else None,
        "metric_samples": len(samples),
    }


def bench_users(accounts: list[TestAccount]) -> list[BenchUser]:
    return [BenchUser(a.access_token, a.user_id) for a in accounts]


async def run_chat_ladder(
    remote: Remote,
    accounts: list[TestAccount],
    rates: list[int],
    seconds: float,
    *,
    feed: MetricsFeed | None = None,
    holds: Callable[[dict[str, Any]], bool] | None = None,
    drain_s: float = 10.0,
    pause_s: float = 3.0,
    freeze_gc: bool = True,
    on_setup: Callable[[int, int], None] | None = None,
    on_step_started: Callable[[int, int], None] | None = None,
    on_step_done: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """W-chat over ``accounts`` (groups of 10) at rising ``rates``, stopping at the first step
    that does not hold (WORKLOADS' rule unless ``holds`` is given).

    Args:
        on_setup: (sessions online, sessions to bring online).
        on_step_started: (index of the step, its rate).
        on_step_done: the step's figures.
    """
    load = ChatLoad(remote.ws_url, remote.ctx)
    steps: list[dict[str, Any]] = []
    try:
        await load.setup(bench_users(accounts), on_progress=on_setup)
        for index, rate in enumerate(rates):
            if on_step_started is not None:
                on_step_started(index, rate)
            gauge = FeedGauge(feed) if feed is not None else None
            step = await load.run_step(
                rate, seconds, gauge, drain_s=drain_s, pause_s=pause_s, freeze_gc=freeze_gc
            )
            step["holds"] = holds(step) if holds is not None else step["holds"]
            steps.append(step)
            if on_step_done is not None:
                on_step_done(step)
            if not step["holds"]:
                break
    finally:
        await load.close()
    return {
        "workload": "W-chat",
        "server": "remote",
        "transport": "wss",
        "users": len(load.members),
        "groups": len(load.conversations),
        "steps": steps,
    }


async def run_idle(
    remote: Remote, accounts: list[TestAccount], feed: MetricsFeed
) -> dict[str, Any]:
    """W-idle at one bounded count: every test account online at once; the host's memory before
    and after, from the metrics (host-wide, so other programs' changes count too)."""
    before = await feed.next_sample(time.time())
    sem = asyncio.Semaphore(50)
    sessions: list[RawWebSocket] = []

    async def connect(token: str) -> None:
        async with sem:
            sessions.append(await open_session(remote.ws_url, remote.ctx, token))

    try:
        await asyncio.gather(*(connect(a.access_token) for a in accounts))
        settled = time.time() + feed.interval_s / 2  # one whole sample with everyone online
        after = await feed.next_sample(settled)
    finally:
        await asyncio.gather(*(ws.close() for ws in sessions), return_exceptions=True)
    n = len(accounts)
    step: dict[str, Any] = {"connections": n, "rss_mib": None, "idle_cpu_pct": None}
    if before and after:
        step["host_memory_used_mib"] = round(after["memory_used_bytes"] / 2**20, 1)
        step["kib_per_connection"] = round(
            (after["memory_used_bytes"] - before["memory_used_bytes"]) / 1024 / n, 1
        )
        step["host_cpu_pct"] = after["cpu_percent"]
    else:
        step["kib_per_connection"] = None
    return {
        "workload": "W-idle (remote, host memory)",
        "rss_before_clients_mib": None,
        "host_memory_before_mib": round(before["memory_used_bytes"] / 2**20, 1) if before else None,
        "steps": [step],
    }


async def run_login(
    remote: Remote,
    accounts: list[TestAccount],
    *,
    logins: int = 20,
    loops: int = 4,
    feed: MetricsFeed | None = None,
) -> dict[str, Any]:
    """W-login, limited: at most ``logins`` correct-password logins of test accounts, ``loops``
    at a time, each account at most once, stopping at the first failure.

    Lockout (docs/protocol.md 12) counts failed sign-ins: 5 in a row lock an account and 20 from
    one address in 10 minutes block the address. With correct passwords, each account used once
    and a stop at the first failure, a run adds at most one failure to each count.
    """
    chosen = accounts[:logins]
    latencies: list[float] = []
    failures: list[str] = []
    queue = list(chosen)
    gauge = FeedGauge(feed) if feed is not None else None
    if gauge is not None:
        gauge.begin()
    t0 = time.monotonic()

    async def loop() -> None:
        while queue and not failures:
            account = queue.pop()
            start = time.perf_counter()
            try:
                await remote.rest(
                    "POST",
                    "/api/v1/auth/login",
                    body={
                        "username": account.username,
                        "password": account.password,
                        "device_name": "roost-bench",
                    },
                )
            except RemoteError as exc:
                failures.append(exc.code)
                return
            latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(loop() for _ in range(loops)))
    elapsed = time.monotonic() - t0
    storm = {
        "logins": len(latencies),
        "failures": failures,
        "seconds": round(elapsed, 2),
        "logins_per_s": round(len(latencies) / elapsed, 1) if elapsed else None,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        **(gauge.end() if gauge is not None else {}),
    }
    return {"workload": "W-login (remote, limited)", "login_storm": storm}


def groups_of(count: int) -> int:
    """``count`` rounded down to whole groups, at least one group."""
    return max(GROUP, count - count % GROUP)
