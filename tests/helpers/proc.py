"""Subprocess helpers: the real ``roost-server`` (or any helper script) as a child process whose
output the test reads line by line, with every wait bounded and every child ended by its PID."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

# Cheap argon2 for child servers, as FAST_HASHING in tests.helpers.server does in-process.
FAST_HASHING_ENV = {
    "ROOST_ARGON2_TIME_COST": "1",
    "ROOST_ARGON2_MEMORY_KIB": "8",
    "ROOST_ARGON2_PARALLELISM": "1",
}

BANNER = re.compile(
    r"listening on (?P<scheme>https?)://(?P<host>\[[^\]]+\]|[^:/\s]+):(?P<port>\d+)"
)


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test's environment without anything that would change how the server behaves
    (a developer's ROOST_* settings, or JOURNAL_STREAM when pytest itself runs under systemd),
    plus cheap hashing and the repository on the import path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ROOST_") and k not in ("JOURNAL_STREAM", "PYTHONWARNINGS")
    }
    env.update(FAST_HASHING_ENV)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    # A child that hangs is sent SIGABRT before it is killed: faulthandler then prints where
    # every thread was, into the output the failing test shows.
    env["PYTHONFAULTHANDLER"] = "1"
    if extra:
        env.update(extra)
    return env


def server_argv(*args: str | Path) -> list[str]:
    """``roost-server ARGS`` as this interpreter runs it."""
    return [PYTHON, "-m", "server", *map(str, args)]


def run_cli(
    *args: str | Path, env: Mapping[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """Run one ``roost-server`` command to completion."""
    return subprocess.run(
        server_argv(*args),
        env=child_env(env),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class _Lines:
    """Lines read from one pipe by a daemon thread, for waiting on with a deadline."""

    def __init__(self, pipe: IO[str], name: str) -> None:
        self.lines: list[str] = []
        self.closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._pump, args=(pipe,), name=name, daemon=True)
        self._thread.start()

    def _pump(self, pipe: IO[str]) -> None:
        try:
            for line in pipe:
                with self._cond:
                    self.lines.append(line.rstrip("\n"))
                    self._cond.notify_all()
        except (OSError, ValueError):  # the pipe was closed under us at clean-up
            pass
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    def wait_for(
        self, predicate: Callable[[str], bool], timeout: float, start: int = 0
    ) -> tuple[int, str] | None:
        """The first line at index >= ``start`` that matches, or None at the deadline or EOF."""
        deadline = time.monotonic() + timeout
        with self._cond:
            i = start
            while True:
                while i < len(self.lines):
                    if predicate(self.lines[i]):
                        return i, self.lines[i]
                    i += 1
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def snapshot(self) -> list[str]:
        with self._cond:
            return list(self.lines)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class Child:
    """A running child process with its stdout and stderr collected line by line."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path = REPO_ROOT) -> None:
        self.argv = list(argv)
        self.popen = subprocess.Popen(
            self.argv,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        assert self.popen.stdout is not None and self.popen.stderr is not None
        self.stdout = _Lines(self.popen.stdout, f"stdout-{self.popen.pid}")
        self.stderr = _Lines(self.popen.stderr, f"stderr-{self.popen.pid}")

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        """Everything seen so far, for assertion messages."""
        out = "\n".join(self.stdout.snapshot())
        err = "\n".join(self.stderr.snapshot())
        return f"$ {' '.join(self.argv)}\n--- stdout ---\n{out}\n--- stderr ---\n{err}"

    def expect(
        self,
        predicate: Callable[[str], bool],
        *,
        stream: str = "stderr",
        timeout: float = 10,
        start: int = 0,
        what: str = "a matching line",
    ) -> tuple[int, str]:
        """Wait for a line, or fail with the process's output so far."""
        lines = self.stderr if stream == "stderr" else self.stdout
        found = lines.wait_for(predicate, timeout, start)
        if found is None:
            raise AssertionError(
                f"no {what} on {stream} within {timeout:g}s "
                f"(exit code {self.popen.poll()})\n{self.output()}"
            )
        return found

    def signal(self, sig: int = signal.SIGTERM) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """The exit code, once all its output has been read; fails (after killing the
        process) if it does not exit in time."""
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.dump_stacks()
            self.close()
            raise AssertionError(
                f"process {self.pid} did not exit within {timeout:g}s\n{self.output()}"
            ) from None
        # The readers may still be draining the pipes; the last lines are what tests check.
        self.stdout.join(5)
        self.stderr.join(5)
        return code

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, then the exit code."""
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def dump_stacks(self) -> None:
        """Ask a hung Python child for its threads' tracebacks (see PYTHONFAULTHANDLER)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGABRT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(3)
            self.stderr.join(2)

    def close(self) -> None:
        """Kill if still running (this child only, by its PID), reap it and close its pipes."""
        if self.popen.poll() is None:
            self.popen.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):  # only if SIGKILL is ignored
            self.popen.wait(10)
        self.stdout.join(5)
        self.stderr.join(5)
        for pipe in (self.popen.stdout, self.popen.stderr):
            if pipe is not None:
                pipe.close()


@contextmanager
def child(argv: Sequence[str], env: Mapping[str, str]) -> Iterator[Child]:
    proc = Child(argv, env)
    try:
        yield proc
    finally:
        proc.close()


@dataclass(frozen=True)
class Banner:
    scheme: str
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def wait_for_banner(proc: Child, timeout: float = 10) -> Banner:
    """Wait for ``listening on https://HOST:PORT`` in the server's log."""
    _, line = proc.expect(lambda s: BANNER.search(s) is not None, timeout=timeout, what="banner")
    m = BANNER.search(line)
    assert m is not None
    return Banner(m["scheme"], m["host"], int(m["port"]))


@contextmanager
def server_process(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    prefix: Sequence[str] = (),
) -> Iterator[Child]:
    """``roost-server ARGS`` running (``prefix`` e.g. ``ip netns exec NS``); killed at exit if
    the test has not stopped it."""
    with child([*prefix, *server_argv(*args)], child_env(env)) as proc:
        yield proc
