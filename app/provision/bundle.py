"""The files uploaded to the Pi: the server wheel, install.sh and the systemd unit.

The wheel comes from, in order: the ``ROOST_SERVER_WHEEL`` environment variable; a wheel the app
ships in ``resources/wheels/``; or, when the app runs from a source tree, a wheel built from it
(``pip wheel --no-deps``), cached under the app's data directory by a hash of the sources so it
is built once per change.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.paths import AppPaths
from app.provision import problems

WHEEL_ENV = "ROOST_SERVER_WHEEL"
# The repository root when running from source; in a bundled app, where resources/ and
# packaging/ are copied next to the packages.
ROOT = Path(__file__).resolve().parents[2]
SHIPPED_WHEELS = ROOT / "resources" / "wheels"
PACKAGING = ROOT / "packaging"
INSTALL_SCRIPT = "install.sh"
UNIT_FILE = "roost-server.service"
# What goes into the wheel (pyproject's packages.find plus the metadata files): the hash covers
# exactly these, so an edit anywhere in them gives a new wheel.
_SOURCE_FILES = ("pyproject.toml", "README.md")
_SOURCE_DIRS = ("server", "app", "ui", "bench")
_SKIP_DIRS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
_BUILD_TIMEOUT_S = 300


@dataclass(frozen=True, slots=True)
class Bundle:
    """The three files the installer uploads.

    Attributes:
        wheel: the server wheel (its file name is kept on the Pi: pip reads the version from it).
        install_script: packaging/install.sh.
        unit: packaging/roost-server.service.
    """

    wheel: Path
    install_script: Path
    unit: Path


def wheel_version(wheel: Path) -> str:
    """The version in a wheel's file name (``roost-0.1.0-py3-none-any.whl`` -> ``0.1.0``)."""
    parts = wheel.name.split("-")
    return parts[1] if len(parts) >= 5 else ""


def _iter_sources(root: Path) -> Iterator[Path]:
    for name in _SOURCE_FILES:
        yield root / name
    for top in _SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / top):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for filename in sorted(filenames):
                if not filename.endswith((".pyc", ".pyo")):
                    yield Path(dirpath) / filename


def source_hash_blocking(root: Path) -> str:
    """A hash of every file that goes into the wheel, with its path."""
    digest = hashlib.sha256()
    for path in _iter_sources(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def is_source_tree(root: Path) -> bool:
    """True when ``root`` holds the project's sources (a checkout, not an installed app)."""
    return (root / "pyproject.toml").is_file() and all((root / d).is_dir() for d in _SOURCE_DIRS)


def _newest_wheel(directory: Path) -> Path | None:
    wheels = sorted(directory.glob("roost-*.whl"), key=lambda p: p.stat().st_mtime)
    return wheels[-1] if wheels else None


def build_wheel_blocking(root: Path, cache: Path, log: Callable[[str], None]) -> Path:
    """The wheel of the sources in ``root``, built into ``cache/<hash>/`` unless already there.

    The sources are copied to a scratch directory first: setuptools writes build/ and
    *.egg-info next to them, which must not race with an editor or another build.

    Raises:
        InstallProblem: the build failed (the details hold pip's output).
    """
    target = cache / source_hash_blocking(root)
    existing = _newest_wheel(target) if target.is_dir() else None
    if existing is not None:
        return existing
    cache.mkdir(parents=True, exist_ok=True)
    log(f"Building the server package from {root} (once per change of the sources).")
    with tempfile.TemporaryDirectory(prefix="roost-wheel-", dir=cache) as scratch:
        src = Path(scratch) / "src"
        src.mkdir()
        for name in _SOURCE_FILES:
            shutil.copy2(root / name, src / name)
        for top in _SOURCE_DIRS:
            shutil.copytree(root / top, src / top, ignore=shutil.ignore_patterns(*_SKIP_DIRS))
        out = Path(scratch) / "out"
        proc = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
            capture_output=True,
            text=True,
            timeout=_BUILD_TIMEOUT_S,
            check=False,
        )
        built = _newest_wheel(out) if proc.returncode == 0 else None
        if built is None:
            raise problems.no_bundle(f"pip wheel failed ({proc.returncode}):\n{proc.stderr}")
        # Rename into place: a concurrent build of the same sources ends with the same file.
        staged = Path(scratch) / built.name
        built.rename(staged)
        target.mkdir(exist_ok=True)
        final = target / built.name
        os.replace(staged, final)
    # Wheels of older sources are of no use any more (one per edit would pile up).
    for old in cache.iterdir():
        if old.is_dir() and old != target and not old.name.startswith("roost-wheel-"):
            shutil.rmtree(old, ignore_errors=True)
    return final


def find_wheel_blocking(paths: AppPaths, log: Callable[[str], None]) -> Path:
    """The server wheel to upload (see the module docstring for the order).

    Raises:
        InstallProblem: none can be had; the details say what was tried.
    """
    configured = os.environ.get(WHEEL_ENV)
    if configured:
        wheel = Path(configured)
        if wheel.is_file() and wheel.name.endswith(".whl"):
            log(f"Using the server package {wheel} ({WHEEL_ENV}).")
            return wheel
        raise problems.no_bundle(f"{WHEEL_ENV}={configured} is not a wheel file")
    shipped = _newest_wheel(SHIPPED_WHEELS) if SHIPPED_WHEELS.is_dir() else None
    if shipped is not None:
        return shipped
    if is_source_tree(ROOT) and not getattr(sys, "frozen", False):
        return build_wheel_blocking(ROOT, paths.data / "server-wheels", log)
    raise problems.no_bundle(
        f"no {WHEEL_ENV}, no wheel in {SHIPPED_WHEELS}, and no source tree at {ROOT}"
    )


def find_bundle_blocking(paths: AppPaths, log: Callable[[str], None]) -> Bundle:
    """The wheel plus install.sh and the unit.

    Raises:
        InstallProblem: something is missing.
    """
    wheel = find_wheel_blocking(paths, log)
    script, unit = PACKAGING / INSTALL_SCRIPT, PACKAGING / UNIT_FILE
    for f in (script, unit):
        if not f.is_file():
            raise problems.no_bundle(f"{f} is missing")
    return Bundle(wheel, script, unit)


async def find_bundle(paths: AppPaths, log: Callable[[str], None]) -> Bundle:
    """``find_bundle_blocking`` in a worker thread (a first build takes a few seconds)."""
    return await asyncio.to_thread(find_bundle_blocking, paths, log)
