"""Installs (or upgrades) the Roost server on a Pi over SSH, step by step, and reads its setup code.

The install itself runs detached on the Pi (``setsid``) while the app follows its log: if the
laptop sleeps, the Wi-Fi drops or the user cancels, the Pi still finishes a consistent install,
and running the installer again is always safe (install.sh is idempotent and takes a lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shlex
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from app.events import Emitter
from app.paths import AppPaths
from app.provision import problems
from app.provision.bundle import Bundle, find_bundle
from app.provision.checks import CHECK_SCRIPT, PiFacts, check_internet, check_system, parse_facts
from app.provision.hostkeys import HostKeyChanged, HostKeyUnknown, KnownHosts, fingerprint
from app.provision.problems import InstallProblem
from app.provision.steps import InstallEvent, LogLine, Step, StepFailed, StepFinished, StepStarted

DEFAULT_INDEX_URL = "https://pypi.org/simple/"
RESULT_MARK = "ROOST-RESULT "
FAILED_MARK = "ROOST-FAILED "
STEP_MARK = "ROOST-STEP "
_STEP_BY_MARK = {"install": Step.INSTALL, "start": Step.START, "read": Step.READ}
_STREAMED_STEPS = frozenset(_STEP_BY_MARK.values())
_LOG_TAIL_LINES = 40
# Upload directories of runs that were cancelled while the Pi finished on its own; older than
# this they are certainly done.
_STALE_UPLOAD_MIN = 120
_CARRIES_ON = (
    "The Pi goes on with the installation on its own; running the installation again later is safe."
)

ConfirmHostKey = Callable[[HostKeyUnknown], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Target:
    """The Pi to install on.

    Attributes:
        host: a name (``raspberrypi.local``) or an address.
        port: its SSH port.
    """

    host: str
    port: int = 22


@dataclass(frozen=True, slots=True)
class Credentials:
    """How to sign in on the Pi.

    Attributes:
        username: the Pi's user (the one made in Raspberry Pi Imager).
        password: its password; also used for ``sudo`` unless ``sudo_password`` is given.
        key_file: a private key file, instead of or besides the password.
        passphrase: the key file's passphrase, if it has one.
        sudo_password: the password ``sudo`` asks for, when it differs or only a key is used.
    """

    username: str
    password: str | None = field(default=None, repr=False)
    key_file: Path | None = None
    passphrase: str | None = field(default=None, repr=False)
    sudo_password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class InstallResult:
    """A running server on the Pi.

    Attributes:
        host: the Pi's address as given.
        port: the server's HTTPS port.
        setup_code: the one-time code to claim it, or None if it is claimed already.
        fingerprint: its certificate's SHA-256, 64 lower-case hex digits (what clients pin).
        version: the server version now installed.
        upgraded: True if Roost was installed before (this run upgraded it).
        previous_version: the version before an upgrade, else None.
    """

    host: str
    port: int
    setup_code: str | None
    fingerprint: str
    version: str
    upgraded: bool
    previous_version: str | None = None

    @property
    def address(self) -> str:
        """The server's base URL, e.g. ``https://raspberrypi.local:8443``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    @property
    def fingerprint_display(self) -> str:
        """The fingerprint in colon pairs (``92:6F:...``), as the Pi's console prints it."""
        return ":".join(self.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()


@dataclass(slots=True)
class _Sudo:
    """How to run a command as root on this Pi: the prefix and what to feed its stdin."""

    prefix: str
    stdin: str


class Installer:
    """Drives the install steps against one Pi and announces progress.

    Events (``subscribe``): ``StepStarted``, ``StepFinished``, ``StepFailed`` and ``LogLine``.

    Attributes:
        paths: the app's directories (pins, the built-wheel cache).
        known_hosts: the pinned SSH host keys.
        index_url: the package index the Pi downloads dependencies from; the check step makes
            sure the Pi reaches it.
    """

    def __init__(
        self,
        paths: AppPaths,
        *,
        known_hosts: KnownHosts | None = None,
        index_url: str = DEFAULT_INDEX_URL,
        connect_timeout_s: float = 15.0,
        bundle: Bundle | None = None,
    ) -> None:
        """Args:
        paths: the app's directories.
        known_hosts: the pins to use (default: the app's own file under ``paths.config``).
        index_url: where pip on the Pi fetches dependencies.
        connect_timeout_s: how long to wait for the Pi to answer.
        bundle: the files to upload (default: found by ``bundle.find_bundle``).
        """
        self.paths = paths
        self.known_hosts = known_hosts or KnownHosts.for_paths(paths)
        self.index_url = index_url
        self._connect_timeout_s = connect_timeout_s
        self._bundle = bundle
        self._events: Emitter[InstallEvent] = Emitter()
        self._step: Step | None = None
        self._running = False

    def subscribe(self, listener: Callable[[InstallEvent], None]) -> Callable[[], None]:
        """Listens to the installer's events; returns the function that stops listening."""
        return self._events.subscribe(listener)

    # -- the flow ------------------------------------------------------------------------------

    async def run(
        self,
        target: Target,
        credentials: Credentials,
        *,
        confirm_host_key: ConfirmHostKey | None = None,
    ) -> InstallResult:
        """Installs Roost on the Pi, or upgrades it, and starts it.

        Args:
            target: the Pi.
            credentials: the SSH sign-in.
            confirm_host_key: asked "is this your Pi?" when the Pi is new to this computer; on
                True its key is pinned and the run goes on. Without it a new Pi raises
                ``HostKeyUnknown`` (pin with ``known_hosts.trust_blocking`` and run again).

        Returns:
            The running server's address, setup code and certificate fingerprint.

        Raises:
            InstallProblem: what went wrong and what to do (``HostKeyUnknown`` and
                ``HostKeyChanged`` are kinds of it). Nothing on the Pi is half done: a failed
                check changes nothing, and a failed install can be run again.
            asyncio.CancelledError: cancelled; an install already started on the Pi finishes
                there on its own.
        """
        if self._running:
            raise RuntimeError("this installer is already running")
        self._running = True
        try:
            return await self._run(target, credentials, confirm_host_key)
        except InstallProblem as problem:
            # The script's own lines were streamed to the log already; others are news.
            if problem.details and self._step not in _STREAMED_STEPS:
                for line in problem.details.splitlines()[-_LOG_TAIL_LINES:]:
                    self._log(line)
            if self._step is not None:
                self._events.emit(StepFailed(self._step, problem))
            raise
        except asyncio.CancelledError:
            self._log("Cancelled.")
            raise
        finally:
            self._running = False
            self._step = None

    async def _run(
        self, target: Target, credentials: Credentials, confirm: ConfirmHostKey | None
    ) -> InstallResult:
        self._begin(Step.CONNECT)
        conn = await self._connect(target, credentials, confirm)
        async with conn:
            self._begin(Step.CHECK)
            facts, python = await self._check(conn)
            sudo = await self._sudo(conn, credentials, facts)
            check_internet(facts)
            self._log(f"The Pi reaches {self.index_url}.")

            self._begin(Step.UPLOAD)
            bundle = self._bundle or await find_bundle(self.paths, self._threadsafe_log())
            _, directory = await self._upload(conn, bundle)

            self._begin(Step.INSTALL)
            result = await self._install(conn, sudo, bundle, directory, python)
        self._finish()
        return InstallResult(
            host=target.host,
            port=int(result["port"]),
            setup_code=result.get("setup_code") or None,
            fingerprint=_normalise_fingerprint(str(result.get("fingerprint") or "")),
            version=str(result.get("version") or ""),
            upgraded=bool(result.get("upgraded")),
            previous_version=result.get("previous_version") or None,
        )

    # -- steps ---------------------------------------------------------------------------------

    async def _connect(
        self, target: Target, credentials: Credentials, confirm: ConfirmHostKey | None
    ) -> asyncssh.SSHClientConnection:
        host, port = target.host, target.port
        self._log(f"Connecting to {host} port {port} as {credentials.username}.")
        pinned = await asyncio.to_thread(self.known_hosts.pinned_blocking, host, port)
        if not pinned:
            # Ask before any password goes to it: this connection only fetches the key.
            key = await self._fetch_host_key(target)
            unknown = HostKeyUnknown(host, port, key)
            self._log(f"New Pi: its host key is {unknown.fingerprint}.")
            if confirm is None or not await confirm(unknown):
                raise unknown
            await asyncio.to_thread(self.known_hosts.trust_blocking, host, port, key)
            self._log("Host key confirmed and remembered.")
        known = await asyncio.to_thread(self.known_hosts.asyncssh_known_hosts_blocking, host, port)
        client_keys: list[asyncssh.SSHKey] | None = None
        if credentials.key_file is not None:
            client_keys = [await self._read_key(credentials)]
        try:
            conn = await asyncssh.connect(
                host,
                port,
                username=credentials.username,
                password=credentials.password,
                client_keys=client_keys,
                known_hosts=known,
                agent_path=None,
                config=None,
                connect_timeout=self._connect_timeout_s,
                keepalive_interval=15,
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            raise await self._changed_key(target) from exc
        except asyncssh.PermissionDenied as exc:
            if credentials.password is None:
                raise problems.key_rejected(credentials.username, str(exc)) from exc
            raise problems.wrong_password(credentials.username, str(exc)) from exc
        except (OSError, asyncssh.Error) as exc:
            raise _network_problem(exc, host) from exc
        self._log("Connected.")
        return conn

    async def _fetch_host_key(self, target: Target) -> asyncssh.SSHKey:
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                key = await asyncssh.get_server_host_key(target.host, target.port, config=None)
        except (OSError, asyncssh.Error) as exc:
            raise _network_problem(exc, target.host) from exc
        if key is None:
            raise problems.unreachable(target.host, "the Pi sent no host key")
        return key

    async def _changed_key(self, target: Target) -> HostKeyChanged:
        pinned = await asyncio.to_thread(self.known_hosts.pinned_blocking, target.host, target.port)
        presented = ""
        with contextlib.suppress(InstallProblem):
            presented = fingerprint(await self._fetch_host_key(target))
        return HostKeyChanged(target.host, target.port, presented, [fingerprint(k) for k in pinned])

    async def _read_key(self, credentials: Credentials) -> asyncssh.SSHKey:
        assert credentials.key_file is not None
        try:
            return await asyncio.to_thread(
                asyncssh.read_private_key, credentials.key_file, credentials.passphrase
            )
        except (OSError, asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
            raise problems.key_unusable(f"{credentials.key_file}: {exc}") from exc

    async def _check(self, conn: asyncssh.SSHClientConnection) -> tuple[PiFacts, str]:
        r = await self._run_remote(
            conn, f"sh -s -- {shlex.quote(self.index_url)}", input=CHECK_SCRIPT
        )
        output = _text(r.stdout)
        for line in output.splitlines():
            self._log(line)
        facts = parse_facts(output)
        python = check_system(facts, _text(r.stderr))  # stdout is in the log already
        self._log(f"Using {python.path} (Python {python.version_text}).")
        if facts.installed_version:
            self._log(f"Roost {facts.installed_version} is installed; it will be upgraded.")
        return facts, python.path

    async def _sudo(
        self, conn: asyncssh.SSHClientConnection, credentials: Credentials, facts: PiFacts
    ) -> _Sudo:
        if facts.sudo_nopasswd:
            self._log("sudo works without a password.")
            return _Sudo("sudo -n", "")
        password = credentials.sudo_password or credentials.password
        if not password:
            raise problems.sudo_password_needed(credentials.username)
        # LC_ALL=C: sudo's messages, which the classification below reads, in English.
        r = await self._run_remote(conn, "LC_ALL=C sudo -S -p '' true", input=password + "\n")
        if r.exit_status == 0:
            self._log("sudo works with the password.")
            return _Sudo("sudo -S -p ''", password + "\n")
        err = _text(r.stderr)
        if "incorrect password" in err or "Sorry, try again" in err:
            raise problems.sudo_password_wrong(credentials.username, err)
        raise problems.no_sudo(credentials.username, err)

    async def _upload(self, conn: asyncssh.SSHClientConnection, bundle: Bundle) -> tuple[str, str]:
        """Copies the bundle into a fresh directory in the user's home.

        The home and not /tmp: SFTP and the shell agree on relative paths, and root may write
        the install log there (Debian protects files of others in sticky /tmp).

        Returns:
            The directory relative to the home (for SFTP) and absolute (for the shell).
        """
        await self._run_remote(
            conn,
            f"find . -maxdepth 1 -name '.roost-install.*' -mmin +{_STALE_UPLOAD_MIN} "
            "-exec rm -rf {} + 2>/dev/null; true",
        )
        r = await self._run_remote(
            conn, 'd=$(mktemp -d .roost-install.XXXXXX) && echo "$d" && cd "$d" && pwd'
        )
        lines = _text(r.stdout).split()
        if r.exit_status != 0 or len(lines) != 2:
            raise problems.upload_failed(_text(r.stderr))
        rel, absolute = lines
        try:
            async with conn.start_sftp_client() as sftp:
                for local in (bundle.wheel, bundle.install_script, bundle.unit):
                    self._log(f"Copying {local.name} ({local.stat().st_size // 1024} KB).")
                    await sftp.put(str(local), f"{rel}/{local.name}")
        except (OSError, asyncssh.SFTPError) as exc:
            await self._remove(conn, rel)
            raise problems.upload_failed(str(exc)) from exc
        except BaseException:
            await asyncio.shield(self._remove(conn, rel))
            raise
        return rel, absolute

    async def _install(
        self,
        conn: asyncssh.SSHClientConnection,
        sudo: _Sudo,
        bundle: Bundle,
        directory: str,
        python: str,
    ) -> dict[str, Any]:
        """Starts install.sh detached as root and follows its log until it ends.

        Returns:
            The ROOST-RESULT object.
        """
        q = shlex.quote
        script = " ".join(
            [
                "setsid sh",
                q(f"{directory}/{bundle.install_script.name}"),
                "--wheel",
                q(f"{directory}/{bundle.wheel.name}"),
                "--unit",
                q(f"{directory}/{bundle.unit.name}"),
                "--python",
                q(python),
                # Only when asked for: otherwise the Pi's own pip configuration holds (on
                # 32-bit Raspberry Pi OS it adds piwheels, which has wheels for armv7l).
                *(
                    ["--index-url", q(self.index_url)]
                    if self.index_url != DEFAULT_INDEX_URL
                    else []
                ),
                ">install.log 2>&1 </dev/null & echo $!",
            ]
        )
        r = await self._run_remote(
            conn,
            f"cd {q(directory)} && : >install.log && LC_ALL=C {sudo.prefix} sh -c {q(script)}",
            input=sudo.stdin,
        )
        pid = _text(r.stdout).strip()
        if r.exit_status != 0 or not pid.isdigit():
            await self._remove(conn, directory)
            raise problems.install_failed(_text(r.stdout) + _text(r.stderr))
        self._log(f"The installation runs on the Pi (process {pid}).")

        log_tail: list[str] = []
        result: dict[str, Any] | None = None
        failure: str | None = None
        try:
            # --pid: tail ends once install.sh has ended and its last lines are out.
            async with conn.create_process(
                f"tail -n +1 -f --pid={pid} {q(directory + '/install.log')}", encoding="utf-8"
            ) as proc:
                async for raw in proc.stdout:
                    line = raw.rstrip("\r\n")
                    if not line.strip():
                        continue
                    log_tail = [*log_tail[-(_LOG_TAIL_LINES - 1) :], line]
                    if line.startswith(STEP_MARK):
                        step = _STEP_BY_MARK.get(line[len(STEP_MARK) :].strip())
                        if step is not None and step != self._step:
                            self._begin(step)
                    elif line.startswith(RESULT_MARK):
                        result = _parse_result(line[len(RESULT_MARK) :])
                    else:
                        if line.startswith(FAILED_MARK):
                            failure = line[len(FAILED_MARK) :]
                        self._log(line)
        except (asyncssh.Error, OSError) as exc:
            self._log(_CARRIES_ON)
            raise problems.connection_lost(str(exc)) from exc
        except asyncio.CancelledError:
            self._log(_CARRIES_ON)
            raise
        await self._remove(conn, directory)
        details = "\n".join(log_tail)
        if failure is not None:
            raise _script_problem(failure, details)
        if result is None:
            raise problems.install_failed("the installation stopped without a result\n" + details)
        return result

    async def _remove(self, conn: asyncssh.SSHClientConnection, directory: str) -> None:
        with contextlib.suppress(asyncssh.Error, OSError):
            await conn.run(f"rm -rf {shlex.quote(directory)}", check=False)

    # -- helpers -------------------------------------------------------------------------------

    async def _run_remote(
        self, conn: asyncssh.SSHClientConnection, command: str, input: str | None = None
    ) -> asyncssh.SSHCompletedProcess:
        try:
            return await conn.run(command, input=input, check=False)
        except (asyncssh.Error, OSError) as exc:
            raise problems.connection_lost(str(exc)) from exc

    def _begin(self, step: Step) -> None:
        if self._step is not None:
            self._events.emit(StepFinished(self._step))
        self._step = step
        self._events.emit(StepStarted(step))

    def _finish(self) -> None:
        if self._step is not None:
            self._events.emit(StepFinished(self._step))
        self._step = None

    def _log(self, text: str) -> None:
        self._events.emit(LogLine(text))

    def _threadsafe_log(self) -> Callable[[str], None]:
        """A log function for worker threads: listeners still run on the event loop."""
        loop = asyncio.get_running_loop()

        def log(text: str) -> None:
            loop.call_soon_threadsafe(self._log, text)

        return log


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _normalise_fingerprint(text: str) -> str:
    fp = text.replace(":", "").replace(" ", "").lower()
    if len(fp) != 64 or any(c not in "0123456789abcdef" for c in fp):
        raise problems.install_failed(f"the server reported no valid fingerprint: {text!r}")
    return fp


def _parse_result(payload: str) -> dict[str, Any]:
    try:
        result = json.loads(payload)
    except ValueError as exc:
        raise problems.install_failed(f"unreadable result: {payload}") from exc
    if not isinstance(result, dict) or not isinstance(result.get("port"), int):
        raise problems.install_failed(f"unreadable result: {payload}")
    return result


def _script_problem(failure: str, details: str) -> InstallProblem:
    reason = failure.split(" ", 1)[0]
    if reason == "busy":
        return problems.install_busy(details)
    if reason == "pip":
        return problems.download_failed(details)
    if reason == "no-venv":
        return problems.no_venv(details)
    if reason in ("systemd", "not-started", "not-healthy", "info"):
        return problems.not_started(details)
    return problems.install_failed(details)


def _network_problem(exc: OSError | asyncssh.Error, host: str) -> InstallProblem:
    """Maps a failure to reach the Pi onto what the user can do about it."""
    if isinstance(exc, socket.gaierror):
        return problems.host_not_found(host, str(exc))
    if isinstance(exc, ConnectionRefusedError):
        return problems.ssh_refused(host, str(exc))
    if isinstance(exc, asyncssh.ConnectionLost):
        return problems.connection_lost(str(exc))
    return problems.unreachable(host, f"{type(exc).__name__}: {exc}")
