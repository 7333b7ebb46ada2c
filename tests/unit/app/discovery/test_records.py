"""mDNS records → typed values: good records, hostile TXT, and merging sightings of one host."""

from __future__ import annotations

import logging
import string
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.discovery.records import (
    MAX_NAME_CHARS,
    ROOST_SERVICE,
    SSH_SERVICE,
    WORKSTATION_SERVICE,
    DiscoveredPi,
    DiscoveredServer,
    ServerState,
    ServiceRecord,
    Source,
    clean_display_name,
    combine_pis,
    looks_like_pi,
    merge_pis,
    pi_from_record,
    server_from_record,
)
from server.protocol import PROTOCOL_VERSION

FP = "926f14" + "0" * 54 + "7bfe"
SERVER_ID = "0a10f16c9e2c2d3a593821ee"
INSTANCE = f"roost-{SERVER_ID[:12]}.{ROOST_SERVICE}"


def roost_record(**props: bytes | None) -> ServiceRecord:
    base: dict[bytes, bytes | None] = {
        b"v": b"1",
        b"id": SERVER_ID.encode(),
        b"name": b"Chen family",
        b"state": b"unclaimed",
        b"fp": FP.encode(),
    }
    for key, value in props.items():
        if value is None:
            base.pop(key.encode(), None)
        else:
            base[key.encode()] = value
    return ServiceRecord(
        service_type=ROOST_SERVICE,
        name=INSTANCE,
        server="Kitchen.local.",
        port=8443,
        addresses=("192.168.1.20",),
        properties=base,
    )


def ssh_record(host: str = "raspberrypi.local.", *addresses: str) -> ServiceRecord:
    return ServiceRecord(
        service_type=SSH_SERVICE,
        name=f"{host.split('.')[0]}.{SSH_SERVICE}",
        server=host,
        port=22,
        addresses=addresses or ("192.168.1.30",),
    )


# -- servers ----------------------------------------------------------------------------------


def test_a_good_record_becomes_a_server_with_every_field() -> None:
    server = server_from_record(roost_record())
    assert server == DiscoveredServer(
        key=INSTANCE,
        server_id=SERVER_ID,
        name="Chen family",
        state=ServerState.UNCLAIMED,
        protocol_version=1,
        fingerprint=FP,
        hostname="kitchen.local",
        addresses=(("192.168.1.20", 8443),),
        source=Source.MDNS,
    )


def test_a_newer_protocol_version_is_kept_but_not_supported() -> None:
    server = server_from_record(roost_record(v=str(PROTOCOL_VERSION + 1).encode()))
    assert server is not None
    assert not server.supported
    current = server_from_record(roost_record(v=str(PROTOCOL_VERSION).encode()))
    assert current is not None and current.supported


