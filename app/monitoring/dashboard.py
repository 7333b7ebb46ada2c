"""The admin dashboard's view-model: turns the server's metrics into cards, alerts in words
and chart lines.

Live, the figures come from the WebSocket feed (``monitor/subscribe``, fed in by
``app.monitoring.feed.LiveFeed`` through ``go_live`` and ``apply_sample``). Without a connection
online it polls ``GET /api/v1/admin/metrics`` every ``interval_s`` instead. The 24 h history
always comes from REST (the feed's snapshot covers one hour), read again every history step.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication

from app.events import Emitter
from app.monitoring.alerts import AlertText, alert_text
from app.monitoring.cards import Card, build_cards
from app.monitoring.series import Point, SeriesKey, build_series
from app.monitoring.units import clock
from app.net.errors import ApiError, NetError, Unreachable
from app.net.explain import explain
from app.net.models import parse_model
from app.net.signed_in import SignedInApi
from server.protocol.errors import ErrorCode
from server.protocol.monitoring import Alert, HistoryRange, MetricsSnapshot, Sample

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 10.0
HOUR_S = 3600.0
# Never poll faster than this, whatever the server's interval (a busy Pi needs no help).
MIN_INTERVAL_S = 1.0


@dataclass(frozen=True, slots=True)
class DashboardView:
    """Everything the page shows, ready to render.

    Attributes:
        range: ``"1h"`` or ``"24h"``.
        snapshot: the last snapshot that arrived (kept while the server cannot be reached).
        collecting: the server has not taken its first sample yet.
        cards: status cards (empty while collecting).
        alerts: the alerts in force, in words.
        series: chart lines per figure.
        problem: why the figures may be stale, translated; ``None`` when all is well.
        forbidden: this account may not see the dashboard (polling has stopped).
    """

    range: HistoryRange
    snapshot: MetricsSnapshot | None = None
    collecting: bool = True
    cards: list[Card] = field(default_factory=list)
    alerts: list[AlertText] = field(default_factory=list)
    series: dict[SeriesKey, list[Point]] = field(default_factory=dict)
    problem: str | None = None
    forbidden: bool = False


@dataclass(frozen=True, slots=True)
class DashboardChanged:
    """New figures arrived, a refresh failed, or the range changed."""

    view: DashboardView


class Dashboard:
    """Loads and refreshes the metrics of one server for an admin account.

    Attributes:
        events: ``DashboardChanged``.
        view: the latest view.
    """

    def __init__(self, api: SignedInApi, *, clock_fn: Callable[[], float] = time.time) -> None:
        """
        Args:
            api: the signed-in account's calls.
            clock_fn: the current Unix time (for "last backup" and the problem line).
        """
        self._api = api
        self._now = clock_fn
        self.events: Emitter[DashboardChanged] = Emitter()
        self.view = DashboardView(range="1h")
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._last_ok_at: float | None = None
        self._live = False  # samples come from the feed: no polling for the hour's view
        self._reload = True  # the next turn of the loop loads from REST whatever the mode

    @property
    def live(self) -> bool:
        """The figures come from the live feed now (not from polling)."""
        return self._live

    def go_live(self, snapshot: MetricsSnapshot) -> None:
        """The feed is on: ``snapshot`` is its hour; samples follow through ``apply_sample``."""
        self._live = True
        self._last_ok_at = self._now()
        if self.view.range == "1h":
            self._publish(self._view_of(snapshot))
        else:
            self._publish_snapshot(self._with_latest(snapshot.current, snapshot.alerts))
        self._wake.set()  # the loop stops polling the hour

    def go_offline(self) -> None:
        """The feed ended (the connection dropped): back to polling, starting now."""
        if not self._live:
            return
        self._live = False
        self._reload = True
        self._wake.set()

    def apply_sample(self, sample: Sample, alerts: list[Alert]) -> None:
        """A new sample from the feed: the cards, the alerts and (for 1 h) the chart move."""
        snap = self._with_latest(sample, alerts)
        if snap is None:
            return
        if snap.range == "1h" and (not snap.history or snap.history[-1].at < sample.at):
            history = [p for p in snap.history if p.at > sample.at - HOUR_S] + [sample]
            snap = snap.model_copy(update={"history": history})
        self._last_ok_at = self._now()
        self._publish_snapshot(snap)

    def _with_latest(self, sample: Sample | None, alerts: list[Alert]) -> MetricsSnapshot | None:
        snap = self.view.snapshot
        if snap is None or sample is None:
            return snap
        if snap.current is not None and snap.current.at > sample.at:
            return snap  # a REST answer newer than this sample came first
        return snap.model_copy(update={"current": sample, "alerts": alerts})

    def _publish_snapshot(self, snap: MetricsSnapshot | None) -> None:
        if snap is not None:
            self._publish(self._view_of(snap))

    @property
    def range(self) -> HistoryRange:
        return self.view.range

    @property
    def interval_s(self) -> float:
        snap = self.view.snapshot
        return max(MIN_INTERVAL_S, snap.interval_s if snap else DEFAULT_INTERVAL_S)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Starts polling (a first load at once); harmless when already running."""
        if self.running:
            return
        self._task = asyncio.get_running_loop().create_task(self._poll(), name="dashboard-poll")

    async def stop(self) -> None:
        """Stops polling and waits for the loop to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def set_range(self, span: HistoryRange) -> None:
        """Shows 1 h or 24 h of history; the next load happens at once."""
        if span == self.view.range:
            return
        self._publish(dataclasses.replace(self.view, range=span))
        self._reload = True
        self._wake.set()

    async def refresh(self) -> DashboardView:
        """Loads the snapshot once and publishes the new view (errors become ``problem``).

        Returns:
            The view after this load.
        """
        span = self.view.range
        try:
            data = await self._api.request("GET", f"/api/v1/admin/metrics?range={span}")
            snap = parse_model(MetricsSnapshot, data)
        except ApiError as exc:
            if exc.code == ErrorCode.FORBIDDEN:
                self._publish(
                    dataclasses.replace(
                        self.view,
                        problem=QCoreApplication.translate(
                            "Dashboard",
                            "Only the server's owner and admins can see the dashboard. Ask "
                            "the owner if you need to check on the server.",
                        ),
                        forbidden=True,
                    )
                )
                return self.view
            self._failed(exc)
            return self.view
        except NetError as exc:
            self._failed(exc)
            return self.view
        if span != self.view.range:
            # The range changed while this answer was on its way; the next load fetches it.
            return self.view
        self._last_ok_at = self._now()
        self._publish(self._view_of(snap))
        return self.view

    def _view_of(self, snap: MetricsSnapshot) -> DashboardView:
        collecting = snap.current is None
        return DashboardView(
            range=snap.range,
            snapshot=snap,
            collecting=collecting,
            cards=[] if collecting else build_cards(snap, self._now()),
            alerts=[alert_text(a) for a in snap.alerts],
            series=build_series(snap),
        )

    def _failed(self, exc: NetError) -> None:
        log.info("dashboard refresh failed: %s", exc)
        snap = self.view.snapshot
        if snap is None:
            problem = explain(exc)
        else:
            at = snap.current.at if snap.current is not None else self._last_ok_at or self._now()
            if isinstance(exc, Unreachable):
                problem = QCoreApplication.translate(
                    "Dashboard", "Can't reach the server; showing the last figures from {time}."
                ).format(time=clock(at))
            else:
                problem = QCoreApplication.translate(
                    "Dashboard", "{reason} Showing the last figures from {time}."
                ).format(reason=explain(exc), time=clock(at))
        self._publish(dataclasses.replace(self.view, problem=problem))

    def _publish(self, view: DashboardView) -> None:
        self.view = view
        self.events.emit(DashboardChanged(view))

    async def _poll(self) -> None:
        while True:
            self._wake.clear()
            if self._reload or not self._live or self.view.range != "1h":
                self._reload = False
                view = await self.refresh()
                if view.forbidden:
                    return  # asking again will not change the account's role
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._next_load_in())

    def _next_load_in(self) -> float | None:
        """Seconds until the next REST load: the sampling interval while polling; live, one
        history step for 24 h (its points are that long) and never for the hour."""
        if not self._live:
            return self.interval_s
        if self.view.range == "1h":
            return None
        snap = self.view.snapshot
        return max(self.interval_s, snap.step_s if snap is not None else HOUR_S / 12)
