"""Pure functions that turn mDNS records and typed addresses into validated, typed values.

Nothing in an mDNS record is authenticated: any machine on the LAN can advertise anything.
So every field is checked for length and characters before it reaches the UI, and a record
that cannot be used is dropped with a logged reason rather than shown half-broken. Trust in
a server comes later, from its pinned certificate, never from these records.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from server.protocol import PROTOCOL_VERSION

if TYPE_CHECKING:
    from zeroconf import ServiceInfo

log = logging.getLogger(__name__)

ROOST_SERVICE = "_roost._tcp.local."
SSH_SERVICE = "_ssh._tcp.local."
WORKSTATION_SERVICE = "_workstation._tcp.local."
DEFAULT_ROOST_PORT = 8443
DEFAULT_SSH_PORT = 22

MAX_NAME_CHARS = 64
MAX_SERVER_ID_CHARS = 64
MAX_HOSTNAME_CHARS = 253
# Longer input is not an address anyone typed on purpose; echoing it back would swamp the UI.
MAX_MANUAL_CHARS = 300

_SERVER_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_VERSION = re.compile(r"[0-9]{1,4}")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_PORT = re.compile(r"[0-9]{1,5}")
_DOTTED_NUMBERS = re.compile(r"[0-9.]+")
# Raspberry Pi Ltd / Foundation MAC prefixes; avahi names the _workstation._tcp record
# "hostname [mac]", so a renamed Pi is still recognisable.
_PI_OUIS = ("b8:27:eb", "dc:a6:32", "e4:5f:01", "d8:3a:dd", "2c:cf:67", "28:cd:c1")
_MAC_IN_NAME = re.compile(r"\[((?:[0-9a-f]{2}:){5}[0-9a-f]{2})\]")
# Invisible characters that can reorder or hide text: a name like "Bank\u202eipiP" would be
# drawn as something else than it is. Zero-width joiners stay: emoji sequences need them.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_KEEP_FORMAT = frozenset("\u200c\u200d")


class ServerState(StrEnum):
    """Whether a server has an owner yet (TXT ``state``)."""

    UNCLAIMED = "unclaimed"
    READY = "ready"


class Source(StrEnum):
    """How something was found; the UI may say so ("found by name", "answered on port 22")."""

    MDNS = "mdns"
    HOSTNAME = "hostname"
    PROBE = "probe"


# When two sightings of one host are combined, the richer source wins.
_SOURCE_RANK = {Source.MDNS: 0, Source.HOSTNAME: 1, Source.PROBE: 2}


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """A resolved DNS-SD service, without zeroconf types, so tests and fuzzers can make one.

    Attributes:
        service_type: e.g. ``_roost._tcp.local.``.
        name: the full instance name, e.g. ``roost-0a10f16c9e2c._roost._tcp.local.``.
        server: the SRV target host, e.g. ``kitchen.local.`` (may be empty).
        port: the SRV port.
        addresses: IP addresses as text.
        properties: the raw TXT key/value pairs.
    """

    service_type: str
    name: str
    server: str
    port: int
    addresses: tuple[str, ...]
    properties: Mapping[bytes, bytes | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DiscoveredServer:
    """A Roost server as its mDNS record describes it (unauthenticated: pin before trusting).

    Attributes:
        key: the mDNS instance name; stable while the record lives, used to match updates.
        server_id: the server's id (TXT ``id``), to recognise a server already known.
        name: display name, cleaned of control characters and bounded in length.
        state: unclaimed (needs an owner) or ready.
        protocol_version: TXT ``v``.
        fingerprint: the TLS certificate's SHA-256, 64 lower-case hex, or "" for plain HTTP.
        hostname: e.g. ``kitchen.local`` (no trailing dot), or "" when not given.
        addresses: (host, port) pairs to connect to.
        source: how it was found.
    """

    key: str
    server_id: str
    name: str
    state: ServerState
    protocol_version: int
    fingerprint: str
    hostname: str
    addresses: tuple[tuple[str, int], ...]
    source: Source = Source.MDNS

    @property
    def supported(self) -> bool:
        """Whether this app speaks the server's protocol version (else: "update the app")."""
        return self.protocol_version == PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class DiscoveredPi:
    """A computer that does not (visibly) run Roost yet, but could.

    Attributes:
        hostname: e.g. ``raspberrypi.local``, or "" when only an address is known.
        addresses: IP addresses as text, sorted.
        ssh_port: where SSH answers (or is advertised), None when unknown or closed.
        source: how it was found.
        looks_like_pi: the name or network card says Raspberry Pi.
        roost_port: set when the Roost port answered although no Roost record was seen:
            "Roost may be running here".
    """

    hostname: str
    addresses: tuple[str, ...]
    ssh_port: int | None
    source: Source
    looks_like_pi: bool
    roost_port: int | None = None

    @property
    def key(self) -> str:
        """What identifies this entry in the list: its hostname, else its first address."""
        return self.hostname or (self.addresses[0] if self.addresses else "")


