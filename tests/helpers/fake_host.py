"""A fake host for the monitoring sampler: a /proc tree, thermal zones and a ``vcgencmd``
script, all files a test can rewrite between samples (the edge of the world: real hardware)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROC_STAT = "cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 {busy} 0 0 {idle} 0 0 0 0 0 0\nintr 0\n"
MEMINFO = (
    "MemTotal:        4000000 kB\n"
    "MemFree:          500000 kB\n"
    "MemAvailable:    3000000 kB\n"
    "Buffers:           10000 kB\n"
    "SwapTotal:        100000 kB\n"
    "SwapFree:          75000 kB\n"
)
NET_DEV = (
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo: 999999     100    0    0    0     0          0         0   999999     100    0    "
    "0    0     0       0          0\n"
    "  eth0: {rx}     100    0    0    0     0          0         0   {tx}     100    0    "
    "0    0     0       0          0\n"
)


@dataclass
class FakeHost:
    root: Path

    @property
    def proc(self) -> Path:
        return self.root / "proc"

    @property
    def thermal(self) -> Path:
        return self.root / "thermal"

    @property
    def vcgencmd(self) -> Path:
        return self.root / "bin" / "vcgencmd"

    def set_cpu(self, busy: int, idle: int) -> None:
        (self.proc / "stat").write_text(PROC_STAT.format(busy=busy, idle=idle))

    def set_net(self, rx: int, tx: int) -> None:
        (self.proc / "net" / "dev").write_text(NET_DEV.format(rx=rx, tx=tx))

    def set_temperature(self, celsius: float, zone: int = 0) -> None:
        path = self.thermal / f"thermal_zone{zone}" / "temp"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{round(celsius * 1000)}\n")

    def set_throttled(self, bits: int) -> None:
        (self.root / "throttled").write_text(f"throttled={bits:#x}\n")

    def settings(self) -> dict[str, Any]:
        """Server settings that read this host instead of the real one."""
        return {
            "metrics_proc_dir": self.proc,
            "metrics_thermal_dir": self.thermal,
            "metrics_vcgencmd": str(self.vcgencmd),
        }


def make_fake_host(root: Path) -> FakeHost:
    host = FakeHost(root)
    (host.proc / "net").mkdir(parents=True)
    host.thermal.mkdir(parents=True)
    host.vcgencmd.parent.mkdir(parents=True)
    host.set_cpu(busy=1000, idle=9000)
    host.set_net(rx=1000, tx=2000)
    (host.proc / "loadavg").write_text("0.50 0.25 0.10 1/123 4567\n")
    (host.proc / "meminfo").write_text(MEMINFO)
    (host.proc / "uptime").write_text("12345.67 40000.00\n")
    host.set_temperature(48.5)
    host.set_throttled(0)
    # The script prints what the test last wrote, as the real one prints the firmware's state.
    host.vcgencmd.write_text(
        f'#!/bin/sh\n[ "$1" = get_throttled ] || exit 1\ncat "{host.root / "throttled"}"\n'
    )
    os.chmod(host.vcgencmd, host.vcgencmd.stat().st_mode | stat.S_IXUSR)
    return host
