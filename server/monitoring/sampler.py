"""Taking one sample: the host's readings, the chat's activity, turned into rates."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from server.monitoring import probes
from server.protocol.monitoring import Sample
from server.services.hub import Hub
from server.storage import metrics as q
from server.storage.aio import AsyncEngine


@dataclass(frozen=True, slots=True)
class HostSources:
    """Where the host's readings come from; tests point these at a fake tree and script."""

    proc: Path = Path("/proc")
    thermal: Path = Path("/sys/class/thermal")
    vcgencmd: str = "vcgencmd"  # a command on PATH or a path; "" for none


def _read_all_blocking(
    sources: HostSources, vcgencmd: str | None, data_dir: Path
) -> tuple[probes.HostReading, int | None, int | None]:
    """One hop off the event loop for everything that touches files or processes."""
    host = probes.read_host_blocking(sources.proc, sources.thermal, data_dir)
    bits = probes.throttled(vcgencmd) if vcgencmd else None
    db = data_dir / "roost.db"
    size = probes.file_size(db, db.with_name("roost.db-wal"))
    return host, bits, size


def _rate(now: int | None, before: int | None, seconds: float) -> float | None:
    if now is None or before is None or seconds <= 0 or now < before:
        return None  # the first reading, or a counter that wrapped or was reset
    return round((now - before) / seconds, 3)


class Sampler:
    """Remembers the previous reading so that counters become rates."""

    def __init__(
        self,
        *,
        sources: HostSources,
        data_dir: Path,
        hub: Hub,
        reader: AsyncEngine,
        started_at: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sources = sources
        self.data_dir = data_dir
        self.hub = hub
        self.reader = reader
        self.started_at = started_at
        self.clock = clock
        self.vcgencmd = shutil.which(sources.vcgencmd) if sources.vcgencmd else None
        self._prev_host: probes.HostReading | None = None
        self._prev_at: float | None = None
        self._event_rowid: int | None = None
        self._attachment_rowid: int | None = None

    async def _activity(self, seconds: float | None) -> tuple[float, float]:
        """Messages and uploaded bytes per minute since the previous sample."""
        async with self.reader.connect() as conn:
            if self._event_rowid is None or self._attachment_rowid is None or not seconds:
                self._event_rowid, self._attachment_rowid = await q.newest_rowids_txn(conn)
                return 0.0, 0.0
            (
                messages,
                self._event_rowid,
                uploaded,
                self._attachment_rowid,
            ) = await q.activity_after_txn(conn, self._event_rowid, self._attachment_rowid)
        per_min = 60.0 / seconds
        return round(messages * per_min, 3), round(uploaded * per_min, 3)

    async def read(self) -> Sample:
        now = self.clock()
        host, bits, db_size = await asyncio.to_thread(
            _read_all_blocking, self.sources, self.vcgencmd, self.data_dir
        )
        seconds = None if self._prev_at is None else now - self._prev_at
        if seconds is not None and seconds <= 0:
            seconds = None  # the clock went back: start the rates afresh
        messages, uploaded = await self._activity(seconds)
        prev = self._prev_host
        cpu: float | None = None
        rx = tx = None
        if prev is not None and seconds:
            if (
                host.cpu_busy is not None
                and host.cpu_total is not None
                and prev.cpu_busy is not None
                and prev.cpu_total is not None
                and host.cpu_total > prev.cpu_total
            ):
                busy = max(0, host.cpu_busy - prev.cpu_busy)
                cpu = round(min(100.0, 100.0 * busy / (host.cpu_total - prev.cpu_total)), 2)
            rx = _rate(host.net_rx, prev.net_rx, seconds)
            tx = _rate(host.net_tx, prev.net_tx, seconds)
        self._prev_host, self._prev_at = host, now
        load = host.load
        return Sample(
            at=now,
            cpu_percent=cpu,
            load1=load[0] if load else None,
            load5=load[1] if load else None,
            load15=load[2] if load else None,
            memory_total_bytes=host.memory_total,
            memory_used_bytes=host.memory_used,
            swap_total_bytes=host.swap_total,
            swap_used_bytes=host.swap_used,
            disk_total_bytes=host.disk_total,
            disk_free_bytes=host.disk_free,
            temperature_c=host.temperature_c,
            throttled=bits,
            host_uptime_s=host.uptime_s,
            server_uptime_s=round(max(0.0, now - self.started_at), 3),
            net_rx_bytes_per_s=rx,
            net_tx_bytes_per_s=tx,
            connections=self.hub.connection_count(),
            users_online=self.hub.online_count(),
            messages_per_min=messages,
            upload_bytes_per_min=uploaded,
            database_bytes=db_size,
        )
