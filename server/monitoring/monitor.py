"""The monitor: samples on a timer, keeps the history, raises alerts and tells the admins.

Alerts reach the admins as an ``alert`` event on every admin's live connections (and stay in
the snapshot until they clear, so an admin who was away sees them on the dashboard), and as
stored chat messages from the server itself (``on_alerts``: services/alert_messages.py), which
wait for an admin who is offline. There is no "system" user: a fake account would show up in
user lists, could be made an admin, and would need guarding everywhere; the messages have no
sender instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from server import __version__
from server.config import Settings
from server.monitoring.alerts import AlertBook, BackupStatus, Change, Conditions, Thresholds
from server.monitoring.counters import RecentEvents
from server.monitoring.history import DAY_S, History
from server.monitoring.prometheus import Exposition
from server.monitoring.sampler import HostSources, Sampler
from server.protocol.monitoring import Alert, HistoryRange, MetricsSnapshot, Sample, UserStorage
from server.services.hub import Hub, event_frame
from server.storage import metrics as q
from server.storage.aio import AsyncEngine

log = logging.getLogger(__name__)

# Per-user storage is a grouped query over every file: refreshed this often, not every sample.
STORAGE_EVERY_S = 300.0

BackupStatusSource = Callable[[], Awaitable[BackupStatus]]
AlertsHook = Callable[[list[Change]], Awaitable[None]]
Listener = Callable[[Sample, list[Alert]], None]


async def no_backup_schedule() -> BackupStatus:
    """Until the backup service says otherwise: no schedule, so never overdue."""
    return BackupStatus()


def thresholds(s: Settings) -> Thresholds:
    return Thresholds(
        disk_free_bytes=s.alert_disk_free_bytes,
        temperature_c=s.alert_temperature_c,
        temperature_clear_c=s.alert_temperature_clear_c,
        failed_logins=s.alert_failed_logins,
        backup_grace_s=s.alert_backup_grace_hours * 3600,
    )


class Monitor:
    """Attributes:
    login_failures: failed sign-ins, counted by the accounts service.
    backup_status: returns when the last backup finished and the schedule's interval.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        data_dir: Path,
        engine: AsyncEngine,
        reader: AsyncEngine,
        hub: Hub,
        login_failures: RecentEvents,
        backup_status: BackupStatusSource = no_backup_schedule,
        on_alerts: AlertsHook | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.reader = reader
        self.hub = hub
        self.login_failures = login_failures
        self.started_at = time.time()
        self.backup_status = backup_status
        self.on_alerts = on_alerts
        self.sampler = Sampler(
            sources=HostSources(
                proc=settings.metrics_proc_dir,
                thermal=settings.metrics_thermal_dir,
                vcgencmd=settings.metrics_vcgencmd,
            ),
            data_dir=data_dir,
            hub=hub,
            reader=reader,
            started_at=self.started_at,
        )
        self.history = History(settings.metrics_interval_s)
        self.alerts = AlertBook(thresholds(settings))
        self.exposition = Exposition(
            lambda: self.history.latest, lambda: self.alerts.active, lambda: self._storage
        )
        self.last_backup_at: float | None = None
        self._storage: list[UserStorage] = []
        self._storage_at = 0.0
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._last_flush = time.monotonic()

    # --- life cycle -------------------------------------------------------------------------

    async def open(self) -> None:
        """Load the kept history and the alerts in force, so a restart continues both (and
        does not tell the admins again about an alert they were already told of)."""
        async with self.reader.connect() as conn:
            rows = await q.samples_since_txn(conn, time.time() - DAY_S)
            stored_alerts = await q.get_alerts_txn(conn)
        kept: list[Sample] = []
        for _, data in rows:
            try:
                kept.append(Sample.model_validate_json(data))
            except ValueError:  # a row from a future version with other fields: skip it
                continue
        self.history.load(kept)
        active: list[Alert] = []
        for item in stored_alerts:
            try:
                active.append(Alert.model_validate(item))
            except ValueError:
                continue
        self.alerts = AlertBook(thresholds(self.settings), active)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="monitor-sampler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        async with self._lock:
            await self._flush(partial=True)

    async def _run(self) -> None:
        interval = self.settings.metrics_interval_s
        while True:
            try:
                await self.sample_once()
            except Exception:  # a busy disk or database must not end the monitoring
                log.exception("taking a monitoring sample failed")
            await asyncio.sleep(interval)

    # --- sampling ---------------------------------------------------------------------------

    async def sample_once(self) -> Sample:
        """Take a sample now: history, alerts, listeners, and a batched write when due."""
        async with self._lock:
            sample = await self.sampler.read()
            self.history.add(sample)
            backup = await self._backup()
            changes = self.alerts.evaluate(
                sample,
                Conditions(failed_logins=self.login_failures.count(), backup=backup),
            )
            if changes:
                await self._announce(changes)
            if time.monotonic() - self._storage_at > STORAGE_EVERY_S:
                await self.storage()
            if time.monotonic() - self._last_flush >= self.settings.metrics_flush_s:
                await self._flush(partial=False)
        active = self.alerts.active
        for listener in list(self._listeners):
            try:
                listener(sample, active)
            except Exception:  # one broken subscriber must not starve the others
                log.exception("a monitoring listener failed")
        return sample

    async def _backup(self) -> BackupStatus:
        try:
            status = await self.backup_status()
        except Exception:
            log.exception("reading the backup status failed")
            return BackupStatus()
        self.last_backup_at = status.last_at
        return status

    async def _flush(self, *, partial: bool) -> None:
        rows = self.history.take_unsaved(partial=partial)
        self._last_flush = time.monotonic()
        try:
            async with self.engine.begin() as conn:
                await q.insert_samples_txn(conn, [(r.at, r.model_dump_json()) for r in rows])
                await q.prune_samples_txn(conn, time.time() - DAY_S)
        except Exception:
            self.history.give_back(rows)
            log.exception("writing the monitoring history failed; trying again later")

    async def _announce(self, changes: list[Change]) -> None:
        """Keep the alerts in force across restarts, log them, and tell the admins online."""
        active = [a.model_dump(mode="json") for a in self.alerts.active]
        try:
            async with self.engine.begin() as conn:
                await q.put_alerts_txn(conn, active)
        except Exception:  # the admins still hear of it; a restart may tell them again
            log.exception("storing the alerts failed")
        async with self.reader.connect() as conn:
            admins = await q.admin_ids_txn(conn)
        for change in changes:
            alert = change.alert
            if change.raised:
                log.warning("alert raised: %s: %s", alert.kind.value, alert.message)
            else:
                log.info("alert cleared: %s", alert.kind.value)
            frame = event_frame(
                {
                    "kind": "alert",
                    "state": "raised" if change.raised else "cleared",
                    "alert": alert.model_dump(mode="json"),
                }
            )
            self.hub.deliver(admins, frame)
        if self.on_alerts is not None:
            await self.on_alerts(changes)

    # --- reading ----------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(sample, alerts)`` after each sample; returns the unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    async def storage(self) -> list[UserStorage]:
        async with self.reader.connect() as conn:
            rows = await q.storage_per_user_txn(conn)
        self._storage = [UserStorage(user_id=u, username=n, bytes=b) for u, n, b in rows]
        self._storage_at = time.monotonic()
        return self._storage

    async def snapshot(self, span: HistoryRange = "1h") -> MetricsSnapshot:
        """Everything at one instant: the only await comes first, so a caller that subscribes
        right after this returns misses no sample in between."""
        storage = await self.storage()
        step, points = self.history.series(span, time.time())
        return MetricsSnapshot(
            version=__version__,
            started_at=self.started_at,
            interval_s=self.settings.metrics_interval_s,
            current=self.history.latest,
            alerts=self.alerts.active,
            last_backup_at=self.last_backup_at,
            storage=storage,
            range=span,
            step_s=step,
            history=points,
        )
