"""Running the capacity check: temporary test accounts chat at rising rates for about a minute,
on a worker thread with its own event loop, and are always removed afterwards.

The load comes from the benchmark's own code (bench/chat_load.py, bench/remote.py), imported
only when a check starts. It runs on its own thread so the app's Qt loop neither slows the
generator (which would show as latency) nor is slowed by it; admin calls that need the signed-in
session's token go back to the app's loop for it, so a refresh happens in one place.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.capacity.verdict import HEADROOM, PER_PERSON_MSGS_PER_S, people_for, sentence
from app.events import Emitter
from app.net.api import ApiClient
from app.net.errors import ApiError
from app.net.signed_in import SignedInApi
from app.paths import default_paths
from bench import remote as bench_remote
from bench.pinned import pinned_context_blocking
from bench.report import render

CLEANUP_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class Plan:
    """How big and how long a check is.

    Attributes:
        users: test accounts (whole groups of 10); each costs the server one password hash.
        rates: the ladder, messages a second (steps above what the server's send limit allows
            for ``users`` are left out).
        step_s: seconds each step sends for.
        drain_s: at most this long for a step's last deliveries.
        pause_s: between steps.
        p99_limit_ms: a step holds if 99 % of deliveries arrive within this, and none is lost.
        max_online: refuse while more people than this are online (unless run anyway).
    """

    users: int = 50
    rates: tuple[int, ...] = (5, 10, 20, 50, 100, 200, 400)
    step_s: float = 6.0
    drain_s: float = 3.0
    pause_s: float = 1.0
    p99_limit_ms: float = 500.0
    max_online: int = bench_remote.DEFAULT_MAX_ONLINE


@dataclass(frozen=True, slots=True)
class AccountsProgressed:
    """Test accounts are being made (``stage`` "accounts") or brought online ("online")."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class StepStarted:
    index: int
    count: int
    rate: int


@dataclass(frozen=True, slots=True)
class StepMeasured:
    index: int
    count: int
    rate: int
    p99_ms: float | None  # None: nothing arrived
    holds: bool


@dataclass(frozen=True, slots=True)
class CleaningUp:
    """The test accounts are being removed (after the end, a failure or Cancel)."""


@dataclass(frozen=True, slots=True)
class CleanedUp:
    removed: int


CheckEvent = AccountsProgressed | StepStarted | StepMeasured | CleaningUp | CleanedUp


@dataclass(frozen=True, slots=True)
class CapacityResult:
    """A finished check.

    Attributes:
        held_rate: the highest rate that held (0 if none did).
        reached_top: every step held (the limit is higher than what was tried).
        people: people chatting at once served comfortably (app/capacity/verdict.py).
        sentence: the answer in words.
        steps: each step's figures, as bench/chat_load.py gives them.
        json_path, html_path: the report.
        removed: test accounts removed at the end.
    """

    held_rate: int
    reached_top: bool
    people: int
    sentence: str
    steps: list[dict[str, Any]]
    json_path: Path
    html_path: Path
    removed: int


def reports_dir() -> Path:
    """Where reports are saved: the app's data directory."""
    return default_paths().data / "capacity"