class AddressError(ValueError):
    """A typed address that cannot be used; ``str(error)`` is a translated sentence."""


# ---------------------------------------------------------------------------------------------
# Small validators


def normalize_hostname(raw: str) -> str:
    """``Kitchen.local.`` → ``kitchen.local``; "" when it is not a valid DNS host name."""
    host = raw.strip().rstrip(".").lower()
    if not host or len(host) > MAX_HOSTNAME_CHARS:
        return ""
    if not all(_LABEL.fullmatch(label) for label in host.split(".")):
        return ""
    return host


def normalize_ip(raw: str) -> str:
    """The canonical text of an IPv4/IPv6 address (scope kept), or "" if it is not one."""
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return ""


def _ip_sort_key(text: str) -> tuple[int, int, str]:
    addr = ipaddress.ip_address(text)
    return (addr.version, int(addr), text)


def sorted_ips(addresses: Iterable[str]) -> tuple[str, ...]:
    """Valid addresses, de-duplicated, IPv4 first, in numeric order (so equal sets compare
    equal, whichever order the network delivered them in)."""
    valid = {n for n in (normalize_ip(a) for a in addresses) if n}
    return tuple(sorted(valid, key=_ip_sort_key))


def clean_display_name(raw: str) -> str:
    """A name safe to show: no control or invisible reordering characters, whitespace
    collapsed, at most ``MAX_NAME_CHARS`` characters (an ellipsis marks a cut)."""
    kept: list[str] = []
    for ch in unicodedata.normalize("NFC", raw):
        category = unicodedata.category(ch)
        if ch.isspace() or category in ("Zl", "Zp"):
            kept.append(" ")
        elif (
            ch in _BIDI_CONTROLS
            or category in ("Cc", "Cs", "Co", "Cn")
            or category == "Cf"
            and ch not in _KEEP_FORMAT
        ):
            continue
        else:
            kept.append(ch)
    text = " ".join("".join(kept).split())
    if len(text) > MAX_NAME_CHARS:
        text = text[: MAX_NAME_CHARS - 1].rstrip().rstrip("\u200c\u200d") + "…"
    return text


def _txt(properties: Mapping[bytes, bytes | None], key: bytes) -> str | None:
    """A TXT value as text; None when missing, valueless or not UTF-8."""
    value = properties.get(key)
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _valid_port(port: int) -> bool:
    return 0 < port < 65536


# ---------------------------------------------------------------------------------------------
# mDNS records → typed values


def record_from_info(info: ServiceInfo) -> ServiceRecord:
    """Copy what we use out of a resolved zeroconf ``ServiceInfo``."""
    return ServiceRecord(
        service_type=str(info.type),
        name=str(info.name),
        server=str(info.server or ""),
        port=int(info.port or 0),
        addresses=tuple(info.parsed_scoped_addresses()),
        properties=dict(info.properties),
    )


def _reject(record: ServiceRecord, reason: str) -> None:
    # INFO, not WARNING: a misbehaving device on someone's LAN is not our bug, but whoever
    # debugs "my server does not show up" needs to see why it was dropped.
    log.info("ignoring mDNS record %r: %s", record.name[:100], reason)


