"""Finding Roost servers, and Pis that could run Roost, on the home network."""

from app.discovery.browser import Discovery
from app.discovery.events import (
    DiscoveryEvent,
    DiscoveryStatus,
    PiFound,
    PiLost,
    PiUpdated,
    ServerFound,
    ServerLost,
    ServerUpdated,
    StatusChanged,
    StatusKind,
)
from app.discovery.records import (
    DEFAULT_ROOST_PORT,
    AddressError,
    DiscoveredPi,
    DiscoveredServer,
    ServerState,
    Source,
    parse_manual_address,
)
from app.discovery.state import DiscoverySnapshot

__all__ = [
    "DEFAULT_ROOST_PORT",
    "AddressError",
    "DiscoveredPi",
    "DiscoveredServer",
    "Discovery",
    "DiscoveryEvent",
    "DiscoverySnapshot",
    "DiscoveryStatus",
    "PiFound",
    "PiLost",
    "PiUpdated",
    "ServerFound",
    "ServerLost",
    "ServerState",
    "ServerUpdated",
    "Source",
    "StatusChanged",
    "StatusKind",
    "parse_manual_address",
]
