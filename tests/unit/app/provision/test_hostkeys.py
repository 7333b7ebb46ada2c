"""Trust on first use of SSH host keys."""

from __future__ import annotations

import stat
from pathlib import Path

import asyncssh
import pytest

from app.paths import AppPaths
from app.provision.hostkeys import (
    HostKeyChanged,
    HostKeyUnknown,
    KnownHosts,
    fingerprint,
    host_entry,
)
from app.provision.problems import ProblemKind


@pytest.fixture
def known(tmp_path: Path) -> KnownHosts:
    return KnownHosts.for_paths(AppPaths(config=tmp_path / "config", data=tmp_path / "data"))


def new_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


def test_fingerprint_looks_like_ssh_s() -> None:
    key = new_key()
    fp = fingerprint(key)
    assert fp.startswith("SHA256:") and len(fp) == len("SHA256:") + 43
    assert fp == key.convert_to_public().get_fingerprint()


def test_entry_names() -> None:
    assert host_entry("raspberrypi.local", 22) == "raspberrypi.local"
    assert host_entry("192.168.1.20", 2222) == "[192.168.1.20]:2222"


def test_unknown_then_trusted(known: KnownHosts) -> None:
    key = new_key()
    with pytest.raises(HostKeyUnknown) as info:
        known.check_blocking("raspberrypi.local", 22, key)
    assert info.value.kind is ProblemKind.HOST_KEY_UNKNOWN
    assert info.value.fingerprint in info.value.what_happened
    assert not known.path.exists()  # asking changes nothing

    known.trust_blocking("raspberrypi.local", 22, key)
    known.check_blocking("raspberrypi.local", 22, key)
    known.trust_blocking("raspberrypi.local", 22, key)  # twice is harmless
    assert len(known.path.read_text().splitlines()) == 1
    assert stat.S_IMODE(known.path.stat().st_mode) == 0o600


def test_pins_are_per_host_and_port(known: KnownHosts) -> None:
    key = new_key()
    known.trust_blocking("192.168.1.20", 22, key)
    with pytest.raises(HostKeyUnknown):
        known.check_blocking("192.168.1.20", 2222, key)
    with pytest.raises(HostKeyUnknown):
        known.check_blocking("192.168.1.21", 22, key)


def test_changed_key_is_refused_and_not_replaced(known: KnownHosts) -> None:
    old, new = new_key(), new_key()
    known.trust_blocking("pi", 22, old)
    with pytest.raises(HostKeyChanged) as info:
        known.check_blocking("pi", 22, new)
    assert info.value.kind is ProblemKind.HOST_KEY_CHANGED
    assert info.value.fingerprint == fingerprint(new)
    assert info.value.pinned == [fingerprint(old)]
    with pytest.raises(HostKeyChanged):
        known.trust_blocking("pi", 22, new)
    known.check_blocking("pi", 22, old)


def test_forget_then_trust_the_rewritten_pi(known: KnownHosts) -> None:
    old, new, other = new_key(), new_key(), new_key()
    known.trust_blocking("pi", 22, old)
    known.trust_blocking("kitchen", 22, other)
    known.forget_blocking("pi", 22)
    known.trust_blocking("pi", 22, new)
    known.check_blocking("pi", 22, new)
    known.check_blocking("kitchen", 22, other)
    known.forget_blocking("nobody", 22)  # nothing pinned: nothing happens


def test_the_file_is_openssh_known_hosts(known: KnownHosts) -> None:
    key = new_key()
    known.trust_blocking("192.168.1.20", 2222, key)
    parsed = asyncssh.read_known_hosts(str(known.path))
    trusted = parsed.match("192.168.1.20", "", 2222)[0]
    assert [k.public_data for k in trusted] == [key.public_data]
    for_connect = known.asyncssh_known_hosts_blocking("192.168.1.20", 2222)
    assert [k.public_data for k in for_connect.match("192.168.1.20", "", 2222)[0]] == [
        key.public_data
    ]


def test_a_hand_edited_file_with_junk_still_works(known: KnownHosts) -> None:
    key = new_key()
    known.path.parent.mkdir(parents=True)
    known.path.write_text("# my pis\n\npi ssh-ed25519 not-base64\ngarbage\n")
    with pytest.raises(HostKeyUnknown):
        known.check_blocking("pi", 22, key)
    known.trust_blocking("pi", 22, key)
    known.check_blocking("pi", 22, key)
