"""Certificate pinning: trust exactly one server certificate, named by its SHA-256 fingerprint.

A Roost server's certificate is self-signed and names the Pi's host name and 127.0.0.1, not its
LAN address, so neither CA validation nor the host name check can work (docs/protocol.md 3.2).
Instead the app pins the SHA-256 of the certificate's DER encoding and, on every connection,
compares it before sending a byte of the request.
"""

from __future__ import annotations

import hashlib
import re
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from requests import PreparedRequest
from requests.adapters import HTTPAdapter

from app.net.address import Address
from app.net.errors import CertificateChanged, Unreachable

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# urllib3's words when assert_fingerprint fails (stable since urllib3 1.x):
# 'Fingerprints did not match. Expected "<hex>", got "<hex>"'
_MISMATCH = re.compile(r'Fingerprints did not match\. Expected "([0-9a-f:]+)", got "([0-9a-f]+)"')


class InvalidFingerprint(ValueError):
    """The text is not a SHA-256 fingerprint (64 hex digits, colons and spaces allowed)."""


def normalise_fingerprint(text: str) -> str:
    """The pinned form of a fingerprint: 64 lower-case hex digits.

    People copy it from the Pi's console as ``92:6F:...`` pairs, maybe with spaces or line
    breaks; all of those are accepted.

    Raises:
        InvalidFingerprint: not 32 bytes of hex once colons and spaces are gone.
    """
    cleaned = re.sub(r"[\s:]", "", text).lower()
    if not _HEX64.fullmatch(cleaned):
        raise InvalidFingerprint("a fingerprint is 64 hexadecimal digits")
    return cleaned


def fingerprint_of(der: bytes) -> str:
    """SHA-256 of a DER certificate, lower-case hex (what ``server.tls`` pins)."""
    return hashlib.sha256(der).hexdigest()


@dataclass(frozen=True, slots=True)
class PeerCertificate:
    """The certificate a server presented.

    Attributes:
        der: the certificate, DER-encoded.
        fingerprint: its SHA-256, lower-case hex.
    """

    der: bytes
    fingerprint: str


def unverified_context() -> ssl.SSLContext:
    """A client context that completes the handshake with any certificate.

    Safe only together with a fingerprint check before anything is sent: that check is the
    verification. TLS 1.2 is the floor, as on the server.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def fetch_certificate_blocking(host: str, port: int, timeout: float = 10.0) -> PeerCertificate:
    """Handshakes with the server and returns its certificate, sending nothing else.

    For trust on first use: the app shows this fingerprint so the owner can compare it with the
    one on the Pi's console before pinning it.

    Raises:
        Unreachable: no TLS server answered at that address in time.
    """
    address = Address(host, port)
    try:
        with (
            socket.create_connection((address.host, address.port), timeout=timeout) as raw,
            unverified_context().wrap_socket(raw, server_hostname=address.host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except TimeoutError as exc:
        raise Unreachable(str(address), f"timed out: {exc}", timed_out=True) from exc
    except OSError as exc:  # refused, no route, unknown name, TLS failure (SSLError is an OSError)
        raise Unreachable(str(address), str(exc)) from exc
    if not der:
        raise Unreachable(str(address), "the server presented no certificate")
    return PeerCertificate(der=der, fingerprint=fingerprint_of(der))


def check_peer(ssl_object: ssl.SSLObject | ssl.SSLSocket | None, fingerprint: str) -> None:
    """Compares a finished handshake's certificate with the pin.

    Raises:
        CertificateChanged: the certificate is another one (or there is none).
    """
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    actual = fingerprint_of(der) if der else ""
    if actual != fingerprint:
        raise CertificateChanged(fingerprint, actual)


def websocket_ssl(fingerprint: str) -> tuple[ssl.SSLContext, Callable[[Any], None]]:
    """What a ``websockets`` client needs to pin: a context, and a check for its transport.

    Usage::

        ctx, check = websocket_ssl(fp)
        async with websockets.asyncio.client.connect(url, ssl=ctx) as ws:
            check(ws.transport)          # before the first frame (which carries the token)

    The HTTP upgrade request goes out before the check can run; it carries no secret, since
    Roost authenticates in the first WebSocket frame, never in the URL or headers.
    """
    pin = normalise_fingerprint(fingerprint)

    def check(transport: Any) -> None:
        check_peer(transport.get_extra_info("ssl_object"), pin)

    return unverified_context(), check


def certificate_changed_from(exc: BaseException, expected: str) -> CertificateChanged | None:
    """The pin mismatch hidden in a ``requests``/``urllib3`` SSL error, if that is what it is."""
    seen: set[int] = set()
    # requests wraps urllib3's SSLError in MaxRetryError in its own SSLError: walk args/causes.
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        match = _MISMATCH.search(str(current))
        if match:
            return CertificateChanged(expected, match.group(2))
        stack.extend(a for a in current.args if isinstance(a, BaseException))
        for linked in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(linked, BaseException):
                stack.append(linked)
    return None


class PinnedAdapter(HTTPAdapter):
    """A ``requests`` transport that accepts exactly one certificate.

    urllib3's ``assert_fingerprint`` compares the peer certificate right after the handshake,
    before the request is written, and skips the host name check (the certificate does not
    name the Pi's LAN address). CA verification is off because the fingerprint replaces it.
    """

    def __init__(self, fingerprint: str, **kwargs: Any) -> None:
        self.fingerprint = normalise_fingerprint(fingerprint)
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        pool_kwargs["assert_fingerprint"] = self.fingerprint
        pool_kwargs["ssl_context"] = unverified_context()
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, False, cert
        )
        pool_kwargs["assert_fingerprint"] = self.fingerprint
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # The pin is the verification; a CA bundle would reject the self-signed certificate.
        super().cert_verify(conn, url, False, cert)
