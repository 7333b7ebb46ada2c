"""Checks before installing: what the Pi reports about itself, and whether Roost can run there."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.provision import problems

# Interpreters Roost runs on (pyproject: requires-python = ">=3.11,<3.14").
PYTHON_MIN = (3, 11)
PYTHON_BELOW = (3, 14)
SUPPORTED_ARCHS = frozenset({"aarch64", "armv7l", "x86_64"})
# The venv with its dependencies takes about 150 MB; pip needs room to unpack besides, and the
# server refuses uploads below 512 MB free anyway. Below this an install would only half succeed.
MIN_DISK_BYTES = 500 * 1024**2
# MemTotal of a Pi Zero 2 W (512 MB) is about 420 MB; the server with argon2 logins fits in it.
MIN_MEMORY_BYTES = 384 * 1024**2

# Runs on the Pi as the SSH user (``sh -s -- INDEX_URL``); prints one ``key=value`` per line.
# Every path under /etc and /opt honours ROOST_PREFIX as install.sh does (staging and tests).
CHECK_SCRIPT = r"""
P="${ROOST_PREFIX:-}"
INDEX_URL="$1"
echo "arch=$(uname -m)"
if [ -r "$P/etc/os-release" ]; then
    (
        . "$P/etc/os-release"
        echo "os_id=${ID:-}"
        echo "os_version=${VERSION_ID:-}"
        echo "os_name=${PRETTY_NAME:-${NAME:-}}"
    )
fi
for c in python3 python3.13 python3.12 python3.11; do
    p=$(command -v "$c" 2>/dev/null) || continue
    v=$("$p" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) || continue
    venv=no
    "$p" -c 'import ensurepip, venv' >/dev/null 2>&1 && venv=yes
    echo "python=$p $v $venv"
done
if command -v apt-get >/dev/null 2>&1; then echo "apt=yes"; else echo "apt=no"; fi
d="$P/opt"
while [ ! -d "$d" ]; do d=$(dirname "$d"); done
df -Pk "$d" | awk 'NR == 2 { print "disk_free_kb=" $4 }'
awk '/^MemTotal:/ { print "mem_total_kb=" $2 }' /proc/meminfo
s="$P/opt/roost/venv/bin/roost-server"
if [ -x "$s" ]; then
    echo "installed=$("$s" --version 2>/dev/null | sed -n 's/^roost-server //p')"
fi
if sudo -n true >/dev/null 2>&1; then echo "sudo_nopasswd=yes"; else echo "sudo_nopasswd=no"; fi
py=$(command -v python3 || command -v python3.11 || true)
if [ -n "$py" ]; then
    "$py" -c '
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="HEAD"), timeout=15).close()
    print("internet=ok")
except urllib.error.HTTPError:
    print("internet=ok")  # an answer, even an error page, means the way there is open
except Exception as exc:
    print("internet=fail %s: %s" % (type(exc).__name__, str(exc).replace("\n", " ")))
' "$INDEX_URL"
fi
"""


@dataclass(frozen=True, slots=True)
class PythonFound:
    """An interpreter on the Pi.

    Attributes:
        path: where it is.
        version: (major, minor, micro).
        has_venv: ``venv`` and ``ensurepip`` import (Debian ships them separately).
    """

    path: str
    version: tuple[int, int, int]
    has_venv: bool

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


@dataclass(slots=True)
class PiFacts:
    """What the check script found; unknown values stay empty or None."""

    arch: str = ""
    os_id: str = ""
    os_version: str = ""
    os_name: str = ""
    pythons: list[PythonFound] = field(default_factory=list)
    has_apt: bool = False
    disk_free_bytes: int | None = None
    mem_total_bytes: int | None = None
    installed_version: str | None = None
    sudo_nopasswd: bool = False
    internet: str = ""


def parse_facts(text: str) -> PiFacts:
    """Reads the check script's output. Lines it does not know are ignored."""
    facts = PiFacts()
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        if key == "arch":
            facts.arch = value
        elif key == "os_id":
            facts.os_id = value.lower()
        elif key == "os_version":
            facts.os_version = value
        elif key == "os_name":
            facts.os_name = value
        elif key == "python":
            found = _parse_python(value)
            if found is not None:
                facts.pythons.append(found)
        elif key == "apt":
            facts.has_apt = value == "yes"
        elif key == "disk_free_kb" and value.isdigit():
            facts.disk_free_bytes = int(value) * 1024
        elif key == "mem_total_kb" and value.isdigit():
            facts.mem_total_bytes = int(value) * 1024
        elif key == "installed" and value:
            facts.installed_version = value
        elif key == "sudo_nopasswd":
            facts.sudo_nopasswd = value == "yes"
        elif key == "internet":
            facts.internet = value
    return facts


