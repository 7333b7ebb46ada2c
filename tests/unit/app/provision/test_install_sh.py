"""packaging/install.sh refuses bad arguments clearly, before touching anything."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.provision.bundle import PACKAGING

SCRIPT = PACKAGING / "install.sh"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT), *args],
        env={"PATH": "/usr/bin:/bin", "ROOST_PREFIX": str(tmp_path / "fs")},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--wheel", "missing.whl", "--unit", "missing.service"],
        ["--colour", "blue"],
        ["--wheel", "UNIT", "--unit", "UNIT"],  # a file, but not a wheel
    ],
)
def test_bad_arguments(tmp_path: Path, args: list[str]) -> None:
    unit = tmp_path / "roost-server.service"
    unit.write_text("[Service]\n")
    r = run(tmp_path, *[str(unit) if a == "UNIT" else a for a in args])
    assert r.returncode == 1
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("ROOST-FAILED usage ")
    assert not (tmp_path / "fs").exists()  # nothing made


def test_the_script_is_posix_sh() -> None:
    assert subprocess.run(["sh", "-n", str(SCRIPT)], check=False).returncode == 0
    assert SCRIPT.read_text().startswith("#!/bin/sh\n")
