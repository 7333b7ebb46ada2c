"""Trust on first use for SSH host keys: the Pi's key is shown once, pinned, and a change refused.

The pins live in one file in OpenSSH/asyncssh ``known_hosts`` format under the app's config
directory (``host`` for port 22, ``[host]:port`` otherwise; plain names, never hashed, so the
owner can read and edit it).
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh
from PySide6.QtCore import QCoreApplication

from app.paths import AppPaths
from app.provision.problems import InstallProblem, ProblemKind

KNOWN_HOSTS_NAME = "known_hosts"


def fingerprint(key: asyncssh.SSHKey) -> str:
    """The key's fingerprint as ``ssh`` shows it, e.g. ``SHA256:sUYPW7Ar...``."""
    return str(key.get_fingerprint("sha256"))


def host_entry(host: str, port: int) -> str:
    """The name a pin is stored under, as OpenSSH writes it."""
    return host if port == 22 else f"[{host}]:{port}"


class HostKeyUnknown(InstallProblem):
    """The app has never seen this Pi: the user must confirm its fingerprint before any password
    is sent to it.

    Attributes:
        host: the address as the user gave it.
        port: the SSH port.
        key: the key the Pi presented (pass it to ``KnownHosts.trust`` once confirmed).
        fingerprint: ``SHA256:...``, to show next to the text.
    """

    def __init__(self, host: str, port: int, key: asyncssh.SSHKey) -> None:
        self.host = host
        self.port = port
        self.key = key
        self.fingerprint = fingerprint(key)
        super().__init__(
            ProblemKind.HOST_KEY_UNKNOWN,
            QCoreApplication.translate(
                "HostKeys",
                "This computer has not connected to {host} before. The device there "
                "identifies itself with the fingerprint {fingerprint}.",
            ).format(host=host, fingerprint=self.fingerprint),
            QCoreApplication.translate(
                "HostKeys",
                "If this is your Pi, confirm it: the app remembers it and will warn you if it "
                "ever changes. (To be certain, compare the fingerprint with the one the Pi shows "
                "when you run “ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub” on it.)",
            ),
            f"{host_entry(host, port)} {key.get_algorithm()} {self.fingerprint}",
        )


class HostKeyChanged(InstallProblem):
    """The Pi presents a different key from the pinned one: refused, nothing is sent to it.

    Attributes:
        host: the address as the user gave it.
        port: the SSH port.
        fingerprint: the fingerprint presented now (``SHA256:...``), or "" if it could not be read.
        pinned: the pinned fingerprints.
    """

    def __init__(self, host: str, port: int, presented: str, pinned: list[str]) -> None:
        self.host = host
        self.port = port
        self.fingerprint = presented
        self.pinned = pinned
        super().__init__(
            ProblemKind.HOST_KEY_CHANGED,
            QCoreApplication.translate(
                "HostKeys",
                "The device at {host} does not identify itself as the Pi this computer knows. "
                "This happens when the Pi's memory card was written anew, but it can also mean "
                "that another device is pretending to be your Pi. Nothing was sent to it.",
            ).format(host=host),
            QCoreApplication.translate(
                "HostKeys",
                "If you have just written a new memory card for this Pi, choose to forget the "
                "old identity and connect again. Otherwise do not continue, and ask someone you "
                "trust to look at your network.",
            ),
            f"presented {presented or '?'}; pinned {', '.join(pinned)}",
        )


class KnownHosts:
    """The pinned host keys of the Pis this app has connected to.

    Attributes:
        path: the ``known_hosts`` file (created on the first pin).
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_paths(cls, paths: AppPaths) -> KnownHosts:
        """The app's own pins, in its config directory."""
        return cls(paths.config / KNOWN_HOSTS_NAME)

    def _lines_blocking(self) -> list[str]:
        try:
            return self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []

    def pinned_blocking(self, host: str, port: int) -> list[asyncssh.SSHKey]:
        """The keys pinned for this host and port (empty if none). Lines that do not parse are
        skipped: a hand-edited file must not make every Pi unreachable."""
        entry = host_entry(host, port)
        keys = []
        for line in self._lines_blocking():
            fields = line.split()
            if len(fields) < 3 or fields[0].startswith("#"):
                continue
            if entry not in fields[0].split(","):
                continue
            try:
                keys.append(asyncssh.import_public_key(f"{fields[1]} {fields[2]}"))
            except (asyncssh.KeyImportError, ValueError):
                continue
        return keys

    def check_blocking(self, host: str, port: int, key: asyncssh.SSHKey) -> None:
        """Accepts a pinned key silently.

        Raises:
            HostKeyUnknown: nothing is pinned for this host yet.
            HostKeyChanged: another key is pinned for it.
        """
        pinned = self.pinned_blocking(host, port)
        if not pinned:
            raise HostKeyUnknown(host, port, key)
        if key.public_data not in {k.public_data for k in pinned}:
            raise HostKeyChanged(host, port, fingerprint(key), [fingerprint(k) for k in pinned])

    def trust_blocking(self, host: str, port: int, key: asyncssh.SSHKey) -> None:
        """Pins ``key`` for this host after the user confirmed it.

        Raises:
            HostKeyChanged: another key is pinned already; ``forget_blocking`` it first, so a
                changed key is never replaced by accident.
        """
        pinned = self.pinned_blocking(host, port)
        if key.public_data in {k.public_data for k in pinned}:
            return
        if pinned:
            raise HostKeyChanged(host, port, fingerprint(key), [fingerprint(k) for k in pinned])
        public = key.export_public_key("openssh").decode("ascii").split()
        line = f"{host_entry(host, port)} {public[0]} {public[1]}\n"
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(line)

    def forget_blocking(self, host: str, port: int) -> None:
        """Removes every pin of this host and port (the owner rewrote the Pi's card)."""
        entry = host_entry(host, port)
        lines = self._lines_blocking()
        kept = [ln for ln in lines if not ln.split() or entry not in ln.split()[0].split(",")]
        if len(kept) == len(lines):
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{ln}\n" for ln in kept))
        os.replace(tmp, self.path)

    def asyncssh_known_hosts_blocking(self, host: str, port: int) -> asyncssh.SSHKnownHosts:
        """The pins for one host, in the form ``asyncssh.connect(known_hosts=...)`` takes, so
        that asyncssh itself refuses any other key during the real connection."""
        entry = host_entry(host, port)
        lines = [
            f"{entry} {k.export_public_key('openssh').decode('ascii').strip()}"
            for k in self.pinned_blocking(host, port)
        ]
        return asyncssh.import_known_hosts("\n".join(lines) + "\n")