def server_from_record(record: ServiceRecord) -> DiscoveredServer | None:
    """The Roost server a ``_roost._tcp`` record describes, or None (reason logged) when the
    record is unusable: missing or malformed fields, no valid address, bad port.

    Args:
        record: a resolved record of type ``_roost._tcp.local.``.

    Returns:
        The validated server, or None.
    """
    if record.service_type != ROOST_SERVICE or not record.name.endswith("." + ROOST_SERVICE):
        _reject(record, "not a _roost._tcp record")
        return None
    if not _valid_port(record.port):
        _reject(record, f"port {record.port} out of range")
        return None
    props = record.properties
    version = _txt(props, b"v")
    if version is None or not _VERSION.fullmatch(version):
        _reject(record, "missing or malformed protocol version 'v'")
        return None
    server_id = _txt(props, b"id")
    if server_id is None or not _SERVER_ID.fullmatch(server_id):
        _reject(record, "missing or malformed server id 'id'")
        return None
    state_text = _txt(props, b"state")
    try:
        state = ServerState(state_text or "")
    except ValueError:
        _reject(record, "missing or unknown 'state'")
        return None
    fingerprint = _txt(props, b"fp")
    if fingerprint is None or not (fingerprint == "" or _FINGERPRINT.fullmatch(fingerprint)):
        _reject(record, "fingerprint 'fp' is not 64 lower-case hex digits (or empty)")
        return None
    ips = sorted_ips(record.addresses)
    if not ips:
        _reject(record, "no valid address")
        return None
    hostname = normalize_hostname(record.server)
    name = clean_display_name(_txt(props, b"name") or "")
    if not name:
        name = QCoreApplication.translate("Discovery", "Roost server at {host}").format(
            host=hostname or ips[0]
        )
    return DiscoveredServer(
        key=record.name,
        server_id=server_id,
        name=name,
        state=state,
        protocol_version=int(version),
        fingerprint=fingerprint,
        hostname=hostname,
        addresses=tuple((ip, record.port) for ip in ips),
        source=Source.MDNS,
    )


def looks_like_pi(hostname: str, instance_name: str = "") -> bool:
    """Whether a host name or an avahi workstation name (which carries the MAC) says Pi."""
    first_label = hostname.split(".", 1)[0]
    if "raspberry" in first_label or first_label == "pi" or first_label.startswith("pi-"):
        return True
    mac = _MAC_IN_NAME.search(instance_name.lower())
    return mac is not None and mac.group(1)[:8] in _PI_OUIS


def pi_from_record(record: ServiceRecord) -> DiscoveredPi | None:
    """The computer an ``_ssh._tcp`` or ``_workstation._tcp`` record describes, or None
    (reason logged) when it names neither a valid host nor a valid address.

    Args:
        record: a resolved record of one of those two types.

    Returns:
        The validated computer, or None.
    """
    if record.service_type not in (SSH_SERVICE, WORKSTATION_SERVICE):
        _reject(record, "not an _ssh._tcp or _workstation._tcp record")
        return None
    if not record.name.endswith("." + record.service_type):
        _reject(record, "instance name does not match its type")
        return None
    hostname = normalize_hostname(record.server)
    ips = sorted_ips(record.addresses)
    if not hostname and not ips:
        _reject(record, "no valid host name or address")
        return None
    ssh_port: int | None = None
    if record.service_type == SSH_SERVICE:
        if not _valid_port(record.port):
            _reject(record, f"port {record.port} out of range")
            return None
        ssh_port = record.port
    return DiscoveredPi(
        hostname=hostname,
        addresses=ips,
        ssh_port=ssh_port,
        source=Source.MDNS,
        looks_like_pi=looks_like_pi(hostname, record.name),
    )


def combine_pis(a: DiscoveredPi, b: DiscoveredPi) -> DiscoveredPi:
    """Two sightings of one computer (its SSH record, its workstation record, a probe) as one
    entry. The result does not depend on the order of the arguments."""
    first, second = sorted((a, b), key=lambda p: (_SOURCE_RANK[p.source], p.key))
    return replace(
        first,
        hostname=first.hostname or second.hostname,
        addresses=sorted_ips((*first.addresses, *second.addresses)),
        ssh_port=first.ssh_port if first.ssh_port is not None else second.ssh_port,
        looks_like_pi=first.looks_like_pi or second.looks_like_pi,
        roost_port=first.roost_port if first.roost_port is not None else second.roost_port,
    )


