""" "Try Roost on this computer": the bundled server, run locally for a trial or a demo.

The server runs as a child process bound to 127.0.0.1 (only this computer can reach it) and
does not advertise itself on the network. Its data lives under the app's data directory, so a
trial keeps its conversations from one start to the next; the data key sits beside, not inside,
the data directory, as on a Pi.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import ssl
import sys
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from app.paths import AppPaths

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
PREFERRED_PORT = 8443
START_TIMEOUT = 60.0


class TrialError(Exception):
    """The trial server could not start; the message says why, in plain words."""


@dataclass(frozen=True, slots=True)
class TrialInfo:
    """A running trial server.

    Attributes:
        host: always 127.0.0.1.
        port: the HTTPS port.
        fingerprint: the certificate's SHA-256, read from the server's own files.
        setup_code: the one-time code while unclaimed, else None.
        server_id: the server's id (the same across restarts).
    """

    host: str
    port: int
    fingerprint: str
    setup_code: str | None
    server_id: str


def _free_port(preferred: int) -> int:
    for candidate in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((HOST, candidate))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise TrialError(
        QCoreApplication.translate("Trial", "No free network port was found on this computer.")
    )


class TrialServer:
    """Starts, watches and stops the local trial server.

    Attributes:
        data_dir: the server's data directory.
        key_file: its data key (outside the data directory).
    """

    def __init__(self, paths: AppPaths, *, python: str | None = None) -> None:
        base = paths.data
        self.data_dir = base / "trial-server"
        self.key_file = base / "trial-server.key"
        self._port_file = base / "trial-server.port"
        self._log_file = base / "trial-server.log"
        self._python = python or sys.executable
        self._proc: asyncio.subprocess.Process | None = None
        self.info: TrialInfo | None = None

    @property
    def running(self) -> bool:
        """Whether the child process is alive."""
        return self._proc is not None and self._proc.returncode is None

    def _port(self) -> int:
        try:
            saved = int(self._port_file.read_text().strip())
        except (OSError, ValueError):
            saved = PREFERRED_PORT
        # Keep the same port from one start to the next, so the saved address keeps working.
        port = _free_port(saved)
        self._port_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._port_file.write_text(f"{port}\n")
        return port

    def _base_args(self) -> list[str]:
        return [
            self._python,
            "-m",
            "server.cli",
        ]

    async def start(self) -> TrialInfo:
        """Starts the server (if not running) and waits until it answers.

        Returns:
            What the app needs to connect and, the first time, to claim it.

        Raises:
            TrialError: it did not start; the message says why and what to try.
        """
        if self.running and self.info is not None:
            return self.info
        self.data_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        port = self._port()
        args = [
            *self._base_args(),
            "run",
            "--data-dir",
            str(self.data_dir),
            "--key-file",
            str(self.key_file),
            "--host",
            HOST,
            "--port",
            str(port),
            "--no-mdns",
        ]
        log_fh = self._log_file.open("ab")
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_fh,
                stderr=log_fh,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        except OSError as exc:
            raise TrialError(
                QCoreApplication.translate(
                    "Trial", "The Roost server could not be started on this computer: {error}"
                ).format(error=exc)
            ) from exc
        finally:
            log_fh.close()
        try:
            await self._wait_until_up(port)
            info = await self._read_info(port)
        except BaseException:
            await self.stop()
            raise
        self.info = info
        return info

    async def _wait_until_up(self, port: int) -> None:
        ctx = ssl.create_default_context()
        # The certificate is checked below against the server's own files, not by a CA.
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            if self._proc is None or self._proc.returncode is not None:
                raise TrialError(self._failure_text())
            with contextlib.suppress(OSError, asyncio.TimeoutError):
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(HOST, port, ssl=ctx), timeout=2
                )
                try:
                    writer.write(
                        b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    )
                    status = await asyncio.wait_for(reader.readline(), timeout=2)
                finally:
                    writer.close()
                    with contextlib.suppress(OSError, ssl.SSLError):
                        await writer.wait_closed()
                if status.startswith(b"HTTP/1.1 200"):
                    return
            await asyncio.sleep(0.2)
        raise TrialError(
            QCoreApplication.translate(
                "Trial", "The Roost server did not start within a minute. Details are in {log}."
            ).format(log=self._log_file)
        )

    def _failure_text(self) -> str:
        try:
            tail = self._log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]
        except OSError:
            tail = []
        return QCoreApplication.translate(
            "Trial", "The Roost server stopped while starting. Its last words:\n{tail}"
        ).format(tail="\n".join(tail) or "-")

    async def _read_info(self, port: int) -> TrialInfo:
        proc = await asyncio.create_subprocess_exec(
            *self._base_args(),
            "info",
            "--json",
            "--data-dir",
            str(self.data_dir),
            "--key-file",
            str(self.key_file),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise TrialError(
                QCoreApplication.translate(
                    "Trial", "Roost started but could not describe itself: {error}"
                ).format(error=err.decode(errors="replace").strip())
            )
        data = json.loads(out)
        return TrialInfo(
            host=HOST,
            port=port,
            fingerprint=str(data["fingerprint"]),
            setup_code=data.get("setup_code"),
            server_id=str(data["server_id"]),
        )

    async def stop(self) -> None:
        """Stops the server gracefully (it finishes what it is doing), then for sure."""
        proc, self._proc = self._proc, None
        self.info = None
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=20)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
