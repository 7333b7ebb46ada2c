"""The past-tense events ``Discovery`` emits, and the status sentence it keeps current."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.discovery.records import DiscoveredPi, DiscoveredServer


class StatusKind(StrEnum):
    """What discovery is doing, for an icon or a spinner; the sentence is in ``message``."""

    IDLE = "idle"
    SEARCHING = "searching"
    FOUND = "found"
    NOTHING_YET = "nothing_yet"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class DiscoveryStatus:
    """Where the search stands, in one plain sentence for the Home page.

    Attributes:
        kind: the situation, for choosing an icon.
        message: a translated sentence: what is happening and, if nothing is, what to do.
        detail: technical detail for a "more" link or the log (untranslated), may be "".
    """

    kind: StatusKind
    message: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ServerFound:
    """A Roost server appeared."""

    server: DiscoveredServer


@dataclass(frozen=True, slots=True)
class ServerUpdated:
    """A known server's record changed (e.g. it was claimed: state unclaimed → ready)."""

    server: DiscoveredServer
    previous: DiscoveredServer


@dataclass(frozen=True, slots=True)
class ServerLost:
    """A server said goodbye, or its record expired."""

    server: DiscoveredServer


@dataclass(frozen=True, slots=True)
class PiFound:
    """A computer that could run Roost appeared."""

    pi: DiscoveredPi


@dataclass(frozen=True, slots=True)
class PiUpdated:
    """What is known about such a computer changed (another address, SSH answered)."""

    pi: DiscoveredPi
    previous: DiscoveredPi


@dataclass(frozen=True, slots=True)
class PiLost:
    """Such a computer went away, or turned out to be a Roost server after all."""

    pi: DiscoveredPi


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """The status sentence changed."""

    status: DiscoveryStatus


DiscoveryEvent = (
    ServerFound | ServerUpdated | ServerLost | PiFound | PiUpdated | PiLost | StatusChanged
)
