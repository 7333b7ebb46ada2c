"""The sentences the Home page shows about the search, one function per situation."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.discovery.events import DiscoveryStatus, StatusKind


def idle() -> DiscoveryStatus:
    """Before start and after stop."""
    return DiscoveryStatus(StatusKind.IDLE, "")


def searching() -> DiscoveryStatus:
    """Started, nothing found yet."""
    return DiscoveryStatus(
        StatusKind.SEARCHING,
        QCoreApplication.translate("Discovery", "Looking for Roost servers on your network…"),
    )


def nothing_yet() -> DiscoveryStatus:
    """A while has passed and nothing answered."""
    return DiscoveryStatus(
        StatusKind.NOTHING_YET,
        QCoreApplication.translate(
            "Discovery",
            "Nothing found yet. If your Pi was just switched on, give it two minutes; "
            "you can also type its address.",
        ),
    )


def unavailable(detail: str) -> DiscoveryStatus:
    """The network search could not start at all (no multicast, port 5353 taken or denied).

    Args:
        detail: the system's error, for the log or a "details" link.
    """
    return DiscoveryStatus(
        StatusKind.UNAVAILABLE,
        QCoreApplication.translate(
            "Discovery",
            "Roost cannot search your network from this computer right now (a firewall or "
            "another program may be blocking it). You can still type your Pi's address "
            "below, for example raspberrypi.local or 192.168.1.20.",
        ),
        detail,
    )


def _servers_sentence(count: int) -> str:
    if count == 1:
        return QCoreApplication.translate("Discovery", "Found 1 Roost server.")
    return QCoreApplication.translate("Discovery", "Found {count} Roost servers.").format(
        count=count
    )


def _pis_sentence(count: int, also: bool) -> str:
    if also:
        if count == 1:
            return QCoreApplication.translate(
                "Discovery", "Also found 1 computer you could install Roost on."
            )
        return QCoreApplication.translate(
            "Discovery", "Also found {count} computers you could install Roost on."
        ).format(count=count)
    if count == 1:
        return QCoreApplication.translate(
            "Discovery", "Found 1 computer you could install Roost on."
        )
    return QCoreApplication.translate(
        "Discovery", "Found {count} computers you could install Roost on."
    ).format(count=count)


def found(servers: int, pis: int) -> DiscoveryStatus:
    """Something was found (at least one of the counts is positive).

    Args:
        servers: Roost servers in the list.
        pis: computers without Roost in the list.
    """
    parts = []
    if servers:
        parts.append(_servers_sentence(servers))
    if pis:
        parts.append(_pis_sentence(pis, also=bool(servers)))
    return DiscoveryStatus(StatusKind.FOUND, " ".join(parts))
