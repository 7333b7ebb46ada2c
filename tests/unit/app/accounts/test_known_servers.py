"""The known-servers file: persistence, first-use pinning, bounded addresses, corruption."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.net.errors import CertificateChanged
from app.net.pinning import InvalidFingerprint
from app.paths import AppPaths
from app.servers import MAX_ADDRESSES, KnownAccount, KnownServers, ServersChanged

SID = "0a10f16c9e2c2d3a593821ee"
SID2 = "ffffffffffffffffffffffff"
FP = "ab" * 32
FP2 = "cd" * 32


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths(config=tmp_path / "config", data=tmp_path / "data")


def test_a_recorded_server_survives_a_restart(paths: AppPaths) -> None:
    now = [100.0]
    store = KnownServers(paths, clock=lambda: now[0])
    changes: list[ServersChanged] = []
    store.events.subscribe(changes.append)
    store.pin(SID, FP.upper())
    store.record(SID, "Chen family", "192.168.1.20:8443", FP)
    store.add_account(SID, "mum", remembered=True)
    store.add_account(SID, "kid", remembered=False)
    now[0] = 200.0
    store.record(SID2, "Other", "10.0.0.2:8443")
    assert changes[0] == ServersChanged(SID)
    assert len(changes) == 5

    again = KnownServers(paths)
    known = again.get(SID)
    assert known is not None
    assert known.name == "Chen family"
    assert known.fingerprint == FP
    assert known.addresses == ("192.168.1.20:8443",)
    assert known.accounts == (KnownAccount("kid", False), KnownAccount("mum", True))
    assert known.last_used == 100.0
    assert [s.server_id for s in again.all()] == [SID2, SID]  # most recent first
    assert again.get(SID2) is not None and again.get(SID2).fingerprint is None  # type: ignore[union-attr]


def test_the_file_is_private(paths: AppPaths) -> None:
    store = KnownServers(paths)
    store.record(SID, "X", "h:1")
    mode = stat.S_IMODE(store.path.stat().st_mode)
    assert mode == 0o600
    assert [p.name for p in paths.config.iterdir()] == ["servers.json"]  # no temp files left


def test_first_use_pins_and_a_different_certificate_is_refused(paths: AppPaths) -> None:
    store = KnownServers(paths)
    store.pin(SID, FP)
    store.pin(SID, ":".join(FP[i : i + 2] for i in range(0, 64, 2)))  # the same, other form
    with pytest.raises(CertificateChanged) as caught:
        store.pin(SID, FP2)
    assert (caught.value.expected, caught.value.actual) == (FP, FP2)
    with pytest.raises(CertificateChanged):
        store.record(SID, "X", "h:1", FP2)
    with pytest.raises(InvalidFingerprint):
        store.pin(SID2, "nonsense")
    assert KnownServers(paths).get(SID).fingerprint == FP  # type: ignore[union-attr]
    assert KnownServers(paths).get(SID2) is None


def test_addresses_most_recent_first_and_bounded(paths: AppPaths) -> None:
    store = KnownServers(paths)
    for i in range(MAX_ADDRESSES + 3):
        store.record(SID, "X", f"10.0.0.{i}:8443")
    store.record(SID, "X", "10.0.0.5:8443")
    known = store.get(SID)
    assert known is not None
    assert len(known.addresses) == MAX_ADDRESSES
    assert known.addresses[0] == "10.0.0.5:8443"
    assert known.addresses[1] == f"10.0.0.{MAX_ADDRESSES + 2}:8443"
    assert len(set(known.addresses)) == MAX_ADDRESSES


def test_remembered_flag_and_forget(paths: AppPaths) -> None:
    store = KnownServers(paths)
    store.record(SID, "X", "h:1")
    store.add_account(SID, "mum", remembered=True)
    store.set_remembered(SID, "mum", False)
    store.set_remembered(SID, "nobody", True)  # unknown account: nothing to do
    assert store.get(SID).account("mum") == KnownAccount("mum", False)  # type: ignore[union-attr]
    with pytest.raises(KeyError):
        store.add_account(SID2, "mum", remembered=False)
    store.forget(SID)
    assert KnownServers(paths).all() == []


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b'{"version": 99, "servers": []}',
        b'{"version": 1}',
        b'{"version": 1, "servers": [{"server_id": "x"}]}',
        json.dumps(
            {
                "version": 1,
                "servers": [
                    {
                        "server_id": "not-hex",
                        "name": "X",
                        "addresses": [],
                        "fingerprint": None,
                        "accounts": [],
                        "last_used": 0,
                    }
                ],
            }
        ).encode(),
        json.dumps(
            {
                "version": 1,
                "servers": [
                    {
                        "server_id": SID,
                        "name": "X",
                        "addresses": [],
                        "fingerprint": "bad",
                        "accounts": [],
                        "last_used": 0,
                    }
                ],
            }
        ).encode(),
        b"\xff\xfe garbage",
    ],
)
def test_a_corrupt_file_starts_empty_and_is_kept_aside(
    paths: AppPaths, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    paths.ensure()
    (paths.config / "servers.json").write_bytes(content)
    store = KnownServers(paths)
    assert store.all() == []
    assert (paths.config / "servers.json.bad").read_bytes() == content
    assert not (paths.config / "servers.json").exists()
    assert "could not be read" in caplog.text
    store.record(SID, "X", "h:1")  # and it works again
    assert KnownServers(paths).get(SID) is not None
