"""The I/O-free core of discovery: sightings in, the current lists and change events out."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.discovery.events import (
    DiscoveryEvent,
    DiscoveryStatus,
    PiFound,
    PiLost,
    PiUpdated,
    ServerFound,
    ServerLost,
    ServerUpdated,
)
from app.discovery.records import DiscoveredPi, DiscoveredServer, merge_pis

log = logging.getLogger(__name__)

# A home network has a handful of each. Records are unauthenticated, so one hostile or broken
# device could advertise thousands; past these bounds new ones are ignored (and logged).
MAX_SERVERS = 64
MAX_SIGHTINGS = 512


@dataclass(frozen=True, slots=True)
class DiscoverySnapshot:
    """Everything discovery knows at one moment, for a list model to start from.

    Attributes:
        servers: Roost servers, by name.
        pis: computers that could run Roost (Roost servers left out), by key.
        status: the current status sentence.
    """

    servers: tuple[DiscoveredServer, ...]
    pis: tuple[DiscoveredPi, ...]
    status: DiscoveryStatus


class DiscoveryState:
    """Keeps the servers and the computer sightings, and says what changed for the user.

    Sightings are keyed by where they came from (``mdns:<instance>``, ``host:<name>``,
    ``probe:<address>``), so that each source can withdraw its own; the list the user sees is
    derived from all of them by ``merge_pis`` and compared with the previous one.
    """

    def __init__(self) -> None:
        self._servers: dict[str, DiscoveredServer] = {}
        self._sightings: dict[str, DiscoveredPi] = {}
        self._visible: dict[str, DiscoveredPi] = {}

    @property
    def servers(self) -> tuple[DiscoveredServer, ...]:
        """Current servers, ordered by name then key."""
        return tuple(sorted(self._servers.values(), key=lambda s: (s.name.casefold(), s.key)))

    @property
    def pis(self) -> tuple[DiscoveredPi, ...]:
        """Current computers without Roost, ordered by key."""
        return tuple(self._visible[k] for k in sorted(self._visible))

    def put_server(self, server: DiscoveredServer) -> list[DiscoveryEvent]:
        """A server record was resolved (first time or again)."""
        previous = self._servers.get(server.key)
        if previous == server:
            return []
        if previous is None and len(self._servers) >= MAX_SERVERS:
            log.info("ignoring server %r: already listing %d", server.key[:100], MAX_SERVERS)
            return []
        self._servers[server.key] = server
        events: list[DiscoveryEvent] = [
            ServerFound(server) if previous is None else ServerUpdated(server, previous)
        ]
        return events + self._recompute_pis()

    def remove_server(self, key: str) -> list[DiscoveryEvent]:
        """A server record went away (goodbye, expiry, or it became unusable)."""
        previous = self._servers.pop(key, None)
        if previous is None:
            return []
        events: list[DiscoveryEvent] = [ServerLost(previous)]
        return events + self._recompute_pis()

    def put_sighting(self, key: str, pi: DiscoveredPi) -> list[DiscoveryEvent]:
        """A computer was seen (an mDNS record, a resolved name, a port that answered)."""
        if self._sightings.get(key) == pi:
            return []
        if key not in self._sightings and len(self._sightings) >= MAX_SIGHTINGS:
            log.info("ignoring %r: already tracking %d computers", key[:100], MAX_SIGHTINGS)
            return []
        self._sightings[key] = pi
        return self._recompute_pis()

    def remove_sighting(self, key: str) -> list[DiscoveryEvent]:
        """That sighting no longer holds."""
        if self._sightings.pop(key, None) is None:
            return []
        return self._recompute_pis()

    def clear(self) -> list[DiscoveryEvent]:
        """Forget everything (discovery stopped): a Lost event for each entry shown."""
        events: list[DiscoveryEvent] = [ServerLost(s) for s in self.servers]
        events += [PiLost(p) for p in self.pis]
        self._servers.clear()
        self._sightings.clear()
        self._visible = {}
        return events

    def _recompute_pis(self) -> list[DiscoveryEvent]:
        visible = merge_pis(self._servers.values(), self._sightings.values())
        events: list[DiscoveryEvent] = []
        for key, gone in self._visible.items():
            if key not in visible:
                events.append(PiLost(gone))
        for key, new in visible.items():
            old = self._visible.get(key)
            if old is None:
                events.append(PiFound(new))
            elif old != new:
                events.append(PiUpdated(new, old))
        self._visible = visible
        return events
