"""Start a Roost server subprocess for a benchmark: pinned to one core, loopback only."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def pin_generator() -> None:
    """Keeps this process (the load generator) on core 1, away from the servers on core 0, as
    WORKLOADS.md runs them. Servers started later are pinned by taskset, whatever this says."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})


# Lines of a server log that mean something went wrong (levels as both log formats write them).
_FAILURE_MARKS = re.compile(r"\bERROR\b|<[0-3]>|Traceback \(most recent call last\)")


@dataclass
class LocalServer:
    """``python -m server run`` on 127.0.0.1, on ``core`` when taskset exists."""

    env: dict[str, str] = field(default_factory=dict)
    core: int | None = 0
    port: int = field(default_factory=free_port)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="roost-bench-")))
    proc: subprocess.Popen[str] | None = None
    log: list[str] = field(default_factory=list)
    plain: bool = False  # plain HTTP on loopback (no TLS), as the peers' figures were taken

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def base_url(self) -> str:
        return f"{'http' if self.plain else 'https'}://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "server",
            "run",
            "--data-dir",
            str(self.data_dir),
            "--key-file",
            str(self.workdir / "keys" / "data.key"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-mdns",
            "--log-level",
            "warning",
            *(["--insecure-http"] if self.plain else []),
        ]

    def start(self, timeout: float = 30) -> None:
        cmd = self.command()
        if self.core is not None and shutil.which("taskset"):
            cmd = ["taskset", "-c", str(self.core), *cmd]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.proc = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
        )
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + "\n".join(self.log[-20:]))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()  # a server that starts after we gave up must not live on unwatched
        raise RuntimeError("server did not start")

    def _drain(self) -> None:
        assert self.proc is not None
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.rstrip())
            if len(self.log) > 2000:
                del self.log[:1000]

    @property
    def pid(self) -> int:
        """The server's pid (taskset execs the program, so it is the same process)."""
        assert self.proc is not None
        return self.proc.pid

    def setup_code(self) -> str:
        return (self.data_dir / "setup-code").read_text().strip()

    def cert_path(self) -> Path:
        return self.data_dir / "tls-cert.pem"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr is not None:
            self._drainer.join(5)  # it reaches the end of the pipe once the server is gone
            self.proc.stderr.close()
        self._keep_log_if_it_failed()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _keep_log_if_it_failed(self) -> None:
        """A server that logged an error (a 500 has its traceback there) leaves its log behind,
        named on standard error: the work directory, and the log in memory, go with the run."""
        if not any(_FAILURE_MARKS.search(line) for line in self.log):
            return
        folder = Path(tempfile.gettempdir()) / "roost-bench-logs"
        folder.mkdir(exist_ok=True)
        path = folder / f"{type(self).__name__}-{time.strftime('%Y%m%d-%H%M%S')}-{self.port}.log"
        path.write_text("\n".join(self.log) + "\n", encoding="utf-8")
        print(f"the server logged errors; its log is in {path}", file=sys.stderr)


@dataclass
class ReferenceServer(LocalServer):
    """bench/reference/fanout.py with a certificate of its own, on ``core``."""

    sqlite: bool = False

    def command(self) -> list[str]:
        from server.tls import ensure_self_signed_blocking

        self.data_dir.mkdir(parents=True, exist_ok=True)
        cert, key = ensure_self_signed_blocking(self.data_dir, "reference")
        cmd = [sys.executable, "-m", "bench.reference.fanout", "--port", str(self.port)]
        if not self.plain:
            cmd += ["--cert", str(cert), "--key", str(key)]
        if self.sqlite:
            cmd += ["--sqlite", str(self.data_dir / "reference.db")]
        return cmd
