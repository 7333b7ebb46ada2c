"""A sandbox Raspberry Pi for the installer's tests: a real SSH server whose commands really run.

``sandbox_pi()`` starts an in-process asyncssh server on loopback (user ``pi``, password
``raspberry``, or a key) whose sessions run each command with ``/bin/sh`` in a sandbox directory:
HOME is the sandbox's ``home/pi``, SFTP is jailed (chroot) to that same directory, and PATH starts
with a ``bin/`` of stand-ins. Stand-ins exist only at the edge of what a test may touch:

* ``sudo`` runs the command as the same user (policy: no password, with the password, refused);
* ``systemctl`` starts the unit's ExecStart (the installed venv's ``roost-server run``) in the
  background with its paths under the sandbox prefix, records the PID and stops it by that PID;
* ``useradd``/``id``/``runuser``/``chown`` keep the ``roost`` user inside the sandbox;
* ``journalctl`` shows what the systemctl stand-in's service printed; ``ufw`` records rules;
* ``df`` reports a full disk when told to; ``/etc/os-release`` is a file under the prefix.

Everything else is real: ``python3 -m venv``, pip, the server, TLS. The Pi's "internet" is a
package index on loopback serving a wheelhouse of the server's dependencies (built once and
cached); ``cut_internet()`` takes it down. The Roost wheel itself is never in it: it must be the
one the installer uploads. System paths (/opt, /etc, /var/lib, /run) live under ``ROOST_PREFIX``
= ``<sandbox>/fs``, which install.sh and the check script honour.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
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
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import asyncssh

USERNAME = "pi"
PASSWORD = "raspberry"
SERVICE = "roost-server.service"
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"

RASPBERRY_PI_OS_12 = """\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
"""
DEBIAN_11 = """\
PRETTY_NAME="Raspbian GNU/Linux 11 (bullseye)"
NAME="Raspbian GNU/Linux"
VERSION_ID="11"
VERSION_CODENAME=bullseye
ID=raspbian
ID_LIKE=debian
"""

_SUDO = r"""#!/bin/sh
# Stand-in for sudo: the policy is in $SANDBOX_STATE/sudo ("nopasswd", "password" or "refuse",
# which like real sudo asks for the password first). The command runs as the same user, with the
# environment reset the way sudo's env_reset does, keeping only what makes the sandbox.
policy=$(cat "$SANDBOX_STATE/sudo")
nonint=0
stdin=0
while [ $# -gt 0 ]; do
    case "$1" in
        -n) nonint=1; shift ;;
        -S) stdin=1; shift ;;
        -p) shift 2 ;;
        --) shift; break ;;
        -*) echo "sudo (stand-in): unsupported option $1" >&2; exit 1 ;;
        *) break ;;
    esac
done
if [ "$policy" != nopasswd ]; then
    if [ "$nonint" = 1 ]; then echo "sudo: a password is required" >&2; exit 1; fi
    if [ "$stdin" = 0 ]; then
        echo "sudo: a terminal is required to read the password" >&2
        exit 1
    fi
    IFS= read -r given || given=""
    if [ "$given" != "$(cat "$SANDBOX_STATE/password")" ]; then
        echo "sudo: 1 incorrect password attempt" >&2
        exit 1
    fi
    if [ "$policy" = refuse ]; then echo "$USER is not in the sudoers file." >&2; exit 1; fi
fi
exec env -i PATH="$PATH" HOME="$SANDBOX_ROOT_HOME" USER=root LOGNAME=root LANG=C.UTF-8 \
    ROOST_PREFIX="$ROOST_PREFIX" SANDBOX_STATE="$SANDBOX_STATE" SANDBOX_ID="$SANDBOX_ID" \
    SANDBOX_ROOT_HOME="$SANDBOX_ROOT_HOME" SANDBOX_AS_ROOT=1 PIP_CONFIG_FILE=/dev/null "$@"
"""

_ID = r"""#!/bin/sh
# Stand-in for id: users made by the useradd stand-in exist; under the sudo stand-in `id -u` is 0.
if [ "$#" -eq 1 ] && [ "$1" = -u ] && [ "${SANDBOX_AS_ROOT:-}" = 1 ]; then echo 0; exit 0; fi
last=""
for a in "$@"; do last=$a; done
case "$last" in
    "" | -*) exec @ID@ "$@" ;;
