"""The backup file: a stream of named entries, encrypted under a passphrase in authenticated chunks.

Layout::

    header   8  magic b"ROOSTBK1"
             2  format version (u16 big-endian, 1)
             4  chunk size: plaintext bytes per chunk (u32)
             3  scrypt cost: log2(N), r, p (u8 each)
             16 salt
             16 check: an AES-GCM tag over the header, under a key of its own
    chunk    4  ciphertext length (u32), then AES-256-GCM ciphertext and tag
    ...

The passphrase and salt give a master key through scrypt; HKDF splits it into a key for the
chunks and a key for the check. The check tells a wrong passphrase (or a changed header) from
damage further on. The salt is random, so every archive has its own key, and the nonce of chunk
``i`` is simply ``i``. Each chunk's associated data is the header, its index and whether it is
the last one: chunks cannot be changed, reordered, dropped or cut off at the end without a chunk
failing to decrypt, and bytes after the last chunk are refused. Every chunk but the last holds
exactly ``chunk size`` bytes of plaintext, so a reader holds one chunk in memory at a time.

The plaintext is a sequence of entries, ``b"F"``, name length (u16), UTF-8 name, size (u64),
then the bytes, ended by ``b"."``. Names are checked by the reader against what a backup may
hold (``check_name``): nothing in an archive can write outside the folder it is unpacked into.
Everything here blocks: call it from a thread.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"ROOSTBK1"
VERSION = 1
_FIXED = struct.Struct(">8sHIBBB16s")
HEADER_BYTES = _FIXED.size + 16
TAG = 16
DEFAULT_CHUNK = 1024 * 1024
DEFAULT_LOG2N = 17  # 128 MiB of memory for scrypt with r=8: fine on a 1 GB Pi, slow to guess
# What a reader accepts: a forged header must not make it allocate gigabytes.
MIN_LOG2N, MAX_LOG2N = 10, 20
MAX_CHUNK = 16 * 1024 * 1024
MAX_NAME = 512

# What a backup holds: the database, the key, the server's own certificate (so clients that
# pinned it still trust a restored server), two small JSON files and the encrypted files.
_NAME = re.compile(
    r"^(?:backup\.json|manifest\.json|data\.key|roost\.db|tls-cert\.pem|tls-key\.pem"
    r"|files/blobs/[A-Za-z0-9_-]{1,64}|files/thumbs/[A-Za-z0-9_-]{1,64}\.[a-z]{1,16})$"
)

ProgressFn = Callable[[int], None]


class BackupError(Exception):
    """A backup cannot be read or written; the message says why in plain words."""


class WrongPassphrase(BackupError):
    """The passphrase does not open this archive (or its header was changed)."""


class ArchiveDamaged(BackupError):
    """The archive was changed, cut short or is not a Roost backup."""


def check_name(name: str) -> None:
    """Raises:
    ArchiveDamaged: ``name`` is not something a Roost backup holds."""
    if not _NAME.match(name) or ".." in name:
        raise ArchiveDamaged(f"the backup holds an unexpected entry {name!r}")


@dataclass(frozen=True, slots=True)
class _Keys:
    chunks: AESGCM
    check: AESGCM


def _keys(passphrase: str, salt: bytes, log2n: int, r: int, p: int) -> _Keys:
    master = Scrypt(salt=salt, length=32, n=1 << log2n, r=r, p=p).derive(passphrase.encode())

    def sub(purpose: bytes) -> AESGCM:
        return AESGCM(
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)
        )

    return _Keys(sub(b"roost backup chunks v1"), sub(b"roost backup check v1"))


def _nonce(index: int) -> bytes:
    return b"\x00\x00\x00\x00" + struct.pack(">Q", index)


def _ad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">QB", index, int(last))


class ArchiveWriter:
    """Writes entries into an encrypted archive on ``fh``; ``close`` seals the last chunk."""

    def __init__(
        self,
        fh: BinaryIO,
        passphrase: str,
        *,
        log2n: int = DEFAULT_LOG2N,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> None:
        if not MIN_LOG2N <= log2n <= MAX_LOG2N:
            raise ValueError(f"scrypt log2(N) must be {MIN_LOG2N}..{MAX_LOG2N}")
        self._fh = fh
        self._chunk = chunk_size
        salt = os.urandom(16)
        r, p = 8, 1
        self._keys = _keys(passphrase, salt, log2n, r, p)
        fixed = _FIXED.pack(MAGIC, VERSION, chunk_size, log2n, r, p, salt)
        check = self._keys.check.encrypt(_nonce(0), b"", fixed)
        self._header = fixed + check
        fh.write(self._header)
        self._buf = bytearray()
        self._index = 0
        self.written = len(self._header)

    def _emit(self, plain: bytes, last: bool) -> None:
        sealed = self._keys.chunks.encrypt(
            _nonce(self._index), plain, _ad(self._header, self._index, last)
        )
        self._fh.write(struct.pack(">I", len(sealed)))
        self._fh.write(sealed)
        self.written += 4 + len(sealed)
        self._index += 1

    def write(self, data: bytes) -> None:
        self._buf += data
        # keep at least one byte back: the chunk that ends the archive is sealed as the last
        # one, and which one that is is known only at ``close``
        while len(self._buf) > self._chunk:
            self._emit(bytes(self._buf[: self._chunk]), False)
            del self._buf[: self._chunk]

    def add_bytes(self, name: str, data: bytes) -> str:
        """One entry from memory; returns its SHA-256 (hex)."""
        check_name(name)
        self._entry_head(name, len(data))
        self.write(data)
        return hashlib.sha256(data).hexdigest()

    def add_file(self, name: str, path: Path, progress: ProgressFn | None = None) -> str:
        """One entry streamed from a file that does not change meanwhile; returns its SHA-256.

        Raises:
            BackupError: the file changed size while it was read.
        """
        check_name(name)
        digest = hashlib.sha256()
        with path.open("rb") as src:
            size = os.fstat(src.fileno()).st_size
            self._entry_head(name, size)
            left = size
            while left:
                piece = src.read(min(left, self._chunk))
                if not piece:
                    raise BackupError(f"{name} became shorter while it was being backed up")
                digest.update(piece)
                self.write(piece)
                left -= len(piece)
                if progress is not None:
                    progress(len(piece))
        return digest.hexdigest()

    def _entry_head(self, name: str, size: int) -> None:
        raw = name.encode()
        self.write(b"F" + struct.pack(">H", len(raw)) + raw + struct.pack(">Q", size))

    def close(self) -> None:
        self.write(b".")
        self._emit(bytes(self._buf), True)
        self._buf.clear()
        self._fh.flush()


class _PlainStream:
    """The decrypted plaintext of an archive, read forwards, chunk by chunk."""

    def __init__(self, fh: BinaryIO, passphrase: str) -> None:
        self._fh = fh
        header = fh.read(HEADER_BYTES)
        if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
            raise ArchiveDamaged("this is not a Roost backup file, or it is cut short")
        _, version, chunk, log2n, r, p, salt = _FIXED.unpack(header[: _FIXED.size])
        if version != VERSION:
            raise ArchiveDamaged(f"this backup has format {version}, which this Roost cannot read")
        if not (MIN_LOG2N <= log2n <= MAX_LOG2N and r == 8 and p == 1 and 0 < chunk <= MAX_CHUNK):
            raise ArchiveDamaged("this backup's header is damaged")
        keys = _keys(passphrase, salt, log2n, r, p)
        try:
            keys.check.decrypt(_nonce(0), header[_FIXED.size :], header[: _FIXED.size])
        except InvalidTag:
            raise WrongPassphrase(
                "the passphrase does not open this backup (or its first bytes were changed)"
            ) from None
        self._header = header
        self._aead = keys.chunks
        self._chunk = chunk
        self._index = 0
        self._buf = b""
        self._pos = 0
        self._ended = False
        self._next_len = self._read_len()

    def _read_len(self) -> int | None:
        raw = self._fh.read(4)
        if not raw:
            return None
        if len(raw) != 4:
            raise ArchiveDamaged("the backup is cut short")
        n = int(struct.unpack(">I", raw)[0])
        if not TAG <= n <= self._chunk + TAG:
            raise ArchiveDamaged(f"the backup is damaged (chunk {self._index})")
        return n

    def _more(self) -> bool:
        if self._ended:
            return False
        n = self._next_len
        if n is None:
            raise ArchiveDamaged("the backup is cut short: its last part is missing")
        sealed = self._fh.read(n)
        if len(sealed) != n:
            raise ArchiveDamaged("the backup is cut short")
        self._next_len = self._read_len()
        last = self._next_len is None
        try:
            plain = self._aead.decrypt(
                _nonce(self._index), sealed, _ad(self._header, self._index, last)
            )
        except InvalidTag:
            raise ArchiveDamaged(
                f"the backup is damaged or was changed (part {self._index} does not decrypt)"
            ) from None
        if not last and len(plain) != self._chunk:
            raise ArchiveDamaged(f"the backup is damaged (part {self._index} is short)")
        self._index += 1
        self._ended = last
        self._buf = self._buf[self._pos :] + plain
        self._pos = 0
        return True

    def read_exact(self, n: int) -> bytes:
        """``n`` bytes (``n`` at most one chunk plus what is buffered is cheap; more is fine)."""
        out = bytearray()
        while len(out) < n:
            if self._pos >= len(self._buf) and not self._more():
                raise ArchiveDamaged("the backup ends in the middle of an entry")
            take = min(n - len(out), len(self._buf) - self._pos)
            out += self._buf[self._pos : self._pos + take]
            self._pos += take
        return bytes(out)

    def pieces(self, n: int) -> Iterator[bytes]:
        """``n`` bytes as pieces of at most a chunk: memory stays bounded for huge entries."""
        left = n
        while left:
            if self._pos >= len(self._buf) and not self._more():
                raise ArchiveDamaged("the backup ends in the middle of an entry")
            take = min(left, len(self._buf) - self._pos)
            yield self._buf[self._pos : self._pos + take]
            self._pos += take
            left -= take

    def at_end(self) -> bool:
        """True when every chunk was read and used up (the end marker was the last byte)."""
        return self._ended and self._pos >= len(self._buf)


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    size: int
    sha256: str


def extract_blocking(
    path: Path,
    passphrase: str,
    dest: Path,
    *,
    keep: Callable[[str], bool] = lambda _name: True,
    progress: ProgressFn | None = None,
) -> dict[str, Entry]:
    """Decrypt every entry; write those ``keep`` accepts under ``dest``; hash all of them.

    Returns:
        The entries by name, with the SHA-256 of their content.

    Raises:
        WrongPassphrase: the passphrase does not open the archive.
        ArchiveDamaged: any byte of it was changed, it is cut short or holds something else.
    """
    found: dict[str, Entry] = {}
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise BackupError(f"the backup {path} cannot be opened: {exc.strerror}") from None
    with fh:
        stream = _PlainStream(fh, passphrase)
        while True:
            kind = stream.read_exact(1)
            if kind == b".":
                break
            if kind != b"F":
                raise ArchiveDamaged("the backup's contents are damaged")
            (name_len,) = struct.unpack(">H", stream.read_exact(2))
            if not 0 < name_len <= MAX_NAME:
                raise ArchiveDamaged("the backup's contents are damaged")
            try:
                name = stream.read_exact(name_len).decode()
            except UnicodeDecodeError:
                raise ArchiveDamaged("the backup's contents are damaged") from None
            check_name(name)
            if name in found:
                raise ArchiveDamaged(f"the backup holds {name} twice")
            (size,) = struct.unpack(">Q", stream.read_exact(8))
            digest = hashlib.sha256()
            if keep(name):
                target = dest / name
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    for piece in stream.pieces(size):
                        digest.update(piece)
                        out.write(piece)
                        if progress is not None:
                            progress(len(piece))
            else:
                for piece in stream.pieces(size):
                    digest.update(piece)
                    if progress is not None:
                        progress(len(piece))
            found[name] = Entry(name, size, digest.hexdigest())
        # The end marker must be the very last plaintext byte of the last chunk.
        if not stream.at_end():
            raise ArchiveDamaged("the backup has unexpected data after its end")
    return found
