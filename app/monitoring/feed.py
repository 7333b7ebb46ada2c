"""The dashboard's live feed: ``monitor/subscribe`` over the account's chat connection.

The chat connection (one per signed-in account) carries the feed: after each time it comes
online the feed subscribes again, and the snapshot in the acknowledgement and every
``monitor/sample`` event after it go to the ``Dashboard``. While the connection is not online
the dashboard polls REST instead (``Dashboard.go_offline``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.chat.connection import ChatOffline, CommandRefused
from app.chat.events import ChatEvent, ConnectionState, ConnectionStateChanged, UnknownEventReceived
from app.monitoring.dashboard import Dashboard
from app.net.errors import NetError
from app.net.models import parse_model
from server.protocol.errors import ErrorCode
from server.protocol.monitoring import Alert, MonitorFeed, Sample

if TYPE_CHECKING:
    from app.chat.connection import ChatConnection

log = logging.getLogger(__name__)

SAMPLE_EVENT = "monitor/sample"


def _nothing() -> None:
    pass


class LiveFeed:
    """Keeps ``dashboard`` fed from ``connection`` while started.

    Attributes:
        subscription: the id of the feed on the current connection, or None.
        refused: the server said this account may not watch (a member): no more attempts.
    """

    def __init__(self, connection: ChatConnection, dashboard: Dashboard) -> None:
        self.connection = connection
        self.dashboard = dashboard
        self.subscription: int | None = None
        self.refused = False
        self._task: asyncio.Task[None] | None = None
        # Samples that came while the subscription's result was on its way to us.
        self._early: list[tuple[Sample, list[Alert]]] = []
        self._subscribing = False
        self._stop_listening: Callable[[], None] = _nothing

    def start(self) -> None:
        """Listens to the connection, and subscribes now if it is online."""
        self._stop_listening()
        self._stop_listening = self.connection.events.subscribe(self._on_event)
        if self.connection.state is ConnectionState.ONLINE:
            self._subscribe_soon()

    async def stop(self) -> None:
        """Ends the feed (unsubscribing if the connection is still up); the dashboard polls."""
        self._stop_listening()
        self._stop_listening = _nothing
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        sub, self.subscription = self.subscription, None
        if sub is not None:
            # The server ends every feed when the connection closes; this is only politeness
            # towards a connection the chat keeps using.
            with contextlib.suppress(ChatOffline, CommandRefused, NetError):
                await self.connection.request("monitor/unsubscribe", subscription=sub)
        self.dashboard.go_offline()

    def _subscribe_soon(self) -> None:
        if self.refused or self._subscribing:
            return
        self._subscribing = True
        self._task = asyncio.get_running_loop().create_task(
            self._subscribe(), name="monitor-subscribe"
        )

    async def _subscribe(self) -> None:
        self._early.clear()
        try:
            result = await self.connection.request("monitor/subscribe")
            feed = parse_model(MonitorFeed, result)
        except CommandRefused as exc:
            if exc.code == ErrorCode.FORBIDDEN:
                self.refused = True  # the REST poll shows the members' message
            else:
                log.info("the monitor feed was refused: %s", exc)
            return
        except (ChatOffline, NetError) as exc:
            log.info("no monitor feed for now: %s", exc)  # the next time online tries again
            return
        finally:
            self._subscribing = False
        self.subscription = feed.subscription
        self.dashboard.go_live(feed.snapshot)
        newest = feed.snapshot.current.at if feed.snapshot.current is not None else 0.0
        early, self._early = self._early, []
        for sample, alerts in early:
            if sample.at > newest:
                self.dashboard.apply_sample(sample, alerts)

    def _on_event(self, event: ChatEvent) -> None:
        if isinstance(event, ConnectionStateChanged):
            if event.state is ConnectionState.ONLINE:
                self._subscribe_soon()
            else:
                # A feed lives as long as its connection (protocol 24.4).
                self.subscription = None
                self.dashboard.go_offline()
        elif isinstance(event, UnknownEventReceived) and event.kind == SAMPLE_EVENT:
            self._on_sample(event.body)

    def _on_sample(self, body: dict[str, object]) -> None:
        try:
            sample = parse_model(Sample, body.get("sample"))
            raw = body.get("alerts")
            alerts = [parse_model(Alert, a) for a in raw] if isinstance(raw, list) else []
        except NetError:
            log.info("ignoring a malformed monitor sample: %r", body)
            return
        if self.subscription is None:
            if self._subscribing:
                self._early.append((sample, alerts))
            return
        self.dashboard.apply_sample(sample, alerts)