esac
if grep -qx "$last" "$SANDBOX_STATE/users" 2>/dev/null; then
    case "$1" in
        -u | -g) echo 990 ;;
        *) echo "uid=990($last) gid=990($last) groups=990($last)" ;;
    esac
    exit 0
fi
echo "id: '$last': no such user" >&2
exit 1
"""

_USERADD = r"""#!/bin/sh
# Stand-in for useradd: the user (the last argument) is recorded in the sandbox only.
[ "${SANDBOX_AS_ROOT:-}" = 1 ] || { echo "useradd: Permission denied." >&2; exit 1; }
for a in "$@"; do last=$a; done
echo "$last" >>"$SANDBOX_STATE/users"
"""

_RUNUSER = r"""#!/bin/sh
# Stand-in for `runuser -u USER -- CMD`: USER must exist in the sandbox; CMD runs as is.
[ "$1" = -u ] || { echo "runuser (stand-in): only -u USER -- CMD" >&2; exit 1; }
user=$2
shift 2
[ "$1" = -- ] && shift
if ! grep -qx "$user" "$SANDBOX_STATE/users" 2>/dev/null; then
    echo "runuser: user $user does not exist" >&2
    exit 1
fi
exec "$@"
"""

_CHOWN = r"""#!/bin/sh
# Stand-in for chown: sandbox users own nothing real; the user and the paths must exist.
spec=$1
shift
user=${spec%%:*}
if [ "$user" != root ] && ! grep -qx "$user" "$SANDBOX_STATE/users" 2>/dev/null; then
    echo "chown: invalid user: '$spec'" >&2
    exit 1
fi
for f in "$@"; do [ -e "$f" ] || { echo "chown: cannot access '$f'" >&2; exit 1; }; done
"""

_DF = r"""#!/bin/sh
# Stand-in for df: the real one, unless the sandbox says the disk is (nearly) full.
if [ -f "$SANDBOX_STATE/disk_free_kb" ]; then
    free=$(cat "$SANDBOX_STATE/disk_free_kb")
    echo "Filesystem     1024-blocks     Used Available Capacity Mounted on"
    echo "/dev/mmcblk0p2    30000000 29900000 $free 100% /"
    exit 0
fi
exec @DF@ "$@"
"""

_UFW = r"""#!/bin/sh
# Stand-in for ufw: active when $SANDBOX_STATE/ufw exists; rules are recorded, not applied.
if [ "${SANDBOX_AS_ROOT:-}" != 1 ]; then
    echo "ERROR: You need to be root to run this script" >&2
    exit 1
fi
case "$1" in
    status)
        if [ -f "$SANDBOX_STATE/ufw" ]; then echo "Status: active"; else echo "Status: inactive"; fi
        ;;
    allow)
        shift
        echo "allow $*" >>"$SANDBOX_STATE/ufw"
        echo "Rule added"
        ;;
    *) echo "ufw (stand-in): unsupported command $1" >&2; exit 1 ;;
esac
"""

_JOURNALCTL = r"""#!/bin/sh
# Stand-in for `journalctl -u UNIT -n N --no-pager`: the output the systemctl stand-in kept.
unit=""
lines=10
while [ $# -gt 0 ]; do
    case "$1" in
        -u) unit=$2; shift 2 ;;
        -n) lines=$2; shift 2 ;;
        *) shift ;;
    esac
done
tail -n "$lines" "$SANDBOX_STATE/systemd/$unit.log" 2>/dev/null
"""

_SYSTEMCTL = r'''#!@PYTHON@
"""Stand-in for systemctl: a unit's ExecStart runs in the background, paths under the prefix."""
import os, shlex, signal, subprocess, sys, time
from pathlib import Path

PREFIX = os.environ["ROOST_PREFIX"]
STATE = Path(os.environ["SANDBOX_STATE"]) / "systemd"
STATE.mkdir(exist_ok=True)


def under_prefix(arg):
    return PREFIX + arg if arg.startswith(("/opt/", "/etc/", "/var/")) else arg