def merge_pis(
    servers: Iterable[DiscoveredServer], pis: Iterable[DiscoveredPi]
) -> dict[str, DiscoveredPi]:
    """The list of "Pis without Roost" to show: sightings of one host combined, and any host
    that is also a Roost server left out (it appears once, as the server).

    Args:
        servers: the Roost servers currently known.
        pis: every sighting (mDNS records, resolved host names, probe results).

    Returns:
        Entries by ``DiscoveredPi.key``.
    """
    by_host: dict[str, DiscoveredPi] = {}
    anonymous: list[DiscoveredPi] = []
    for pi in pis:
        if not pi.hostname:
            anonymous.append(pi)
        elif pi.hostname in by_host:
            by_host[pi.hostname] = combine_pis(by_host[pi.hostname], pi)
        else:
            by_host[pi.hostname] = pi
    # A sighting with only an address joins the named host that has that address; if none
    # has, it stands alone under its address.
    merged: dict[str, DiscoveredPi] = dict(by_host)
    for pi in sorted(anonymous, key=lambda p: p.key):
        owner = next(
            (k for k, named in merged.items() if set(named.addresses) & set(pi.addresses)),
            None,
        )
        if owner is None:
            owner = pi.key
            merged[owner] = pi if owner not in merged else combine_pis(merged[owner], pi)
        else:
            merged[owner] = combine_pis(merged[owner], pi)
    server_hosts = {s.hostname for s in servers if s.hostname}
    server_ips = {ip for s in servers for ip, _ in s.addresses}
    return {
        key: pi
        for key, pi in merged.items()
        if not (pi.hostname and pi.hostname in server_hosts)
        and not (set(pi.addresses) & server_ips)
    }


# ---------------------------------------------------------------------------------------------
# Typed addresses


def _shown(text: str) -> str:
    """The user's input, made safe and short enough to quote back in an error."""
    return clean_display_name(text) or "…"


def _port_from(text: str) -> int:
    if not _PORT.fullmatch(text) or not _valid_port(int(text)):
        raise AddressError(
            QCoreApplication.translate(
                "Discovery",
                "The number after the colon is the port, and it must be between 1 and 65535 "
                "(Roost normally uses 8443). For example: 192.168.1.20:8443",
            )
        )
    return int(text)


def _bad_address(text: str) -> AddressError:
    return AddressError(
        QCoreApplication.translate(
            "Discovery",
            '"{text}" does not look like an address. Type the name of your Pi (like '
            "raspberrypi.local) or its IP address (like 192.168.1.20).",
        ).format(text=_shown(text))
    )


def parse_manual_address(text: str, default_port: int = DEFAULT_ROOST_PORT) -> tuple[str, int]:
    """The (host, port) a person typed, with the Roost port when they gave none.

    Accepts ``pi.local``, ``192.168.1.20``, ``192.168.1.20:8443``, ``[fd00::5]:8443``,
    ``fd00::5``, and the same pasted as ``https://…/``.

    Args:
        text: what was typed.
        default_port: the port when none is given.

    Returns:
        The host (a lower-case host name or a canonical IP address) and the port.

    Raises:
        AddressError: with a translated sentence saying what is wrong and what to type.
    """
    raw = text.strip()
    if len(raw) > MAX_MANUAL_CHARS:
        raise _bad_address(raw[:40])
    # People paste what the browser or the Pi's screen showed them.
    lowered = raw.lower()
    if lowered.startswith("https://"):
        raw = raw[len("https://") :]
    raw = raw.removesuffix("/")
    if not raw:
        raise AddressError(
            QCoreApplication.translate(
                "Discovery",
                "Please type an address, for example raspberrypi.local or 192.168.1.20.",
            )
        )
    if raw.startswith("["):
        inside, closed, rest = raw[1:].partition("]")
        host = normalize_ip(inside)
        if not closed or ":" not in inside or not host:
            raise _bad_address(text)
        if not rest:
            return host, default_port
        if not rest.startswith(":"):
            raise _bad_address(text)
        return host, _port_from(rest[1:])
    if raw.count(":") > 1:
        host = normalize_ip(raw)
        if not host or ipaddress.ip_address(host).version != 6:
            raise _bad_address(text)
        return host, default_port
    name, colon, port_text = raw.partition(":")
    port = _port_from(port_text) if colon else default_port
    if _DOTTED_NUMBERS.fullmatch(name):
        try:
            return str(ipaddress.IPv4Address(name)), port
        except ValueError:
            raise AddressError(
                QCoreApplication.translate(
                    "Discovery",
                    '"{text}" is not a complete IP address. It should be four numbers '
                    "from 0 to 255 with dots between them, like 192.168.1.20.",
                ).format(text=_shown(name))
            ) from None
    host = normalize_hostname(name)
    if not host:
        raise _bad_address(text)
    return host, port
