"""The servers this computer knows: names, addresses that worked, pinned certificates, accounts.

Kept as one small JSON file in the config directory (mode 0600, replaced atomically). It holds
no secrets (tokens live in the keyring), but the pins in it are what protects the user from a
look-alike server, so a damaged file is set aside as ``.bad`` rather than silently overwritten.
Reads and writes are synchronous: the file is a few kilobytes, written only after a sign-in or
a setting change.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from app.events import Emitter
from app.net.errors import CertificateChanged
from app.net.pinning import normalise_fingerprint
from app.paths import AppPaths

log = logging.getLogger(__name__)

FILE_NAME = "servers.json"
FORMAT_VERSION = 1
MAX_ADDRESSES = 8  # the LAN address of a Pi changes now and then; old ones are dead weight
_SERVER_ID = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True, slots=True)
class KnownAccount:
    """An account used on a server from this computer.

    Attributes:
        username: as the server spells it (lower case).
        remembered: a refresh token for it is in the keyring.
    """

    username: str
    remembered: bool = False


@dataclass(frozen=True, slots=True)
class KnownServer:
    """One server.

    Attributes:
        server_id: the server's id (24 hex digits), stable for its data directory.
        name: its name as last seen.
        addresses: ``host:port`` strings that worked, most recent first.
        fingerprint: the pinned certificate fingerprint, or None (server behind a TLS proxy).
        accounts: accounts used on it, most recent first.
        last_used: Unix time of the last successful connection.
    """

    server_id: str
    name: str
    addresses: tuple[str, ...] = ()
    fingerprint: str | None = None
    accounts: tuple[KnownAccount, ...] = field(default_factory=tuple)
    last_used: float = 0.0

    def account(self, username: str) -> KnownAccount | None:
        return next((a for a in self.accounts if a.username == username), None)


@dataclass(frozen=True, slots=True)
class ServersChanged:
    """The list of known servers changed (and was saved)."""

    server_id: str


class CorruptFile(ValueError):
    """The servers file cannot be read as what we wrote."""


def _decode(raw: bytes) -> dict[str, KnownServer]:
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise CorruptFile("unknown format")
        servers: dict[str, KnownServer] = {}
        for item in data["servers"]:
            fp = item.get("fingerprint")
            server = KnownServer(
                server_id=str(item["server_id"]),
                name=str(item["name"]),
                addresses=tuple(str(a) for a in item["addresses"]),
                fingerprint=normalise_fingerprint(fp) if fp is not None else None,
                accounts=tuple(
                    KnownAccount(str(a["username"]), bool(a["remembered"]))
                    for a in item["accounts"]
                ),
                last_used=float(item["last_used"]),
            )
            if not _SERVER_ID.fullmatch(server.server_id):
                raise CorruptFile(f"bad server id {server.server_id!r}")
            servers[server.server_id] = server
        return servers
    except CorruptFile:
        raise
    except (ValueError, KeyError, TypeError) as exc:  # JSON, shape and field errors alike
        raise CorruptFile(str(exc)) from exc


def _encode(servers: dict[str, KnownServer]) -> bytes:
    items: list[dict[str, Any]] = [
        {
            "server_id": s.server_id,
            "name": s.name,
            "addresses": list(s.addresses),
            "fingerprint": s.fingerprint,
            "accounts": [{"username": a.username, "remembered": a.remembered} for a in s.accounts],
            "last_used": s.last_used,
        }
        for s in servers.values()
    ]
    return json.dumps({"version": FORMAT_VERSION, "servers": items}, indent=2).encode()


class KnownServers:
    """The known-servers store; every change is saved at once.

    Attributes:
        path: the JSON file.
        events: ``ServersChanged`` after each saved change.
    """

    def __init__(self, paths: AppPaths, *, clock: Callable[[], float] = time.time) -> None:
        self.path = paths.config / FILE_NAME
        self.events: Emitter[ServersChanged] = Emitter()
        self._clock = clock
        self._servers = self._load()

    def _load(self) -> dict[str, KnownServer]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            return _decode(raw)
        except CorruptFile as exc:
            bad = self.path.with_name(self.path.name + ".bad")
            with contextlib.suppress(OSError):
                os.replace(self.path, bad)
            log.warning(
                "the list of known servers (%s) could not be read (%s); starting with an empty "
                "list, the damaged file is kept as %s",
                self.path,
                exc,
                bad,
            )
            return {}

    def _save(self, server_id: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".servers-", dir=self.path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_encode(self._servers))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)  # a crash leaves the old file or the new, never half
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.events.emit(ServersChanged(server_id))

    def get(self, server_id: str) -> KnownServer | None:
        return self._servers.get(server_id)

    def all(self) -> list[KnownServer]:
        """Every known server, most recently used first."""
        return sorted(self._servers.values(), key=lambda s: s.last_used, reverse=True)

    def check_pin(self, server_id: str, fingerprint: str | None) -> None:
        """Refuses a fingerprint that differs from the one pinned for this server.

        Raises:
            CertificateChanged: the server is known with another certificate.
        """
        known = self._servers.get(server_id)
        if known is None or known.fingerprint is None or fingerprint is None:
            return
        if normalise_fingerprint(fingerprint) != known.fingerprint:
            raise CertificateChanged(known.fingerprint, normalise_fingerprint(fingerprint))

    def pin(self, server_id: str, fingerprint: str) -> None:
        """Pins a certificate on first use; the same one again is fine.

        Raises:
            CertificateChanged: a different certificate is pinned for this server already.
            InvalidFingerprint: the text is not a fingerprint.
        """
        fp = normalise_fingerprint(fingerprint)
        self.check_pin(server_id, fp)
        known = self._servers.get(server_id)
        if known is not None and known.fingerprint == fp:
            return
        base = known or KnownServer(server_id=server_id, name="")
        self._servers[server_id] = replace(base, fingerprint=fp)
        self._save(server_id)

    def record(
        self, server_id: str, name: str, address: str, fingerprint: str | None = None
    ) -> KnownServer:
        """Notes a successful connection: the name, the address (moved to the front), the time.

        Raises:
            CertificateChanged: ``fingerprint`` differs from the pinned one.
        """
        if fingerprint is not None:
            self.check_pin(server_id, fingerprint)
        known = self._servers.get(server_id) or KnownServer(server_id=server_id, name=name)
        addresses = (address, *(a for a in known.addresses if a != address))[:MAX_ADDRESSES]
        updated = replace(
            known,
            name=name,
            addresses=addresses,
            fingerprint=known.fingerprint
            or (normalise_fingerprint(fingerprint) if fingerprint else None),
            last_used=self._clock(),
        )
        self._servers[server_id] = updated
        self._save(server_id)
        return updated

    def add_account(self, server_id: str, username: str, *, remembered: bool) -> None:
        """Notes that this account was used here (moved to the front of the server's list)."""
        known = self._servers.get(server_id)
        if known is None:
            raise KeyError(server_id)
        accounts = (
            KnownAccount(username, remembered),
            *(a for a in known.accounts if a.username != username),
        )
        self._servers[server_id] = replace(known, accounts=accounts)
        self._save(server_id)

    def set_remembered(self, server_id: str, username: str, remembered: bool) -> None:
        """Marks whether a refresh token for the account is in the keyring."""
        known = self._servers.get(server_id)
        if known is None or known.account(username) is None:
            return
        accounts = tuple(
            KnownAccount(a.username, remembered) if a.username == username else a
            for a in known.accounts
        )
        self._servers[server_id] = replace(known, accounts=accounts)
        self._save(server_id)

    def forget(self, server_id: str) -> None:
        """Removes a server, its pin and its accounts (the user chose to, explicitly)."""
        if self._servers.pop(server_id, None) is not None:
            self._save(server_id)
