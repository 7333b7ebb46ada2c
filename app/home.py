"""The home list: every server or Pi the owner might want, merged from all the places we look.

Sources are layered because discovery is flaky on real networks: servers advertising over mDNS,
Pis that do not run Roost yet, and the servers this app used before (which may be off right now).
A server seen both ways appears once, as found, with what we remember about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from PySide6.QtCore import QCoreApplication

from app.events import Emitter
from app.net.address import InvalidAddress, parse_address
from app.servers import KnownServer

# What a server calls itself before it is claimed (server/runtime.py): "Roost on <hostname>".
_DEFAULT_NAME_PREFIX = "Roost on "


class EntryKind(StrEnum):
    """Where an entry comes from, which decides the section it is shown in."""

    SERVER = "server"  # a Roost server answering on this network now
    PI = "pi"  # a computer that could run Roost but does not (yet)
    KNOWN = "known"  # used before, not seen on the network right now


class Action(StrEnum):
    """What the entry's main button does."""

    CLAIM = "claim"  # an unclaimed server: set it up
    SIGN_IN = "sign_in"  # a ready server
    INSTALL = "install"  # a Pi without Roost


@dataclass(frozen=True, slots=True)
class HomeEntry:
    """One row of the home list.

    Attributes:
        key: stable identity across updates ("server:<id>", "pi:<host>").
        kind: the section.
        title: the name people recognise.
        detail: one line: address, version, state, in plain words.
        action: the main button.
        host: where to connect (host name or address).
        port: the port for ``action`` (HTTPS for servers, SSH for Pis).
        server_id: for servers.
        fingerprint: the certificate fingerprint the server advertised (unauthenticated).
        remembered_fingerprint: the one this app pinned before, if any.
        known: this app has used the server before (it has a pin and addresses).
    """

    key: str
    kind: EntryKind
    title: str
    detail: str
    action: Action
    host: str
    port: int
    server_id: str | None = None
    fingerprint: str | None = None
    remembered_fingerprint: str | None = None
    known: bool = False


@dataclass(frozen=True, slots=True)
class ServerSeen:
    """A Roost server as seen on the network (from mDNS or a probe)."""

    server_id: str
    name: str
    claimed: bool
    host: str
    port: int
    fingerprint: str | None
    protocol_version: int | None = None
    hostname: str = ""


@dataclass(frozen=True, slots=True)
class PiSeen:
    """A computer that answers SSH and might be a Pi without Roost."""

    hostname: str
    host: str
    port: int = 22


@dataclass(frozen=True, slots=True)
class HomeChanged:
    """The list or its status sentence changed."""

    entries: tuple[HomeEntry, ...]
    status: str


