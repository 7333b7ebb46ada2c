"""Pinned TLS to a remote Roost server: check its certificate's SHA-256 before sending anything.

Remote runs trust exactly the certificate the owner named (docs/protocol.md 3.2): one bare TLS
handshake fetches it and compares its fingerprint, and only then does a context that trusts that
one certificate carry the password and the tokens. Standard library only, so the desktop app can
use it too.
"""

from __future__ import annotations

import hashlib
import re
import socket
import ssl

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class FingerprintMismatch(Exception):
    """The server presented another certificate than the one named; nothing was sent to it."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(
            f"the server's certificate is not the one you named: expected {expected}, "
            f"it presented {actual or 'none'}. Nothing was sent. Check the fingerprint with "
            "`roost-server info` on the server."
        )
        self.expected = expected
        self.actual = actual


def normalise_fingerprint(text: str) -> str:
    """64 lower-case hex digits from ``92:6F:…`` pairs or plain hex (``SHA256:`` allowed).

    Raises:
        ValueError: not a SHA-256 fingerprint.
    """
    cleaned = re.sub(r"[\s:]", "", text).lower().removeprefix("sha256")
    if not _HEX64.fullmatch(cleaned):
        raise ValueError("a fingerprint is 64 hexadecimal digits (colons allowed)")
    return cleaned


def fetch_certificate_blocking(host: str, port: int, timeout: float = 10.0) -> bytes:
    """The DER certificate a server presents, from a handshake that sends no request."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the fingerprint comparison below is the verification
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        ctx.wrap_socket(raw, server_hostname=host) as tls,
    ):
        return tls.getpeercert(binary_form=True) or b""


def pinned_context_blocking(host: str, port: int, fingerprint: str) -> ssl.SSLContext:
    """A client context that trusts only the certificate whose SHA-256 is ``fingerprint``.

    Raises:
        FingerprintMismatch: the server presented another certificate.
        OSError: the server could not be reached.
    """
    expected = normalise_fingerprint(fingerprint)
    der = fetch_certificate_blocking(host, port)
    actual = hashlib.sha256(der).hexdigest() if der else ""
    if actual != expected:
        raise FingerprintMismatch(expected, actual)
    ctx = ssl.create_default_context(cadata=ssl.DER_cert_to_PEM_cert(der))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # The certificate does not name the Pi's LAN address; the pin replaces the name check.
    ctx.check_hostname = False
    # An owner's own CA-issued certificate is trusted as itself, without its chain.
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return ctx
