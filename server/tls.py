"""The server's TLS certificate: made at first start, pinned by clients through its fingerprint."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import ssl
import sys
from pathlib import Path

from server.child import run_in_child_blocking

CERT_NAME = "tls-cert.pem"
KEY_NAME = "tls-key.pem"

# Making a certificate needs ``cryptography.x509`` and the key serialisation it brings (bcrypt
# too, for OpenSSH keys): about 1.3 MiB that a process keeps once it has imported them, for
# something done once per data directory. ``roost-server run`` sets this, as it does
# ``server.storage.engine.migrate_in_child``: the first start then makes the pair in a
# short-lived child process. Tests and other callers make it in-process.
make_in_child = False


def ensure_self_signed_blocking(data_dir: Path, server_name: str) -> tuple[Path, Path]:
    """Return the cert and key paths in ``data_dir``, making an ECDSA P-256 pair if absent.

    Raises:
        RuntimeError: the child process that was to make the pair failed.
    """
    cert_path, key_path = data_dir / CERT_NAME, data_dir / KEY_NAME
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    if make_in_child and sys.executable:
        _make_in_child_blocking(data_dir, server_name)
    else:
        _make_self_signed_blocking(data_dir, server_name)
    return cert_path, key_path


def _make_in_child_blocking(data_dir: Path, server_name: str) -> None:
    run_in_child_blocking(
        "server.tls:_make_main", str(data_dir), server_name, what="making the TLS certificate"
    )


def _make_main(argv: list[str]) -> None:
    """The child: make the pair in ``DATA_DIR`` (``argv``: DATA_DIR SERVER_NAME)."""
    data_dir, server_name = argv
    _make_self_signed_blocking(Path(data_dir), server_name)


def _make_self_signed_blocking(data_dir: Path, server_name: str) -> None:
    import datetime as dt
    import ipaddress
    import socket

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = data_dir / CERT_NAME, data_dir / KEY_NAME
    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname() or "roost"
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, server_name[:64])])
    now = dt.datetime.now(dt.UTC)
    sans: list[x509.GeneralName] = [
        x509.DNSName(host),
        x509.DNSName(f"{host}.local"),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        # Clients pin the fingerprint, not a CA chain, so a long life avoids a surprise re-pin.
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


# The first certificate of a PEM file (RFC 7468), as ``x509.load_pem_x509_certificate`` takes
# it: an owner's file may hold its chain after it, or text before it.
_PEM_CERT = re.compile(
    rb"-----BEGIN (?:X509 )?CERTIFICATE-----(.*?)-----END (?:X509 )?CERTIFICATE-----", re.DOTALL
)


def fingerprint_blocking(cert_path: Path) -> str:
    """SHA-256 of the certificate's DER encoding, lower-case hex: what clients pin. The DER
    is the PEM block's base64, so this needs neither ``cryptography`` nor a parse of the
    certificate; ``server_context`` loads it, and refuses it if it is not one.

    Raises:
        ValueError: the file holds no PEM certificate.
    """
    found = _PEM_CERT.search(cert_path.read_bytes())
    if found is None:
        raise ValueError(f"no PEM certificate in {cert_path}")
    try:
        der = base64.b64decode(b"".join(found.group(1).split()), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"the certificate in {cert_path} is not valid base64") from exc
    return hashlib.sha256(der).hexdigest()


def format_fingerprint(fp: str) -> str:
    """``AB:CD:...`` in groups, as people compare it by eye."""
    return ":".join(fp[i : i + 2] for i in range(0, len(fp), 2)).upper()


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """A server context that speaks TLS 1.2 and 1.3 only."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(cert_path), str(key_path))
    # No session tickets. No Roost client resumes a TLS session (a reconnect is a new
    # handshake, authenticated by its token), and the two tickets TLS 1.3 sends by default
    # cost a sixth of the server's CPU per handshake (bench/tls_handshake.py), paid by every
    # login and reconnect. A ticket is also a key that outlives the connection.
    ctx.num_tickets = 0
    ctx.options |= ssl.OP_NO_TICKET
    return ctx