def parse(unit):
    path = Path(PREFIX + "/etc/systemd/system/" + unit)
    if not path.is_file():
        return None
    out = {"ExecStart": "", "Environment": [], "EnvironmentFile": []}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if not sep or key.startswith("#"):
            continue
        if key == "ExecStart":
            out["ExecStart"] = value
        elif key in ("Environment", "EnvironmentFile"):
            out[key].append(value)
    return out


def pid_of(unit):
    try:
        pid = int((STATE / (unit + ".pid")).read_text())
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    return None if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X") else pid


def start(unit):
    if pid_of(unit):
        return 0
    spec = parse(unit)
    if spec is None:
        print(f"Failed to start {unit}: Unit {unit} not found.", file=sys.stderr)
        return 5
    env = {k: v for k, v in os.environ.items() if k != "SANDBOX_AS_ROOT"}
    for item in spec["Environment"]:
        for pair in shlex.split(item):
            k, _, v = pair.partition("=")
            env[k] = v
    for item in spec["EnvironmentFile"]:
        optional = item.startswith("-")
        path = Path(under_prefix(item.lstrip("-")))
        if not path.is_file():
            if optional:
                continue
            print(f"Failed to load environment file {path}", file=sys.stderr)
            return 1
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, _, v = line.partition("=")
                env[k.strip()] = v.strip().strip('"')
    argv = [under_prefix(a) for a in shlex.split(spec["ExecStart"])]
    with open(STATE / (unit + ".log"), "ab") as log:
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True, cwd="/")
    (STATE / (unit + ".pid")).write_text(str(proc.pid))
    proc.returncode = 0  # it is the service's now; do not wait for it when this process ends
    return 0


def stop(unit):
    pid = pid_of(unit)
    if pid:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while pid_of(unit) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_of(unit):
            os.kill(pid, signal.SIGKILL)
    (STATE / (unit + ".pid")).unlink(missing_ok=True)
    return 0


def main(args):
    with open(STATE / "calls", "a") as calls:
        calls.write(" ".join(args) + "\n")
    if os.environ.get("SANDBOX_AS_ROOT") != "1" and args[:1] not in (["is-active"], ["is-enabled"]):
        print("Failed: Access denied (run it with sudo)", file=sys.stderr)
        return 1
    quiet = "--quiet" in args or "-q" in args
    now = "--now" in args
    args = [a for a in args if not a.startswith("-")]
    command, units = args[0], args[1:]
    rc = 0
    if command == "daemon-reload":
        return 0
    for unit in units:
        if command == "enable":
            (STATE / (unit + ".enabled")).touch()
            rc = rc or (start(unit) if now else 0)
        elif command == "disable":
            (STATE / (unit + ".enabled")).unlink(missing_ok=True)
            rc = rc or (stop(unit) if now else 0)
        elif command == "start":
            rc = rc or start(unit)
        elif command == "stop":
            rc = rc or stop(unit)
        elif command == "restart":
            stop(unit)
            rc = rc or start(unit)
        elif command == "is-active":
            active = pid_of(unit) is not None
            if not quiet:
                print("active" if active else "inactive")
            rc = rc or (0 if active else 3)
        elif command == "is-enabled":
            enabled = (STATE / (unit + ".enabled")).exists()
            if not quiet:
                print("enabled" if enabled else "disabled")
            rc = rc or (0 if enabled else 1)
        else:
            print(f"systemctl (stand-in): unsupported command {command}", file=sys.stderr)
            return 1
    return rc