def _parse_python(value: str) -> PythonFound | None:
    parts = value.rsplit(" ", 2)
    if len(parts) != 3:
        return None
    path, version, venv = parts
    numbers = version.split(".")
    if len(numbers) != 3 or not all(n.isdigit() for n in numbers):
        return None
    major, minor, micro = (int(n) for n in numbers)
    return PythonFound(path, (major, minor, micro), venv == "yes")


def _version_tuple(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return None


def os_supported(facts: PiFacts) -> bool:
    """Raspberry Pi OS / Debian 12 or newer, Ubuntu 22.04 or newer."""
    version = _version_tuple(facts.os_version)
    if version is None:
        return False
    if facts.os_id in ("debian", "raspbian"):
        return version >= (12,)
    if facts.os_id == "ubuntu":
        return version >= (22, 4)
    return False


def choose_python(facts: PiFacts) -> PythonFound | None:
    """The interpreter for the venv: a supported version, one with venv support first."""
    usable = [p for p in facts.pythons if PYTHON_MIN <= p.version[:2] < PYTHON_BELOW]
    usable.sort(key=lambda p: not p.has_venv)  # stable: keeps the script's order otherwise
    return usable[0] if usable else None


def format_size(n: int) -> str:
    """``420 MB`` or ``1.5 GB``: sizes as people read them (decimal units, like disk labels)."""
    if n >= 10**9:
        return f"{n / 10**9:.1f} GB"
    return f"{max(n, 0) // 10**6} MB"


def check_system(facts: PiFacts, details: str = "") -> PythonFound:
    """Checks OS, processor, Python, disk and memory, in that order.

    Args:
        facts: what the check script reported.
        details: the script's raw output, attached to a problem for the details log.

    Returns:
        The interpreter install.sh should build the venv with.

    Raises:
        InstallProblem: the first check that fails.
    """
    if not os_supported(facts):
        name = facts.os_name or facts.os_id or "an unknown system"
        raise problems.unsupported_os(name, details)
    if facts.arch not in SUPPORTED_ARCHS:
        raise problems.unsupported_arch(facts.arch or "?", details)
    python = choose_python(facts)
    if python is None:
        found = facts.pythons[0].version_text if facts.pythons else "none"
        raise problems.python_unsupported(found, details)
    if not python.has_venv and not facts.has_apt:
        raise problems.no_venv(details)
    if facts.disk_free_bytes is not None and facts.disk_free_bytes < MIN_DISK_BYTES:
        raise problems.disk_full(
            format_size(facts.disk_free_bytes), format_size(MIN_DISK_BYTES), details
        )
    if facts.mem_total_bytes is not None and facts.mem_total_bytes < MIN_MEMORY_BYTES:
        raise problems.low_memory(
            format_size(facts.mem_total_bytes), format_size(MIN_MEMORY_BYTES), details
        )
    return python


def check_internet(facts: PiFacts, details: str = "") -> None:
    """Checks that the Pi reached the package index pip will download from.

    Raises:
        InstallProblem: it did not.
    """
    if facts.internet != "ok":
        raise problems.no_internet(facts.internet or details)
