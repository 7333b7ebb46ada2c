"""The Prometheus exposition of the newest sample (``GET /metrics``), built per scrape.

prometheus_client is imported at the first scrape: a server nobody scrapes never loads it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from server.protocol.monitoring import Alert, Sample, UserStorage

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.core import Metric

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# (sample field, metric name, help): every numeric field of a sample, with units in the name
# as Prometheus' naming conventions ask.
_GAUGES: list[tuple[str, str, str]] = [
    ("cpu_percent", "roost_cpu_percent", "CPU use over all cores, 0-100"),
    ("load1", "roost_load1", "1-minute load average"),
    ("load5", "roost_load5", "5-minute load average"),
    ("load15", "roost_load15", "15-minute load average"),
    ("memory_total_bytes", "roost_memory_total_bytes", "Memory installed"),
    ("memory_used_bytes", "roost_memory_used_bytes", "Memory in use (total minus available)"),
    ("swap_total_bytes", "roost_swap_total_bytes", "Swap space"),
    ("swap_used_bytes", "roost_swap_used_bytes", "Swap in use"),
    ("disk_total_bytes", "roost_disk_total_bytes", "Size of the data directory's disk"),
    ("disk_free_bytes", "roost_disk_free_bytes", "Free space for the data directory"),
    ("temperature_c", "roost_temperature_celsius", "Hottest thermal zone"),
    ("throttled", "roost_throttled_flags", "vcgencmd get_throttled bits"),
    ("host_uptime_s", "roost_host_uptime_seconds", "Seconds since the host booted"),
    ("server_uptime_s", "roost_server_uptime_seconds", "Seconds since the server started"),
    ("net_rx_bytes_per_s", "roost_network_receive_bytes_per_second", "All interfaces but lo"),
    ("net_tx_bytes_per_s", "roost_network_transmit_bytes_per_second", "All interfaces but lo"),
    ("connections", "roost_websocket_connections", "Open WebSocket connections"),
    ("users_online", "roost_users_online", "Users with at least one connection"),
    ("messages_per_min", "roost_messages_per_minute", "Messages stored per minute"),
    ("upload_bytes_per_min", "roost_upload_bytes_per_minute", "Bytes of files finished"),
    ("database_bytes", "roost_database_bytes", "Database size with its write-ahead log"),
]


class _SampleCollector:
    """A prometheus_client collector (it needs only ``collect``)."""

    def __init__(
        self,
        latest: Callable[[], Sample | None],
        alerts: Callable[[], list[Alert]],
        storage: Callable[[], list[UserStorage]],
    ) -> None:
        self._latest = latest
        self._alerts = alerts
        self._storage = storage

    def collect(self) -> Iterable[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        sample = self._latest()
        if sample is not None:
            for field, name, doc in _GAUGES:
                value = getattr(sample, field)
                if value is not None:
                    yield GaugeMetricFamily(name, doc, value=float(value))
        active = GaugeMetricFamily(
            "roost_alert_active", "1 for each alert in force", labels=["kind", "severity"]
        )
        for alert in self._alerts():
            active.add_metric([alert.kind.value, alert.severity], 1.0)
        yield active
        per_user = GaugeMetricFamily(
            "roost_user_storage_bytes", "Bytes of files per user", labels=["user"]
        )
        for entry in self._storage():
            per_user.add_metric([entry.username], float(entry.bytes))
        yield per_user


class Exposition:
    """A private registry (not the process-global one: tests run several servers in one
    process) holding one collector that reads the monitor's newest values at scrape time."""

    def __init__(
        self,
        latest: Callable[[], Sample | None],
        alerts: Callable[[], list[Alert]],
        storage: Callable[[], list[UserStorage]],
    ) -> None:
        self._collector = _SampleCollector(latest, alerts, storage)
        self._registry: CollectorRegistry | None = None

    @property
    def registry(self) -> CollectorRegistry:
        if self._registry is None:
            from prometheus_client import CollectorRegistry

            registry = CollectorRegistry(auto_describe=False)
            registry.register(self._collector)
            self._registry = registry
        return self._registry

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)
