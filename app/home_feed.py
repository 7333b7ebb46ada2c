"""Feeds the home list from discovery events and from the servers remembered before."""

from __future__ import annotations

import ipaddress

from app.discovery.events import (
    DiscoveryEvent,
    PiFound,
    PiLost,
    PiUpdated,
    ServerFound,
    ServerLost,
    ServerUpdated,
    StatusChanged,
)
from app.discovery.records import DiscoveredPi, DiscoveredServer, ServerState
from app.home import HomeList, PiSeen, ServerSeen


def _preferred(addresses: list[tuple[str, int]]) -> tuple[str, int] | None:
    """IPv4 first: every OS connects to it, while ``.local`` names need an mDNS resolver that
    Windows may lack, and link-local IPv6 needs a scope."""

    def rank(item: tuple[str, int]) -> int:
        try:
            ip = ipaddress.ip_address(item[0])
        except ValueError:
            return 2  # a host name
        return 0 if ip.version == 4 else 1

    return min(addresses, key=rank) if addresses else None


def server_seen(server: DiscoveredServer) -> ServerSeen | None:
    """A discovered server as a home entry's source (None when it has no usable address)."""
    best = _preferred(list(server.addresses))
    if best is None:
        return None
    return ServerSeen(
        server_id=server.server_id,
        name=server.name,
        claimed=server.state is ServerState.READY,
        host=best[0],
        port=best[1],
        fingerprint=server.fingerprint or None,
        protocol_version=server.protocol_version,
        hostname=server.hostname,
    )


def _pi_name(pi: DiscoveredPi) -> str:
    best = _preferred([(a, 0) for a in pi.addresses])
    return pi.hostname or (best[0] if best else "")


def pi_seen(pi: DiscoveredPi) -> PiSeen | None:
    """A discovered computer as a home entry's source (None when SSH is not known to answer)."""
    best = _preferred([(a, 0) for a in pi.addresses])
    if pi.ssh_port is None or best is None:
        return None
    return PiSeen(hostname=_pi_name(pi), host=best[0], port=pi.ssh_port)


def apply(home: HomeList, event: DiscoveryEvent) -> None:
    """Applies one discovery event to the home list."""
    match event:
        case ServerFound(server=s) | ServerUpdated(server=s):
            seen = server_seen(s)
            if seen is not None:
                home.server_seen(seen)
        case ServerLost(server=s):
            home.server_gone(s.server_id)
        case PiFound(pi=p) | PiUpdated(pi=p):
            pi = pi_seen(p)
            if pi is not None:
                home.pi_seen(pi)
            else:
                home.pi_gone(_pi_name(p))
        case PiLost(pi=p):
            home.pi_gone(_pi_name(p))
        case StatusChanged(status=status):
            home.set_status(status.message)
