"""Remember-me storage: the memory keyring, and honest refusal when there is no keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest

from app.accounts.credentials import SERVICE, Credentials, account_key
from tests.helpers.keyring_memory import MemoryKeyring, active_keyring

SID = "0a10f16c9e2c2d3a593821ee"


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    with active_keyring(backend):
        yield backend


def test_save_load_forget(memory: MemoryKeyring) -> None:
    creds = Credentials()
    assert creds.status().available
    assert creds.status().explanation == ""
    assert creds.save_blocking(SID, "mum", "tok-1")
    assert memory.store == {(SERVICE, f"{SID}:mum"): "tok-1"}
    assert creds.load_blocking(SID, "mum") == "tok-1"
    assert creds.load_blocking(SID, "dad") is None
    creds.forget_blocking(SID, "mum")
    creds.forget_blocking(SID, "mum")  # twice is harmless
    assert memory.store == {}


def test_the_keyring_is_restored_after_a_swap() -> None:
    before = keyring.get_keyring()
    with active_keyring(MemoryKeyring()):
        assert isinstance(keyring.get_keyring(), MemoryKeyring)
    assert keyring.get_keyring() is before


@pytest.mark.parametrize(
    "backend",
    [
        keyring.backends.fail.Keyring(),  # type: ignore[no-untyped-call]
        keyring.backends.null.Keyring(),  # type: ignore[no-untyped-call]
    ],
)
def test_no_keyring_is_said_plainly_and_nothing_is_stored(
    backend: keyring.backend.KeyringBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    with active_keyring(backend):
        creds = Credentials()
        status = creds.status()
        assert not status.available
        assert "can't remember you" in status.explanation
        assert "sign in each time" in status.explanation
        assert creds.save_blocking(SID, "mum", "secret-token") is False
        assert creds.load_blocking(SID, "mum") is None
        creds.forget_blocking(SID, "mum")
    assert list(tmp_path.rglob("*")) == []  # no file fallback


class _Refusing(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("locked keyring")

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


def test_a_refusing_keyring_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    with active_keyring(_Refusing()):
        creds = Credentials()
        assert creds.status().available
        assert creds.save_blocking(SID, "mum", "t") is False
        status = creds.status()
        assert not status.available
        assert "refused" in status.explanation
        assert creds.load_blocking(SID, "mum") is None
    assert "refused to store" in caplog.text


class _PlaintextFile(MemoryKeyring):
    """Stands in for keyrings.alt's file backend, which writes secrets into $HOME."""


_PlaintextFile.__module__ = "keyrings.alt.file"


def test_a_plaintext_file_keyring_is_not_used() -> None:
    backend = _PlaintextFile()
    creds = Credentials(backend)
    assert not creds.status().available
    assert creds.save_blocking(SID, "mum", "t") is False
    assert backend.store == {}


class _EmptyChain(keyring.backends.chainer.ChainerBackend):
    backends: list[keyring.backend.KeyringBackend] = []


class _RealChain(keyring.backends.chainer.ChainerBackend):
    backends: list[keyring.backend.KeyringBackend] = [MemoryKeyring()]


def test_a_chainer_is_usable_only_with_a_real_member() -> None:
    assert account_key(SID, "mum") == f"{SID}:mum"
    assert not Credentials(_EmptyChain()).status().available  # type: ignore[no-untyped-call]
    assert Credentials(_RealChain()).status().available  # type: ignore[no-untyped-call]
