"""Invite links (``roost://join?...``, docs/protocol.md 11.3) read into a typed value."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from PySide6.QtCore import QCoreApplication

from app.net.address import Address, InvalidAddress, parse_address
from app.net.pinning import InvalidFingerprint, normalise_fingerprint

# A link with more addresses than this is not one the server made.
MAX_ADDRESSES = 16
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{8,256}$")


class InvalidInvite(ValueError):
    """The text is not a usable invite link.

    Attributes:
        explanation: a translated sentence for the person who pasted it.
    """

    def __init__(self, explanation: str, detail: str) -> None:
        super().__init__(detail)
        self.explanation = explanation


@dataclass(frozen=True, slots=True)
class Invite:
    """What an invite link carries.

    Attributes:
        server_name: the name to show before connecting (not trusted: anyone can write it).
        token: the invite token, sent as ``invite`` when registering.
        fingerprint: the server certificate's SHA-256, or None for a server behind a TLS proxy.
        addresses: where to try the server, in order.
    """

    server_name: str
    token: str
    fingerprint: str | None
    addresses: tuple[Address, ...]


def _bad(detail: str) -> InvalidInvite:
    return InvalidInvite(
        QCoreApplication.translate(
            "Invite",
            "This doesn't look like a complete Roost invite link. Copy the whole link again "
            "from the message you received, or ask for a new invite.",
        ),
        detail,
    )


def _one(params: dict[str, list[str]], key: str) -> str:
    values = params.get(key, [])
    if len(values) != 1:
        raise _bad(f"{key!r} appears {len(values)} times, expected once")
    return values[0]


def parse_invite(text: str) -> Invite:
    """Reads a pasted invite link.

    Whitespace anywhere is dropped first: a form-encoded link never contains a literal space
    (a space is ``+``), and mail programs like to wrap long links across lines.

    Raises:
        InvalidInvite: anything malformed; nothing is half-read.
    """
    compact = "".join(text.split())
    if not compact:
        raise InvalidInvite(
            QCoreApplication.translate("Invite", "Paste the invite link you received first."),
            "empty",
        )
    try:
        parts = urlsplit(compact)
    except ValueError as exc:
        raise _bad(f"not a URL: {exc}") from exc
    if parts.scheme.lower() != "roost" or parts.netloc.lower() != "join":
        raise InvalidInvite(
            QCoreApplication.translate(
                "Invite",
                "This is not a Roost invite link. An invite link starts with roost://join",
            ),
            f"scheme {parts.scheme!r}, host {parts.netloc!r}",
        )
    if parts.path not in ("", "/"):
        raise _bad(f"unexpected path {parts.path!r}")
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise _bad(f"query: {exc}") from exc
    params: dict[str, list[str]] = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)

    name = unicodedata.normalize("NFC", _one(params, "name")).strip()
    if not name or len(name) > 64 or any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise _bad("bad server name")
    token = _one(params, "token")
    if not _TOKEN.fullmatch(token):
        raise _bad("bad token")

    fingerprint: str | None = None
    fps = params.get("fp", [])
    if len(fps) > 1:
        raise _bad("several fingerprints")
    if fps and fps[0]:
        try:
            fingerprint = normalise_fingerprint(fps[0])
        except InvalidFingerprint as exc:
            raise _bad(f"fingerprint: {exc}") from exc

    raw_addresses = params.get("addr", [])
    if not raw_addresses:
        raise _bad("no address")
    if len(raw_addresses) > MAX_ADDRESSES:
        raise _bad(f"{len(raw_addresses)} addresses")
    addresses: list[Address] = []
    for raw in raw_addresses:
        try:
            address = parse_address(raw)
        except InvalidAddress as exc:
            raise _bad(f"address {raw!r}: {exc}") from exc
        if address not in addresses:
            addresses.append(address)
    return Invite(
        server_name=name, token=token, fingerprint=fingerprint, addresses=tuple(addresses)
    )
