"""The data key: made once, 0600, and a wrong or missing key is a clear refusal."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from server.datakey import DataKeyError, load_or_create_blocking
from server.runtime import Runtime
from tests.helpers.server import make_settings


def test_created_with_mode_0600_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "data.key"
    key = load_or_create_blocking(path, may_create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_blocking(path, may_create=False) == key


def test_sealed_data_is_bound_to_its_place(tmp_path: Path) -> None:
    key = load_or_create_blocking(tmp_path / "k", may_create=True)
    sealed = key.seal(b"secret", b"totp:1")
    assert b"secret" not in sealed
    assert key.open(sealed, b"totp:1") == b"secret"
    with pytest.raises(InvalidTag):
        key.open(sealed, b"totp:2")


def test_damaged_key_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_text("hello")
    with pytest.raises(DataKeyError, match="not a Roost data key"):
        load_or_create_blocking(bad, may_create=False)
    bad.write_text("roost-data-key-v1:!!!")
    with pytest.raises(DataKeyError, match="damaged"):
        load_or_create_blocking(bad, may_create=False)


async def test_existing_data_without_its_key_refuses_to_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    rt = Runtime(settings)
    await rt.open()
    await rt.close()
    settings.key_file.unlink()
    with pytest.raises(DataKeyError, match="is missing"):
        await Runtime(settings).open()
    assert not settings.key_file.exists()  # no new key was invented over old data


async def test_a_different_key_is_recognised(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    rt = Runtime(settings)
    await rt.open()
    await rt.close()
    settings.key_file.unlink()
    load_or_create_blocking(settings.key_file, may_create=True)
    rt2 = Runtime(settings)
    with pytest.raises(DataKeyError, match="does not belong"):
        await rt2.open()
    await rt2.close()