class _ApiClientRest:
    """``bench.remote.Rest`` over the app's pinned client, in the worker thread."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> Any:
        try:
            return await asyncio.to_thread(
                self.client.request, method, path, body=body, token=token
            )
        except ApiError as exc:
            raise bench_remote.RemoteError(exc.status, str(exc.code), exc.message) from exc


def _unwrapped(exc: BaseException) -> BaseException:
    # The app explains its own ApiError; RemoteError is only the bench's wrapper of it.
    if isinstance(exc, bench_remote.RemoteError) and isinstance(exc.__cause__, ApiError):
        return exc.__cause__
    return exc


class CapacityCheck:
    """One check against the signed-in admin's server.

    Args:
        session: the admin's session (its token is used and refreshed on the app's loop).
        plan: size and length.
        run_anyway: run although more people than ``plan.max_online`` are online.
        out_dir: where the report goes (the app's data directory by default).

    Attributes:
        events: ``CheckEvent`` values, delivered on the app's loop.
    """

    def __init__(
        self,
        session: SignedInApi,
        plan: Plan | None = None,
        *,
        run_anyway: bool = False,
        out_dir: Path | None = None,
    ) -> None:
        self.session = session
        self.plan = plan or Plan()
        self.run_anyway = run_anyway
        self.out_dir = out_dir or reports_dir()
        self.events: Emitter[CheckEvent] = Emitter()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._cancel_requested = False

    async def run(self) -> CapacityResult | None:
        """Runs the check; None when it was cancelled.

        Raises:
            bench.remote.Refused: people are online, or the server cannot host test accounts
                (nothing was changed).
            ApiError, Unreachable, CertificateChanged, OSError: as any call to the server.
        """
        main = asyncio.get_running_loop()
        done: asyncio.Future[CapacityResult | None] = main.create_future()

        def relay(event: CheckEvent) -> None:
            main.call_soon_threadsafe(self.events.emit, event)

        def settle(result: CapacityResult | None, error: BaseException | None) -> None:
            if done.done():
                return
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)

        def thread_main() -> None:
            try:
                result = asyncio.run(self._work(main, relay))
            except asyncio.CancelledError:
                main.call_soon_threadsafe(settle, None, None)
            except BaseException as exc:  # handed to the app's loop
                main.call_soon_threadsafe(settle, None, _unwrapped(exc))
            else:
                main.call_soon_threadsafe(settle, result, None)

        self._thread = threading.Thread(target=thread_main, name="capacity-check", daemon=True)
        self._thread.start()
        try:
            return await done
        except asyncio.CancelledError:
            self.cancel()  # the worker still removes its test accounts
            raise

    def cancel(self) -> None:
        """Stops the check; the test accounts are still removed (``CleanedUp`` follows)."""
        self._cancel_requested = True
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            loop.call_soon_threadsafe(task.cancel)

    async def wait_stopped(self, limit_s: float = CLEANUP_TIMEOUT_S + 10) -> None:
        """Waits for the worker thread (and its clean-up) to end."""
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, limit_s)

    async def _work(
        self, main: asyncio.AbstractEventLoop, relay: Callable[[CheckEvent], None]
    ) -> CapacityResult:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        if self._cancel_requested:
            raise asyncio.CancelledError
        api = self.session.api
        client = ApiClient(api.address, api.fingerprint, timeout=120)
        try:
            return await self._measure(main, relay, client)
        finally:
            client.close()

    async def _measure(
        self,
        main: asyncio.AbstractEventLoop,
        relay: Callable[[CheckEvent], None],
        client: ApiClient,
    ) -> CapacityResult:
        address = client.address

        async def admin_token() -> str:
            future = asyncio.run_coroutine_threadsafe(self.session.access_token(), main)
            return await asyncio.wrap_future(future)

        if client.fingerprint is not None:
            ctx = await asyncio.to_thread(
                pinned_context_blocking, address.host, address.port, client.fingerprint
            )
        else:  # behind a TLS proxy with a CA-signed certificate: the usual checks
            ctx = ssl.create_default_context()
        remote = bench_remote.Remote(address.base_url, ctx, _ApiClientRest(client), admin_token)
        plan = self.plan
        facts = await bench_remote.read_facts(remote)
        bench_remote.check_facts(facts, max_online=plan.max_online, i_know=self.run_anyway)
        users = bench_remote.groups_of(plan.users)
        rates = [r for r in plan.rates if r <= facts.max_rate(users)] or [plan.rates[0]]
        accounts = bench_remote.TestAccounts(remote)
        feed: bench_remote.MetricsFeed | None = bench_remote.MetricsFeed(remote)
        removed = 0
        chat: dict[str, Any] = {}
        try:
            try:
                assert feed is not None
                await feed.start()
            except (bench_remote.RemoteError, OSError, RuntimeError):
                feed = None  # the figures are optional; the check is about delivery
            created = await accounts.create(
                users,
                invites_open=facts.invites_open,
                on_progress=lambda d, t: relay(AccountsProgressed("accounts", d, t)),
            )

            def holds(step: dict[str, Any]) -> bool:
                return bool(
                    step["delivered"] > 0
                    and step["p99_ms"] <= plan.p99_limit_ms
                    and step["lost"] == 0
                    and step["duplicates"] == 0
                    and step["send_errors"] == 0
                )

            def step_done(step: dict[str, Any]) -> None:
                index = rates.index(step["rate"])
                relay(StepMeasured(index, len(rates), step["rate"], step["p99_ms"], step["holds"]))

            chat = await bench_remote.run_chat_ladder(
                remote,
                created,
                rates,
                plan.step_s,
                feed=feed,
                holds=holds,
                drain_s=plan.drain_s,
                pause_s=plan.pause_s,
                freeze_gc=False,
                on_setup=lambda d, t: relay(AccountsProgressed("online", d, t)),
                on_step_started=lambda i, r: relay(StepStarted(i, len(rates), r)),
                on_step_done=step_done,
            )
        finally:
            relay(CleaningUp())
            try:
                async with asyncio.timeout(CLEANUP_TIMEOUT_S):
                    if feed is not None:
                        await feed.stop()
                    removed = await accounts.remove()
            finally:
                relay(CleanedUp(removed))
        return await asyncio.to_thread(self._report_blocking, str(address), chat, rates, removed)

    def _report_blocking(
        self, address: str, chat: dict[str, Any], rates: list[int], removed: int
    ) -> CapacityResult:
        steps: list[dict[str, Any]] = chat["steps"]
        held = max((s["rate"] for s in steps if s["holds"]), default=0)
        reached_top = bool(steps) and steps[-1]["holds"] and steps[-1]["rate"] == rates[-1]
        people = people_for(held)
        words = sentence(held, reached_top=reached_top, lowest_rate=rates[0])
        run = {
            "when": time.strftime("%Y-%m-%d %H:%M:%S"),
            "machine": f"capacity check of {address}",
            "transport": "wss",
            "chat": {"roost": chat},
            "capacity": {
                "held_rate_msgs_per_s": held,
                "reached_top": reached_top,
                "people": people,
                "sentence": words,
                "per_person_msgs_per_s": PER_PERSON_MSGS_PER_S,
                "headroom": HEADROOM,
                "p99_limit_ms": self.plan.p99_limit_ms,
                "rates": rates,
                "test_accounts_removed": removed,
            },
            "summary": [
                {
                    "figure": "highest rate that held (msgs/s into groups of 10)",
                    "goal": f"p99 <= {self.plan.p99_limit_ms:g} ms, nothing lost",
                    "reached": held,
                    "ratio": "-",
                    "met": "-",
                },
                {
                    "figure": "people chatting at once, comfortably",
                    "goal": f"{HEADROOM:g} x rate / {PER_PERSON_MSGS_PER_S:g} msgs/s each",
                    "reached": people,
                    "ratio": "-",
                    "met": "-",
                },
            ],
        }
        self.out_dir.mkdir(parents=True, exist_ok=True)
        stem = self.out_dir / time.strftime("capacity-%Y%m%d-%H%M%S")
        json_path, html_path = stem.with_suffix(".json"), stem.with_suffix(".html")
        json_path.write_text(json.dumps(run, indent=2), encoding="utf-8")
        html_path.write_text(render(run), encoding="utf-8")
        return CapacityResult(
            held, reached_top, people, words, steps, json_path, html_path, removed
        )