def _address(host: str, port: int, default: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port == default else f"{shown}:{port}"


@dataclass
class HomeList:
    """Merges the sources into `HomeEntry` rows and announces `HomeChanged`.

    Attributes:
        changed: emits `HomeChanged` after every change.
    """

    changed: Emitter[HomeChanged] = field(default_factory=Emitter)
    _servers: dict[str, ServerSeen] = field(default_factory=dict)
    _pis: dict[str, PiSeen] = field(default_factory=dict)
    _known: dict[str, KnownServer] = field(default_factory=dict)
    _status: str = ""

    def server_seen(self, server: ServerSeen) -> None:
        """A server appeared or changed on the network."""
        self._servers[server.server_id] = server
        self._publish()

    def server_gone(self, server_id: str) -> None:
        """A server said goodbye or stopped answering."""
        if self._servers.pop(server_id, None) is not None:
            self._publish()

    def pi_seen(self, pi: PiSeen) -> None:
        """A computer that could run Roost appeared."""
        self._pis[pi.hostname.lower()] = pi
        self._publish()

    def pi_gone(self, hostname: str) -> None:
        """That computer went away."""
        if self._pis.pop(hostname.lower(), None) is not None:
            self._publish()

    def set_known(self, known: Iterable[KnownServer]) -> None:
        """Replaces the servers remembered from before."""
        self._known = {k.server_id: k for k in known}
        self._publish()

    def set_status(self, status: str) -> None:
        """The discovery's sentence about what it is doing."""
        self._status = status
        self._publish()

    def entries(self) -> tuple[HomeEntry, ...]:
        """The rows, in display order: servers found, Pis without Roost, servers used before."""
        rows: list[HomeEntry] = []
        found_hosts: set[str] = set()
        # Unclaimed servers first: they are what a new owner is looking for.
        for s in sorted(self._servers.values(), key=lambda s: (s.claimed, s.name.casefold())):
            found_hosts.add(s.host.lower())
            if s.hostname:
                found_hosts.add(s.hostname.lower())
            known = self._known.get(s.server_id)
            state = (
                QCoreApplication.translate("Home", "ready")
                if s.claimed
                else QCoreApplication.translate("Home", "waiting to be set up")
            )
            where = _address(s.host, s.port, 8443)
            if s.hostname and s.hostname.lower() != s.host.lower():
                where = f"{s.hostname} ({where})"
            detail = f"{where} · {state}"
            title = s.name
            if not s.claimed and title.startswith(_DEFAULT_NAME_PREFIX):
                # An unclaimed server's name is the server's English default: say it in the
                # app's language until the owner chooses a name.
                title = QCoreApplication.translate("Home", "Roost on {host}").format(
                    host=title[len(_DEFAULT_NAME_PREFIX) :]
                )
            rows.append(
                HomeEntry(
                    key=f"server:{s.server_id}",
                    kind=EntryKind.SERVER,
                    title=title,
                    detail=detail,
                    action=Action.SIGN_IN if s.claimed else Action.CLAIM,
                    host=s.host,
                    port=s.port,
                    server_id=s.server_id,
                    fingerprint=s.fingerprint,
                    remembered_fingerprint=known.fingerprint if known else None,
                    known=known is not None,
                )
            )
        for pi in sorted(self._pis.values(), key=lambda p: p.hostname.casefold()):
            # A Pi that already runs Roost shows once, as the server.
            if pi.host.lower() in found_hosts or pi.hostname.lower() in found_hosts:
                continue
            rows.append(
                HomeEntry(
                    key=f"pi:{pi.hostname.lower()}",
                    kind=EntryKind.PI,
                    title=pi.hostname,
                    detail=QCoreApplication.translate(
                        "Home", "{address} · Roost is not installed"
                    ).format(address=_address(pi.host, pi.port, 22)),
                    action=Action.INSTALL,
                    host=pi.host,
                    port=pi.port,
                )
            )
        for k in sorted(self._known.values(), key=lambda k: k.name.casefold()):
            if k.server_id in self._servers or not k.addresses:
                continue
            try:
                last = parse_address(k.addresses[0])
            except InvalidAddress:
                continue
            rows.append(
                HomeEntry(
                    key=f"known:{k.server_id}",
                    kind=EntryKind.KNOWN,
                    title=k.name,
                    detail=QCoreApplication.translate(
                        "Home", "{address} · used before, not seen on this network now"
                    ).format(address=_address(last.host, last.port, 8443)),
                    action=Action.SIGN_IN,
                    host=last.host,
                    port=last.port,
                    server_id=k.server_id,
                    fingerprint=k.fingerprint,
                    remembered_fingerprint=k.fingerprint,
                    known=True,
                )
            )
        return tuple(rows)

    def current(self) -> HomeChanged:
        """The rows and status as they are now (for a page that is being rebuilt)."""
        return HomeChanged(entries=self.entries(), status=self._status)

    def _publish(self) -> None:
        self.changed.emit(self.current())


@dataclass(frozen=True, slots=True)
class AccountRow:
    """A signed-in account, as the home page shows it.

    Attributes:
        key: ``<server_id>/<username>``.
        server_name: the server's name.
        display_name: the person's name.
        username: their username.
        is_admin: owner or admin (they may invite people).
        remembered: signed in again automatically when the app starts.
        two_factor: two-step sign-in is on.
    """

    key: str
    server_name: str
    display_name: str
    username: str
    is_admin: bool
    remembered: bool
    two_factor: bool
