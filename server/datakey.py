"""The data key: one secret outside the data directory that encrypts what is at rest inside it."""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
_FILE_HEADER = "roost-data-key-v1:"


class DataKeyError(Exception):
    """The key file is missing, unreadable or does not match this data directory."""


@dataclass(frozen=True, slots=True)
class DataKey:
    """AES-256-GCM under one key (``seal``/``open``: TOTP secrets, message bodies, each bound
    to its place by associated data); ``derive`` gives other purposes, such as signing access
    tokens, their own sub-key through HKDF."""

    raw: bytes

    def derive(self, purpose: str, length: int = KEY_BYTES) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode()
        ).derive(self.raw)

    def seal(self, plaintext: bytes, associated: bytes) -> bytes:
        """Encrypt with a fresh random nonce; ``associated`` binds the ciphertext to its place."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.raw).encrypt(nonce, plaintext, associated)

    def open(self, sealed: bytes, associated: bytes) -> bytes:
        """Decrypt; raises ``cryptography.exceptions.InvalidTag`` if anything was changed."""
        return AESGCM(self.raw).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)


def load_or_create_blocking(path: Path, *, may_create: bool) -> DataKey:
    """Read the key file, or make one (mode 0600) when this is a brand-new data directory.

    Raises:
        DataKeyError: the file is missing for existing data, or is malformed.
    """
    path = path.expanduser()
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        if not may_create:
            raise DataKeyError(
                f"the data key {path} is missing, but the data directory already holds data "
                "encrypted under it. Restore the key file (it is in your backup), or point "
                "key_file at it."
            ) from None
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        raw = secrets.token_bytes(KEY_BYTES)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(_FILE_HEADER + base64.b64encode(raw).decode() + "\n")
        return DataKey(raw)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataKeyError(f"the data key {path} cannot be read: {exc}") from None
    if not text.startswith(_FILE_HEADER):
        raise DataKeyError(f"{path} is not a Roost data key file")
    try:
        raw = base64.b64decode(text.removeprefix(_FILE_HEADER), validate=True)
    except ValueError:
        raise DataKeyError(f"{path} is damaged (not base64)") from None
    if len(raw) != KEY_BYTES:
        raise DataKeyError(f"{path} is damaged (wrong length)")
    return DataKey(raw)


_KEY_CHECK = b"roost key check"


def make_key_check(key: DataKey) -> str:
    """A value stored with the data that only this key opens: a wrong key is found at start."""
    return key.seal(_KEY_CHECK, b"key-check").hex()


def verify_key_check(key: DataKey, check: str, key_file: Path, data_dir: Path) -> None:
    """Raises:
    DataKeyError: the key is not the one this data was made with."""
    try:
        key.open(bytes.fromhex(check), b"key-check")
    except (InvalidTag, ValueError):
        raise DataKeyError(
            f"the data key {key_file} does not belong to the data in {data_dir}. "
            "Point key_file at the key that was made with this data."
        ) from None
