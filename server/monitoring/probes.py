"""Readings of the host straight from /proc and /sys: no psutil, a few small file reads.

Every reader takes its root as an argument so that tests can hand it a fake tree. Every
reader returns None (or leaves a value out) when the host does not offer it: a laptop has no
``vcgencmd``, a container may have no thermal zone.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

VCGENCMD_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class HostReading:
    """One read of the host's counters. CPU and network are cumulative counters: the sampler
    turns two readings into rates."""

    cpu_busy: int | None = None  # jiffies, all cores
    cpu_total: int | None = None
    load: tuple[float, float, float] | None = None
    memory_total: int | None = None
    memory_used: int | None = None
    swap_total: int | None = None
    swap_used: int | None = None
    uptime_s: float | None = None
    net_rx: int | None = None
    net_tx: int | None = None
    disk_total: int | None = None
    disk_free: int | None = None
    temperature_c: float | None = None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None


def cpu_times(proc: Path) -> tuple[int, int] | None:
    """(busy, total) jiffies from the ``cpu`` line of /proc/stat."""
    text = _read(proc / "stat")
    if text is None:
        return None
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == "cpu":
            try:
                values = [int(v) for v in parts[1:]]
            except ValueError:
                return None
            # user nice system idle iowait irq softirq steal (guest time is already in user)
            values = values[:8]
            if len(values) < 4:
                return None
            idle = values[3] + (values[4] if len(values) > 4 else 0)
            total = sum(values)
            return total - idle, total
    return None


def load_average(proc: Path) -> tuple[float, float, float] | None:
    text = _read(proc / "loadavg")
    if text is None:
        return None
    try:
        a, b, c = (float(v) for v in text.split()[:3])
    except ValueError:
        return None
    return a, b, c


def memory(proc: Path) -> dict[str, int]:
    """MemTotal, MemAvailable, SwapTotal, SwapFree from /proc/meminfo, in bytes."""
    text = _read(proc / "meminfo")
    found: dict[str, int] = {}
    if text is None:
        return found
    wanted = {"MemTotal", "MemAvailable", "SwapTotal", "SwapFree"}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in wanted:
            parts = rest.split()
            if parts and parts[0].isdigit():
                found[key] = int(parts[0]) * 1024  # the file says kB and means KiB
    return found


def uptime(proc: Path) -> float | None:
    text = _read(proc / "uptime")
    if text is None:
        return None
    try:
        return float(text.split()[0])
    except (ValueError, IndexError):
        return None


def network_bytes(proc: Path) -> tuple[int, int] | None:
    """Received and sent bytes over every interface but loopback, from /proc/net/dev."""
    text = _read(proc / "net" / "dev")
    if text is None:
        return None
    rx = tx = 0
    for line in text.splitlines()[2:]:  # two header lines
        name, sep, rest = line.partition(":")
        if not sep or name.strip() == "lo":
            continue
        parts = rest.split()
        if len(parts) < 9:
            continue
        try:
            rx += int(parts[0])
            tx += int(parts[8])
        except ValueError:
            continue
    return rx, tx


def disk(path: Path) -> tuple[int, int] | None:
    """(total, free) bytes of the file system holding ``path``; free is what a non-root
    process may use, which is what the server may use."""
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    return st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize


def temperature(thermal: Path) -> float | None:
    """The hottest of ``thermal_zone*/temp`` (millidegrees C) under ``thermal``."""
    hottest: float | None = None
    try:
        zones = sorted(thermal.glob("thermal_zone*/temp"))
    except OSError:
        return None
    for zone in zones:
        text = _read(zone)
        if text is None:
            continue
        try:
            value = int(text.strip()) / 1000.0
        except ValueError:
            continue
        # A sensor that is not wired up reads as absurd values; ignore it.
        if -50.0 < value < 200.0 and (hottest is None or value > hottest):
            hottest = value
    return hottest


def throttled(vcgencmd: str) -> int | None:
    """The bits of ``vcgencmd get_throttled`` ("throttled=0x50005"), or None without it."""
    if not vcgencmd:
        return None
    try:
        out = subprocess.run(  # noqa: S603 - a configured command, no shell
            [vcgencmd, "get_throttled"],
            capture_output=True,
            timeout=VCGENCMD_TIMEOUT_S,
            check=False,
            text=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    _, sep, value = out.stdout.strip().partition("=")
    if not sep:
        return None
    try:
        return int(value, 16)
    except ValueError:
        return None


def read_host_blocking(proc: Path, thermal: Path, data_dir: Path) -> HostReading:
    """Everything from files: a handful of small reads, well under a millisecond."""
    cpu = cpu_times(proc)
    mem = memory(proc)
    net = network_bytes(proc)
    space = disk(data_dir)
    mem_total = mem.get("MemTotal")
    mem_avail = mem.get("MemAvailable")
    swap_total = mem.get("SwapTotal")
    swap_free = mem.get("SwapFree")
    return HostReading(
        cpu_busy=cpu[0] if cpu else None,
        cpu_total=cpu[1] if cpu else None,
        load=load_average(proc),
        memory_total=mem_total,
        memory_used=(
            mem_total - mem_avail if mem_total is not None and mem_avail is not None else None
        ),
        swap_total=swap_total,
        swap_used=(
            swap_total - swap_free if swap_total is not None and swap_free is not None else None
        ),
        uptime_s=uptime(proc),
        net_rx=net[0] if net else None,
        net_tx=net[1] if net else None,
        disk_total=space[0] if space else None,
        disk_free=space[1] if space else None,
        temperature_c=temperature(thermal),
    )


def file_size(*paths: Path) -> int | None:
    """Sum of the sizes of those of ``paths`` that exist (the database and its WAL)."""
    total = 0
    seen = False
    for path in paths:
        try:
            total += path.stat().st_size
            seen = True
        except OSError:
            continue
    return total if seen else None
