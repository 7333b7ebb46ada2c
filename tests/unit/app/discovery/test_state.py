"""The I/O-free discovery core: which events a sequence of sightings produces."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from app.discovery import status
from app.discovery.events import (
    PiFound,
    PiLost,
    PiUpdated,
    ServerFound,
    ServerLost,
    ServerUpdated,
    StatusKind,
)
from app.discovery.records import DiscoveredPi, DiscoveredServer, ServerState, Source
from app.discovery.state import MAX_SERVERS, MAX_SIGHTINGS, DiscoveryState

SERVER = DiscoveredServer(
    key="roost-0a10f16c9e2c._roost._tcp.local.",
    server_id="0a10f16c9e2c2d3a593821ee",
    name="Roost on kitchen",
    state=ServerState.UNCLAIMED,
    protocol_version=1,
    fingerprint="a" * 64,
    hostname="kitchen.local",
    addresses=(("192.168.1.20", 8443),),
)
PI = DiscoveredPi("raspberrypi.local", ("192.168.1.30",), 22, Source.MDNS, True)


def test_server_found_updated_lost() -> None:
    state = DiscoveryState()
    assert state.put_server(SERVER) == [ServerFound(SERVER)]
    assert state.put_server(SERVER) == []  # the same record again changes nothing
    claimed = replace(SERVER, state=ServerState.READY, name="Chen family")
    assert state.put_server(claimed) == [ServerUpdated(claimed, SERVER)]
    assert state.servers == (claimed,)
    assert state.remove_server(SERVER.key) == [ServerLost(claimed)]
    assert state.remove_server(SERVER.key) == []
    assert len(state.servers) == 0


def test_pi_found_updated_lost_across_two_sources() -> None:
    state = DiscoveryState()
    by_name = DiscoveredPi("raspberrypi.local", ("192.168.1.30",), None, Source.HOSTNAME, True)
    assert state.put_sighting("host:raspberrypi.local", by_name) == [PiFound(by_name)]
    events = state.put_sighting("mdns:raspberrypi._ssh._tcp.local.", PI)
    assert events == [PiUpdated(replace(by_name, ssh_port=22, source=Source.MDNS), by_name)]
    assert state.remove_sighting("mdns:raspberrypi._ssh._tcp.local.") == [
        PiUpdated(by_name, replace(by_name, ssh_port=22, source=Source.MDNS))
    ]
    assert state.remove_sighting("host:raspberrypi.local") == [PiLost(by_name)]
    assert state.remove_sighting("host:raspberrypi.local") == []
    assert state.pis == ()


def test_a_pi_that_turns_out_to_run_roost_is_lost_as_a_pi_and_found_as_a_server() -> None:
    state = DiscoveryState()
    kitchen = replace(PI, hostname="kitchen.local")
    assert state.put_sighting("mdns:kitchen._ssh._tcp.local.", kitchen) == [PiFound(kitchen)]
    assert state.put_server(SERVER) == [ServerFound(SERVER), PiLost(kitchen)]
    assert state.pis == ()
    # and when the server stops, the computer is offered again
    assert state.remove_server(SERVER.key) == [ServerLost(SERVER), PiFound(kitchen)]


def test_a_sighting_of_a_server_address_never_shows_as_a_pi() -> None:
    state = DiscoveryState()
    state.put_server(SERVER)
    probe = DiscoveredPi("", ("192.168.1.20",), None, Source.PROBE, False, roost_port=8443)
    assert state.put_sighting("probe:192.168.1.20", probe) == []
    assert state.pis == ()


def test_status_sentences() -> None:
    assert status.searching().message == "Looking for Roost servers on your network…"
    assert status.found(1, 0).message == "Found 1 Roost server."
    assert status.found(2, 0).message == "Found 2 Roost servers."
    assert status.found(0, 1).message == "Found 1 computer you could install Roost on."
    assert status.found(2, 3).message == (
        "Found 2 Roost servers. Also found 3 computers you could install Roost on."
    )
    assert status.found(1, 1).kind is StatusKind.FOUND
    assert "give it two minutes" in status.nothing_yet().message
    unavailable = status.unavailable("OSError: [Errno 19] No such device")
    assert unavailable.kind is StatusKind.UNAVAILABLE
    assert "type your Pi's address" in unavailable.message
    assert unavailable.detail.startswith("OSError")


def test_a_flood_of_records_is_bounded(caplog: pytest.LogCaptureFixture) -> None:
    state = DiscoveryState()
    with caplog.at_level(logging.INFO, logger="app.discovery.state"):
        for i in range(MAX_SERVERS + 5):
            state.put_server(replace(SERVER, key=f"roost-{i}._roost._tcp.local."))
    assert len(state.servers) == MAX_SERVERS
    assert "ignoring server" in caplog.text
    # a known one still updates
    known = state.servers[0]
    assert state.put_server(replace(known, state=ServerState.READY)) != []
    for i in range(MAX_SIGHTINGS + 5):
        state.put_sighting(f"probe:{i}", replace(PI, hostname=f"h{i}.local"))
    assert len(state.pis) == MAX_SIGHTINGS


def test_clear_reports_everything_as_lost() -> None:
    state = DiscoveryState()
    state.put_server(SERVER)
    state.put_sighting("mdns:raspberrypi._ssh._tcp.local.", PI)
    assert state.clear() == [ServerLost(SERVER), PiLost(PI)]
    assert (state.servers, state.pis) == ((), ())
    assert state.clear() == []
