"""The host readings and the sampler's rates, from a fake /proc, thermal zones and vcgencmd."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.monitoring import probes
from server.monitoring.sampler import HostSources, Sampler
from server.services.hub import Hub
from server.services.memberships import Memberships
from server.storage.engine import create_engine, migrate, sqlite_url
from tests.helpers.fake_host import FakeHost, make_fake_host


@pytest.fixture
def host(tmp_path: Path) -> FakeHost:
    return make_fake_host(tmp_path / "host")


def test_reads_every_file(host: FakeHost, tmp_path: Path) -> None:
    r = probes.read_host_blocking(host.proc, host.thermal, tmp_path)
    assert (r.cpu_busy, r.cpu_total) == (1000, 10000)
    assert r.load == (0.5, 0.25, 0.1)
    assert r.memory_total == 4_000_000 * 1024
    assert r.memory_used == 1_000_000 * 1024  # total minus available
    assert (r.swap_total, r.swap_used) == (100_000 * 1024, 25_000 * 1024)
    assert r.uptime_s == 12345.67
    assert (r.net_rx, r.net_tx) == (1000, 2000)  # loopback left out
    assert r.temperature_c == 48.5
    assert r.disk_total is not None and r.disk_free is not None
    assert 0 < r.disk_free <= r.disk_total


def test_the_hottest_sane_zone_wins(host: FakeHost) -> None:
    host.set_temperature(51.25, zone=1)
    host.set_temperature(900.0, zone=2)  # an unwired sensor
    (host.thermal / "thermal_zone3").mkdir()
    (host.thermal / "thermal_zone3" / "temp").write_text("garbage\n")
    assert probes.temperature(host.thermal) == 51.25


def test_throttled_bits_from_vcgencmd(host: FakeHost) -> None:
    host.set_throttled(0x50005)
    assert probes.throttled(str(host.vcgencmd)) == 0x50005
    host.set_throttled(0)
    assert probes.throttled(str(host.vcgencmd)) == 0


@pytest.mark.parametrize("output", ["nonsense", "throttled=zz", ""])
def test_unreadable_vcgencmd_output_is_none(host: FakeHost, output: str) -> None:
    (host.root / "throttled").write_text(output)
    assert probes.throttled(str(host.vcgencmd)) is None


def test_a_host_without_anything(tmp_path: Path) -> None:
    """A laptop or container: nothing there, nothing raised."""
    empty = tmp_path / "none"
    r = probes.read_host_blocking(empty, empty, empty)
    assert r == probes.HostReading()
    assert probes.throttled(str(empty / "vcgencmd")) is None
    assert probes.throttled("") is None


def test_malformed_proc_files_are_skipped(host: FakeHost) -> None:
    (host.proc / "stat").write_text("cpu a b c d\n")
    (host.proc / "loadavg").write_text("x\n")
    (host.proc / "uptime").write_text("\n")
    (host.proc / "meminfo").write_text("MemTotal: lots\n")
    (host.proc / "net" / "dev").write_text("h\nh\neth0: 1 2\nwlan0: x 0 0 0 0 0 0 0 y\n")
    assert probes.cpu_times(host.proc) is None
    assert probes.load_average(host.proc) is None
    assert probes.uptime(host.proc) is None
    assert probes.memory(host.proc) == {}
    assert probes.network_bytes(host.proc) == (0, 0)


async def test_sampler_turns_counters_into_rates(host: FakeHost, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    engine = create_engine(sqlite_url(data))
    try:
        await migrate(engine)
        now = [1000.0]
        sampler = Sampler(
            sources=HostSources(host.proc, host.thermal, str(host.vcgencmd)),
            data_dir=data,
            hub=Hub(Memberships(), presence=True, typing=True),
            reader=engine,
            started_at=990.0,
            clock=lambda: now[0],
        )
        host.set_throttled(0x50005)
        first = await sampler.read()
        assert first.cpu_percent is None and first.net_rx_bytes_per_s is None  # no rate yet
        assert first.temperature_c == 48.5
        assert first.throttled == 0x50005
        assert first.server_uptime_s == 10.0
        assert first.database_bytes is not None and first.database_bytes > 0
        assert (first.connections, first.users_online, first.messages_per_min) == (0, 0, 0.0)

        now[0] = 1010.0
        host.set_cpu(busy=1000 + 250, idle=9000 + 750)  # a quarter busy
        host.set_net(rx=1000 + 10_000, tx=2000 + 5_000)
        host.set_temperature(61.0)
        second = await sampler.read()
        assert second.cpu_percent == 25.0
        assert second.net_rx_bytes_per_s == 1000.0
        assert second.net_tx_bytes_per_s == 500.0
        assert second.temperature_c == 61.0

        now[0] = 1005.0  # the clock went back: no negative rates
        third = await sampler.read()
        assert third.net_rx_bytes_per_s is None and third.messages_per_min == 0.0
    finally:
        await engine.dispose()