sys.exit(main(sys.argv[1:]))
'''


def _pi_python_blocking() -> str:
    """A real interpreter the sandbox Pi runs as ``python3``: the system's if it is one Roost
    supports (as on Raspberry Pi OS 12), otherwise the one running the tests."""
    candidate = shutil.which("python3", path="/usr/bin:/bin")
    if candidate:
        probe = subprocess.run(
            [
                candidate,
                "-c",
                "import sys, ensurepip, venv; sys.exit(not (3, 11) <= sys.version_info < (3, 14))",
            ],
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return candidate
    return str(Path(getattr(sys, "_base_executable", sys.executable)).resolve())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -- the Pi's "internet": a package index on loopback --------------------------------------------


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _wheel_requirements(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(meta).decode()
    return sorted(line for line in text.splitlines() if line.startswith("Requires-Dist:"))


def build_wheelhouse_blocking(wheel: Path, cache: Path) -> Path:
    """Wheels of everything ``wheel[server]`` needs, for the sandbox Pi's interpreter, built once
    per set of requirements into ``cache`` (the roost wheel itself is left out).

    This is the one step that reaches the test machine's own package index.
    """
    python = _pi_python_blocking()
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    key = hashlib.sha256(("\n".join(_wheel_requirements(wheel)) + version).encode()).hexdigest()
    house = cache / key[:16]
    if (house / "COMPLETE").exists():
        return house
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        venv = Path(scratch) / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True)
        out = Path(scratch) / "wheels"
        subprocess.run(
            [str(venv / "bin" / "pip"), "wheel", "-q", "-w", str(out), f"{wheel}[server]"],
            check=True,
            capture_output=True,
            timeout=600,
        )
        for own in out.glob("roost-*.whl"):
            own.unlink()
        (out / "COMPLETE").write_text("")
        with contextlib.suppress(OSError):  # a parallel run finished first: theirs is the same
            out.rename(house)
    return house


class PackageIndex:
    """A PEP 503 "simple" index of a wheelhouse, over HTTP on loopback, in a thread."""

    def __init__(self, wheelhouse: Path) -> None:
        files = {p.name: p for p in wheelhouse.glob("*.whl")}
        projects: dict[str, list[str]] = {}
        for name in files:
            projects.setdefault(_normalise(name.split("-")[0]), []).append(name)

        class Handler(BaseHTTPRequestHandler):
            def _body(self) -> bytes | None:
                parts = [p for p in self.path.split("?")[0].split("/") if p]
                if parts == ["simple"]:
                    links = "".join(f'<a href="/simple/{p}/">{p}</a>\n' for p in sorted(projects))
                    return f"<html><body>{links}</body></html>".encode()
                if len(parts) == 2 and parts[0] == "simple" and parts[1] in projects:
                    links = "".join(
                        f'<a href="/files/{html.escape(n)}">{html.escape(n)}</a>\n'
                        for n in sorted(projects[parts[1]])
                    )
                    return f"<html><body>{links}</body></html>".encode()
                if len(parts) == 2 and parts[0] == "files" and parts[1] in files:
                    return files[parts[1]].read_bytes()
                return None

            def _answer(self, with_body: bool) -> None:
                body = self._body()
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                ctype = "text/html" if self.path.startswith("/simple") else "application/zip"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self._answer(True)

            def do_HEAD(self) -> None:
                self._answer(False)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/simple/"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="sandbox-pypi", daemon=True
        )
        self._thread.start()
        self.up = True

    def close(self) -> None:
        if self.up:
            self.up = False
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(10)


# -- the SSH server --------------------------------------------------------------------------


@dataclass
class SandboxPi:
    """A fake Pi whose commands really run in ``root``.

    Attributes:
        root: the sandbox directory.
        home: the user's home: SSH sessions start here; SFTP is jailed to it.
        prefix: ``ROOST_PREFIX``, the Pi's /opt, /etc, /var/lib and /run live under it.
        ssh_port: where the SSH server listens on 127.0.0.1.
        roost_port: the port the installed server will listen on (from roost.env).
        host_key: the SSH host key (replace it with ``replace_host_key``).
        client_key_file: a private key the server accepts for ``pi``.
        index: the Pi's "internet" (its package index).
    """

    root: Path
    home: Path
    prefix: Path
    bin: Path
    state: Path
    ssh_port: int
    roost_port: int
    host_key: asyncssh.SSHKey
    client_key_file: Path
    index: PackageIndex
    sandbox_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    password: str = PASSWORD
    _server: asyncssh.SSHAcceptor | None = None

    @property
    def index_url(self) -> str:
        return self.index.url

    @property
    def known_hosts_line(self) -> str:
        public = self.host_key.export_public_key("openssh").decode().strip()
        return f"[127.0.0.1]:{self.ssh_port} {public}"

    @property
    def cert_path(self) -> Path:
        return self.prefix / "var/lib/roost/tls-cert.pem"

    @property
    def data_dir(self) -> Path:
        return self.prefix / "var/lib/roost"

    @property
    def venv(self) -> Path:
        return self.prefix / "opt/roost/venv"

    # -- fixtures for the failure cases --------------------------------------------------------

    def set_sudo(self, policy: str) -> None:
        """``nopasswd`` (Raspberry Pi OS's default), ``password`` or ``refuse``."""
        assert policy in ("nopasswd", "password", "refuse")
        (self.state / "sudo").write_text(policy)

    def set_os_release(self, text: str) -> None:
        (self.prefix / "etc/os-release").write_text(text)

    def set_disk_free_kb(self, free_kb: int | None) -> None:
        path = self.state / "disk_free_kb"
        if free_kb is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(str(free_kb))

    def enable_firewall(self) -> None:
        """ufw is active (the install must open the server's port)."""
        (self.state / "ufw").write_text("")

    def firewall_rules(self) -> list[str]:
        try:
            return (self.state / "ufw").read_text().splitlines()
        except FileNotFoundError:
            return []

    def cut_internet(self) -> None:
        self.index.close()

    async def replace_host_key(self) -> asyncssh.SSHKey:
        """The Pi gets a new host key (its card was rewritten, or an impostor took its place)."""
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        await self._stop_ssh()
        await self._start_ssh()
        return self.host_key

    # -- what the tests look at ----------------------------------------------------------------

    def server_pid(self) -> int | None:
        """The PID of the server the systemctl stand-in started, if it still runs."""
        try:
            pid = int((self.state / "systemd" / f"{SERVICE}.pid").read_text())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def systemctl_calls(self) -> list[str]:
        try:
            return (self.state / "systemd" / "calls").read_text().splitlines()
        except FileNotFoundError:
            return []

    def server_log(self) -> str:
        try:
            return (self.state / "systemd" / f"{SERVICE}.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tree(self) -> set[str]:
        """Every path under the sandbox's system root and home (to prove nothing changed)."""
        out = set()
        for base in (self.prefix, self.home):
            for p in base.rglob("*"):
                out.add(str(p.relative_to(self.root)))
        return out

    # -- plumbing ------------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        return {
            "PATH": f"{self.bin}:{SYSTEM_PATH}",
            "HOME": str(self.home),
            "USER": USERNAME,
            "LOGNAME": USERNAME,
            "SHELL": "/bin/sh",
            "LANG": "C.UTF-8",
            "ROOST_PREFIX": str(self.prefix),
            "SANDBOX_STATE": str(self.state),
            "SANDBOX_ID": self.sandbox_id,
            "SANDBOX_ROOT_HOME": str(self.root / "root-home"),
            # The Pi has no pip configuration of this test machine's.
            "PIP_CONFIG_FILE": os.devnull,
        }

    async def _handle(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        """Runs the session's command for real; output is pumped to EOF before the exit status
        goes out (``process.redirect`` + ``wait`` races: RECIPES §6)."""
        proc = await asyncio.create_subprocess_exec(
            "/bin/sh",
            "-c",
            process.command or "sh",
            cwd=self.home,
            env=self._env(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        stdin = proc.stdin

        async def feed() -> None:
            with contextlib.suppress(OSError, asyncssh.Error):
                while chunk := await process.stdin.read(65536):
                    stdin.write(chunk)
                    await stdin.drain()
            stdin.close()

        async def pump(src: asyncio.StreamReader, dst: asyncssh.SSHWriter[bytes]) -> None:
            while chunk := await src.read(65536):
                dst.write(chunk)

        feeder = asyncio.create_task(feed(), name="sandbox-ssh-stdin")
        rc = 255
        try:
            await asyncio.gather(
                pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)
            )
            rc = await proc.wait()
        except (OSError, asyncssh.Error):
            pass  # the client went away: the command ends with it, as under sshd
        finally:
            feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feeder
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        with contextlib.suppress(OSError, asyncssh.Error):
            process.exit(rc if rc >= 0 else 128 - rc)

    async def _start_ssh(self) -> None:
        pi = self
        client_key = asyncssh.read_private_key(self.client_key_file)

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                return username == USERNAME and password == pi.password

            def public_key_auth_supported(self) -> bool:
                return True

            def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
                return username == USERNAME and key.public_data == client_key.public_data

        self._server = await asyncssh.create_server(
            Server,
            "127.0.0.1",
            self.ssh_port,
            server_host_keys=[self.host_key],
            encoding=None,
            process_factory=self._handle,
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(self.home).encode()),
            allow_scp=False,
        )
        self.ssh_port = self._server.sockets[0].getsockname()[1]

    async def _stop_ssh(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def kill_everything_blocking(self) -> None:
        """Ends every process this sandbox started (found by its SANDBOX_ID), by PID."""
        marker = f"SANDBOX_ID={self.sandbox_id}".encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in pids:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _write_standins(bin_dir: Path) -> None:
    real_id = shutil.which("id", path=SYSTEM_PATH) or "/usr/bin/id"
    real_df = shutil.which("df", path=SYSTEM_PATH) or "/bin/df"
    scripts = {
        "sudo": _SUDO,
        "id": _ID.replace("@ID@", real_id),
        "useradd": _USERADD,
        "runuser": _RUNUSER,
        "chown": _CHOWN,
        "df": _DF.replace("@DF@", real_df),
        "journalctl": _JOURNALCTL,
        "ufw": _UFW,
        "systemctl": _SYSTEMCTL.replace("@PYTHON@", sys.executable),
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(0o755)


def make_sandbox_blocking(root: Path, wheelhouse: Path) -> SandboxPi:
    """Lays out the sandbox (not yet serving SSH): directories, stand-ins, roost.env with a free
    loopback port and no mDNS, Raspberry Pi OS 12's os-release, passwordless sudo."""
    home, prefix, bin_dir, state = root / "home/pi", root / "fs", root / "bin", root / "state"
    for d in (home, prefix / "etc/roost", prefix / "opt", bin_dir, state, root / "root-home"):
        d.mkdir(parents=True, exist_ok=True)
    _write_standins(bin_dir)
    python = _pi_python_blocking()
    if Path(python).parent not in (Path("/usr/bin"), Path("/bin")):
        (bin_dir / "python3").symlink_to(python)  # the real interpreter, under its usual name
    roost_port = free_port()
    # Only loopback and no multicast from tests; the installer keeps an existing roost.env.
    (prefix / "etc/roost/roost.env").write_text(
        f"ROOST_PORT={roost_port}\nROOST_HOST=127.0.0.1\nROOST_MDNS=false\n"
    )
    (state / "password").write_text(PASSWORD)
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = root / "client_ed25519"
    client_key.write_private_key(str(key_file))
    key_file.chmod(0o600)
    pi = SandboxPi(
        root=root,
        home=home,
        prefix=prefix,
        bin=bin_dir,
        state=state,
        ssh_port=0,
        roost_port=roost_port,
        host_key=asyncssh.generate_private_key("ssh-ed25519"),
        client_key_file=key_file,
        index=PackageIndex(wheelhouse),
    )
    pi.set_sudo("nopasswd")
    pi.set_os_release(RASPBERRY_PI_OS_12)
    return pi


@contextlib.asynccontextmanager
async def sandbox_pi(root: Path, wheelhouse: Path) -> AsyncIterator[SandboxPi]:
    """A sandbox Pi serving SSH on 127.0.0.1; at exit every process it started is ended by PID."""
    pi = await asyncio.to_thread(make_sandbox_blocking, root, wheelhouse)
    try:
        await pi._start_ssh()
        yield pi
    finally:
        await pi._stop_ssh()
        await asyncio.to_thread(pi.kill_everything_blocking)
        pi.index.close()


def patched_wheel_blocking(wheel: Path, dest_dir: Path, marker: str) -> Path:
    """A copy of ``wheel`` (same name and version) that also carries ``server/<marker>``: proof
    that an upgrade installed the uploaded wheel, not the one already there."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    out = dest_dir / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith(".dist-info/RECORD"):
                data += f"server/{marker},,\n".encode()
            dst.writestr(item, data)
        dst.writestr(f"server/{marker}", marker)
    return out