def test_ready_state_an_empty_fingerprint_and_several_addresses_are_kept() -> None:
    record = replace(
        roost_record(state=b"ready", fp=b""),
        addresses=("fd00::5", "192.168.1.20", "10.0.0.2", "192.168.1.20"),
    )
    server = server_from_record(record)
    assert server is not None
    assert server.state is ServerState.READY
    assert server.fingerprint == ""
    # de-duplicated, IPv4 first, numeric order: the same set always compares equal
    assert server.addresses == (("10.0.0.2", 8443), ("192.168.1.20", 8443), ("fd00::5", 8443))


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("v", None, "protocol version"),
        ("v", b"one", "protocol version"),
        ("v", b"", "protocol version"),
        ("id", None, "server id"),
        ("id", b"", "server id"),
        ("id", b"x" * 65, "server id"),
        ("id", b"abc def", "server id"),
        ("id", "caf\u00e9".encode(), "server id"),
        ("state", None, "state"),
        ("state", b"Ready", "state"),
        ("state", b"owned", "state"),
        ("fp", None, "fingerprint"),
        ("fp", FP.upper().encode(), "fingerprint"),
        ("fp", FP[:-1].encode(), "fingerprint"),
        ("fp", (FP + "0").encode(), "fingerprint"),
        ("fp", ("g" + FP[1:]).encode(), "fingerprint"),
        ("fp", b"\xff" * 64, "fingerprint"),
    ],
)
def test_an_unusable_field_drops_the_record_with_a_logged_reason(
    field: str, value: bytes | None, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.discovery.records"):
        assert server_from_record(roost_record(**{field: value})) is None
    assert reason in caplog.text
    assert INSTANCE in caplog.text


@pytest.mark.parametrize(
    "change",
    [
        {"port": 0},
        {"port": 70000},
        {"addresses": ()},
        {"addresses": ("not-an-ip", "999.1.1.1")},
        {"service_type": SSH_SERVICE},
        {"name": "roost-x._other._tcp.local."},
    ],
)
def test_bad_port_addresses_or_type_drop_the_record(change: dict[str, object]) -> None:
    assert server_from_record(replace(roost_record(), **change)) is None  # type: ignore[arg-type]


def test_a_name_is_cleaned_of_control_and_reordering_characters() -> None:
    hostile = "Bank\u202e of\x00 Mum\r\n\t  \u200b(trust me)\x1b[31m"
    server = server_from_record(roost_record(name=hostile.encode()))
    assert server is not None
    assert server.name == "Bank of Mum (trust me)[31m"


def test_a_long_name_is_cut_with_an_ellipsis() -> None:
    server = server_from_record(roost_record(name=("长" * 300).encode()))
    assert server is not None
    assert len(server.name) == MAX_NAME_CHARS
    assert server.name.endswith("…")


def test_an_emoji_name_keeps_its_joiners() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467 home"
    assert clean_display_name(family) == family


@pytest.mark.parametrize("raw", [None, b"", "\x00\x01\u202e \t".encode()])
def test_a_missing_or_empty_name_falls_back_to_the_host(raw: bytes | None) -> None:
    server = server_from_record(roost_record(name=raw))
    assert server is not None
    assert server.name == "Roost server at kitchen.local"


def test_a_name_that_is_not_utf8_falls_back_to_the_host() -> None:
    server = server_from_record(roost_record(name=b"\xff\xfe"))
    assert server is not None
    assert server.name == "Roost server at kitchen.local"


def test_an_invalid_hostname_is_left_out_but_the_server_is_kept() -> None:
    server = server_from_record(replace(roost_record(), server="bad host!.local."))
    assert server is not None
    assert server.hostname == ""


_TXT_KEYS = st.sampled_from([b"v", b"id", b"name", b"state", b"fp", b"x"])
_TXT = st.dictionaries(_TXT_KEYS, st.one_of(st.none(), st.binary(max_size=300)), max_size=6)


@given(
    props=_TXT,
    server=st.text(max_size=300),
    port=st.integers(-5, 70000),
    addresses=st.lists(st.text(max_size=50), max_size=4),
)
def test_any_record_gives_a_valid_server_or_none(
    props: dict[bytes, bytes | None], server: str, port: int, addresses: list[str]
) -> None:
    record = ServiceRecord(ROOST_SERVICE, INSTANCE, server, port, tuple(addresses), props)
    result = server_from_record(record)
    if result is None:
        return
    assert result.fingerprint == "" or (
        len(result.fingerprint) == 64 and set(result.fingerprint) <= set("0123456789abcdef")
    )
    assert 0 < len(result.name) <= MAX_NAME_CHARS
    assert result.name.isprintable()
    assert 1 <= len(result.server_id) <= 64
    assert result.addresses and all(p == port for _, p in result.addresses)
    assert set(result.hostname) <= set(string.ascii_lowercase + string.digits + "._-")


@given(st.text(max_size=500))
def test_a_cleaned_name_is_printable_and_bounded(raw: str) -> None:
    cleaned = clean_display_name(raw)
    assert len(cleaned) <= MAX_NAME_CHARS
    assert cleaned == cleaned.strip()
    assert all(ch.isprintable() or ch in "\u200c\u200d" for ch in cleaned)


# -- computers without Roost ------------------------------------------------------------------


def test_an_ssh_record_becomes_a_pi() -> None:
    pi = pi_from_record(ssh_record())
    assert pi == DiscoveredPi(
        hostname="raspberrypi.local",
        addresses=("192.168.1.30",),
        ssh_port=22,
        source=Source.MDNS,
        looks_like_pi=True,
    )
    assert pi.key == "raspberrypi.local"


def test_a_workstation_record_has_no_ssh_port_and_its_mac_can_say_pi() -> None:
    record = ServiceRecord(
        WORKSTATION_SERVICE,
        f"garden [DC:A6:32:01:02:03].{WORKSTATION_SERVICE}",
        "garden.local.",
        9,
        ("192.168.1.31",),
    )
    pi = pi_from_record(record)
    assert pi is not None
    assert pi.ssh_port is None
    assert pi.looks_like_pi


@pytest.mark.parametrize(
    ("hostname", "instance", "expected"),
    [
        ("raspberrypi.local", "", True),
        ("raspberrypi-2.local", "", True),
        ("pi.local", "", True),
        ("pi-hole.local", "", True),
        ("kitchen.local", "", False),
        ("pizza.local", "", False),
        ("kitchen.local", f"kitchen [b8:27:eb:00:00:01].{WORKSTATION_SERVICE}", True),
        ("kitchen.local", f"kitchen [00:11:22:33:44:55].{WORKSTATION_SERVICE}", False),
    ],
)
def test_looks_like_pi(hostname: str, instance: str, expected: bool) -> None:
    assert looks_like_pi(hostname, instance) is expected


@pytest.mark.parametrize(
    "record",
    [
        ServiceRecord(SSH_SERVICE, f"x.{SSH_SERVICE}", "", 22, ()),
        ServiceRecord(SSH_SERVICE, f"x.{SSH_SERVICE}", "bad host.local", 22, ("nope",)),
        ServiceRecord(SSH_SERVICE, f"x.{SSH_SERVICE}", "x.local", 0, ("192.168.1.2",)),
        ServiceRecord(SSH_SERVICE, f"x.{WORKSTATION_SERVICE}", "x.local", 22, ("192.168.1.2",)),
        ServiceRecord(ROOST_SERVICE, f"x.{ROOST_SERVICE}", "x.local", 22, ("192.168.1.2",)),
    ],
)
def test_unusable_computer_records_are_dropped(record: ServiceRecord) -> None:
    assert pi_from_record(record) is None


def _pi(
    hostname: str = "",
    *addresses: str,
    ssh: int | None = None,
    source: Source = Source.MDNS,
    roost: int | None = None,
) -> DiscoveredPi:
    return DiscoveredPi(hostname, addresses, ssh, source, hostname.startswith("rasp"), roost)


def test_combining_is_order_independent_and_prefers_mdns() -> None:
    a = _pi("raspberrypi.local", "192.168.1.30", source=Source.HOSTNAME, ssh=22)
    b = _pi("raspberrypi.local", "fd00::30", source=Source.MDNS)
    assert combine_pis(a, b) == combine_pis(b, a)
    both = combine_pis(a, b)
    assert both.source is Source.MDNS
    assert both.addresses == ("192.168.1.30", "fd00::30")
    assert both.ssh_port == 22


def test_merge_groups_by_hostname_then_by_address() -> None:
    pis = [
        _pi("raspberrypi.local", "192.168.1.30", ssh=22),
        _pi("raspberrypi.local", "192.168.1.30", source=Source.HOSTNAME),
        _pi("", "192.168.1.30", source=Source.PROBE, roost=8443),
        _pi("", "192.168.1.99", source=Source.PROBE, ssh=22),
    ]
    merged = merge_pis([], pis)
    assert sorted(merged) == ["192.168.1.99", "raspberrypi.local"]
    pi = merged["raspberrypi.local"]
    assert (pi.ssh_port, pi.roost_port, pi.source) == (22, 8443, Source.MDNS)
    assert merged["192.168.1.99"].hostname == ""


def test_a_pi_running_roost_appears_only_as_the_server() -> None:
    server = server_from_record(replace(roost_record(), server="raspberrypi.local."))
    assert server is not None
    by_name = _pi("raspberrypi.local", "192.168.1.30", ssh=22)
    by_address = _pi("", "192.168.1.20", source=Source.PROBE, roost=8443)
    other = _pi("garden.local", "192.168.1.31", ssh=22)
    merged = merge_pis([server], [by_name, by_address, other])
    assert list(merged) == ["garden.local"]
