"""Invite links: the server's own format, pasting accidents, and everything malformed."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.accounts.invite import InvalidInvite, Invite, parse_invite
from app.net.address import Address, parse_address
from app.net.explain import explain

FP = "926f1493a616b999250eadead4ec376a50482b382f7fa75b268a99487e057bfe"
TOKEN = "u4GaighV5WQ-gOoz4FwOjkDzHGrpN0Pg"


def link(*pairs: tuple[str, str]) -> str:
    return "roost://join?" + urlencode(pairs)


def test_the_documented_example() -> None:
    invite = parse_invite(
        "roost://join?name=Chen+family&token=u4GaighV5WQ-gOoz4FwOjkDzHGrpN0Pg"
        f"&fp={FP}&addr=127.0.0.1%3A39715"
    )
    assert invite == Invite("Chen family", TOKEN, FP, (Address("127.0.0.1", 39715),))


def test_several_addresses_in_order_with_ipv6_and_a_host_name() -> None:
    invite = parse_invite(
        link(
            ("name", "Chen 家"),
            ("token", TOKEN),
            ("fp", FP),
            ("addr", "raspberrypi.local:8443"),
            ("addr", "[fd00::5]:8443"),
            ("addr", "192.168.1.20:8443"),
        )
    )
    assert invite.server_name == "Chen 家"
    assert invite.addresses == (
        Address("raspberrypi.local", 8443),
        Address("fd00::5", 8443),
        Address("192.168.1.20", 8443),
    )
    assert [str(a) for a in invite.addresses][1] == "[fd00::5]:8443"


def test_pasting_whitespace_and_line_breaks_is_tolerated() -> None:
    text = link(("name", "A B"), ("token", TOKEN), ("fp", FP), ("addr", "10.0.0.2:8443"))
    wrapped = "\n\t  " + text[:30] + "\r\n  " + text[30:] + "  \n"
    assert parse_invite(wrapped) == parse_invite(text)
    assert parse_invite(wrapped).server_name == "A B"


def test_no_fingerprint_means_a_server_behind_a_proxy() -> None:
    assert (
        parse_invite(link(("name", "X"), ("token", TOKEN), ("addr", "a.example"))).fingerprint
        is None
    )
    assert (
        parse_invite(link(("name", "X"), ("token", TOKEN), ("fp", ""), ("addr", "h"))).fingerprint
        is None
    )


def test_fingerprint_in_colon_pairs_is_normalised() -> None:
    pairs = ":".join(FP[i : i + 2] for i in range(0, 64, 2)).upper()
    invite = parse_invite(link(("name", "X"), ("token", TOKEN), ("fp", pairs), ("addr", "h:1")))
    assert invite.fingerprint == FP


def test_scheme_and_host_case_does_not_matter() -> None:
    text = link(("name", "X"), ("token", TOKEN), ("addr", "h:1")).replace(
        "roost://join", "ROOST://Join/"
    )
    assert parse_invite(text).token == TOKEN


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n ",
        "https://example.com/join?name=X",
        "roost://login?name=X&token=" + TOKEN + "&addr=h",
        "roost://join/extra?name=X&token=" + TOKEN + "&addr=h",
        link(("token", TOKEN), ("addr", "h")),  # no name
        link(("name", "X"), ("addr", "h")),  # no token
        link(("name", "X"), ("token", TOKEN)),  # no address
        link(("name", "X"), ("name", "Y"), ("token", TOKEN), ("addr", "h")),
        link(("name", "X"), ("token", TOKEN), ("token", TOKEN), ("addr", "h")),
        link(("name", "X"), ("token", "short"), ("addr", "h")),
        link(("name", "X"), ("token", "has space here!"), ("addr", "h")),
        link(("name", "X"), ("token", TOKEN), ("fp", "abc"), ("addr", "h")),
        link(("name", "X"), ("token", TOKEN), ("fp", FP), ("fp", FP), ("addr", "h")),
        link(("name", "X"), ("token", TOKEN), ("addr", "fd00::5:8443")),  # IPv6 without brackets
        link(("name", "X"), ("token", TOKEN), ("addr", "[fd00::5")),
        link(("name", "X"), ("token", TOKEN), ("addr", "h:99999")),
        link(("name", "X"), ("token", TOKEN), ("addr", "h:port")),
        link(("name", "X"), ("token", TOKEN), ("addr", "")),
        link(("name", ""), ("token", TOKEN), ("addr", "h")),
        link(("name", "bell\x07"), ("token", TOKEN), ("addr", "h")),
        link(("name", "X"), ("token", TOKEN), *[("addr", f"h{i}") for i in range(17)]),
        "roost://join?name=X&token=" + TOKEN + "&addr=h&broken",
    ],
)
def test_malformed_links_are_refused_with_a_sentence(text: str) -> None:
    with pytest.raises(InvalidInvite) as caught:
        parse_invite(text)
    sentence = explain(caught.value)
    assert sentence == caught.value.explanation
    assert "invite" in sentence.lower() or "roost://join" in sentence


_names = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), min_size=1, max_size=64
).filter(lambda s: s.strip() == s and s != "")
_tokens = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"),
    min_size=8,
    max_size=64,
)
_hosts = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
    st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z0-9-]{1,10}){0,2}", fullmatch=True),
)
_addresses = st.lists(
    st.tuples(_hosts, st.integers(1, 65535)).map(lambda hp: f"{hp[0]}:{hp[1]}"),
    min_size=1,
    max_size=5,
    unique=True,
)


# No deadline: the machine is shared, and a slow example is not a wrong one.
@settings(deadline=None)
@given(
    name=_names,
    token=_tokens,
    fp=st.one_of(st.none(), st.binary(min_size=32, max_size=32)),
    addrs=_addresses,
)
def test_any_link_the_server_could_make_reads_back(
    name: str, token: str, fp: bytes | None, addrs: list[str]
) -> None:
    pairs = [("name", name), ("token", token)]
    if fp is not None:
        pairs.append(("fp", fp.hex()))
    pairs.extend(("addr", a) for a in addrs)
    invite = parse_invite(link(*pairs))
    assert invite.server_name == unicodedata.normalize("NFC", name).strip()
    assert invite.token == token
    assert invite.fingerprint == (fp.hex() if fp is not None else None)
    assert list(invite.addresses) == [parse_address(a) for a in addrs]


@settings(deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    """Either a whole invite or a sentence for the user: never another exception."""
    try:
        invite = parse_invite(text)
    except InvalidInvite as exc:
        outcome = exc.explanation
    else:
        outcome = invite.token
    assert outcome
