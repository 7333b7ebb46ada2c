"""Files at rest: encrypted in fixed-size segments, so any byte range decrypts on its own.

Layout of one object (``<root>/<kind>/<id>``)::

    header   16 bytes: b"RBLOB\\x00\\x01\\x00", segment size (u32 big-endian), 4 zero bytes
    segment  nonce (12) | AES-256-GCM ciphertext of up to ``segment size`` bytes | tag (16)
    ...

Every segment but the last holds exactly ``segment size`` bytes of plaintext, so segment ``i``
sits at a known offset and a Range read decrypts only the segments it touches. Each object has
its own key, derived from the data key and the object's id (HKDF); each segment's associated
data binds the id, the segment's index and whether it is the last one, so segments cannot be
moved, swapped between objects, dropped from the end or reordered without failing to decrypt.
Nonces are random: a segment rewritten during a resumed upload never reuses one.

An upload in progress is an object whose segments are all marked "not last"; finishing it
re-seals the final segment as "last" and renames the file into ``blobs/``. Everything here
blocks: call it from a thread.
"""

from __future__ import annotations

import errno
import hashlib
import os
import struct
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.datakey import DataKey

MAGIC = b"RBLOB\x00\x01\x00"
HEADER = 16
NONCE = 12
TAG = 16
OVERHEAD = NONCE + TAG
DEFAULT_SEGMENT = 64 * 1024

UPLOADS = "uploads"
BLOBS = "blobs"
THUMBS = "thumbs"
KINDS = (UPLOADS, BLOBS, THUMBS)


class BlobCorrupt(Exception):
    """A stored object does not decrypt: it was changed, truncated or belongs elsewhere."""


class OffsetMismatch(Exception):
    """An append that does not continue where the object ends."""

    def __init__(self, held: int) -> None:
        super().__init__(f"the object holds {held} bytes")
        self.held = held


class OutOfSpace(Exception):
    """The disk filled during a write; the object was rolled back to what it held before."""


def _ad(obj_id: str, index: int, last: bool) -> bytes:
    return b"roost-blob-v1\x00%s\x00%d\x00%d" % (obj_id.encode(), index, int(last))


class BlobStore:
    """Encrypted objects under ``root``, in one folder per kind (uploads, blobs, thumbs)."""

    def __init__(self, root: Path, key: DataKey, segment_size: int = DEFAULT_SEGMENT) -> None:
        self.root = root
        self._key = key
        self.segment_size = segment_size

    def ensure_dirs_blocking(self) -> None:
        for kind in KINDS:
            (self.root / kind).mkdir(mode=0o700, parents=True, exist_ok=True)

    def path(self, kind: str, obj_id: str) -> Path:
        if kind not in KINDS or not obj_id or "/" in obj_id or obj_id.startswith("."):
            raise ValueError(f"bad object name {kind}/{obj_id}")
        return self.root / kind / obj_id

    def _aead(self, obj_id: str) -> AESGCM:
        return AESGCM(self._key.derive("roost blob v1 " + obj_id))

    # --- writing -----------------------------------------------------------------------------

    def _header(self) -> bytes:
        return MAGIC + struct.pack(">I", self.segment_size) + b"\x00" * 4

    def create_blocking(self, kind: str, obj_id: str) -> None:
        """An empty object (an upload that holds nothing yet)."""
        fd = os.open(self.path(kind, obj_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(self._header())
            fh.flush()
            os.fsync(fh.fileno())

    def _seal(self, aead: AESGCM, obj_id: str, index: int, plain: bytes, last: bool) -> bytes:
        nonce = os.urandom(NONCE)
        return nonce + aead.encrypt(nonce, plain, _ad(obj_id, index, last))

    def _open_segment(self, aead: AESGCM, obj_id: str, index: int, raw: bytes, last: bool) -> bytes:
        if len(raw) < OVERHEAD:
            raise BlobCorrupt(f"{obj_id}: segment {index} is truncated")
        try:
            return aead.decrypt(raw[:NONCE], raw[NONCE:], _ad(obj_id, index, last))
        except InvalidTag:
            raise BlobCorrupt(f"{obj_id}: segment {index} does not decrypt") from None

    def write_blocking(self, kind: str, obj_id: str, pieces: Iterable[bytes]) -> tuple[int, str]:
        """A complete object from plaintext pieces; returns its size and SHA-256 (hex).

        Raises:
            OutOfSpace: the disk filled; nothing is left behind.
        """
        path = self.path(kind, obj_id)
        seg = self.segment_size
        aead = self._aead(obj_id)
        digest = hashlib.sha256()
        size = 0
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(self._header())
                buf = bytearray()
                index = 0
                for piece in pieces:
                    digest.update(piece)
                    size += len(piece)
                    buf += piece
                    # keep at least one byte back: the segment that ends the object is sealed
                    # as the last one, and we only know which it is at the end
                    while len(buf) > seg:
                        fh.write(self._seal(aead, obj_id, index, bytes(buf[:seg]), False))
                        del buf[:seg]
                        index += 1
                fh.write(self._seal(aead, obj_id, index, bytes(buf), True))
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            path.unlink(missing_ok=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise OutOfSpace(str(exc)) from exc
            raise
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return size, digest.hexdigest()

    def _layout(self, fh_size: int) -> tuple[int, int]:
        """(full segments, bytes of the partial segment after them, with its overhead)."""
        body = fh_size - HEADER
        if body < 0:
            raise BlobCorrupt("the header is truncated")
        stride = self.segment_size + OVERHEAD
        return body // stride, body % stride

    def _check_header(self, fh: object, obj_id: str) -> None:
        assert hasattr(fh, "read")
        head = fh.read(HEADER)
        if len(head) != HEADER or head[:8] != MAGIC:
            raise BlobCorrupt(f"{obj_id}: not a Roost blob")
        if struct.unpack(">I", head[8:12])[0] != self.segment_size:
            raise BlobCorrupt(f"{obj_id}: written with another segment size")

    def held_blocking(self, obj_id: str) -> int:
        """How many bytes an upload holds. A segment torn by a crash mid-write is cut off, so
        the answer is always bytes that decrypt."""
        path = self.path(UPLOADS, obj_id)
        with path.open("r+b") as fh:
            self._check_header(fh, obj_id)
            return self._held(fh, obj_id, os.fstat(fh.fileno()).st_size)

    def _held(self, fh: object, obj_id: str, file_size: int) -> int:
        assert hasattr(fh, "seek")
        assert hasattr(fh, "read")
        assert hasattr(fh, "truncate")
        seg, stride = self.segment_size, self.segment_size + OVERHEAD
        full, rest = self._layout(file_size)
        aead = self._aead(obj_id)
        while True:
            if rest == 0:
                if full == 0:
                    return 0
                # the last whole segment must decrypt too
                full -= 1
                rest = stride
            start = HEADER + full * stride
            fh.seek(start)
            try:
                plain = self._open_segment(aead, obj_id, full, fh.read(rest), False)
            except BlobCorrupt:
                fh.truncate(start)  # torn by a crash: drop it and look at the one before
                rest = 0
                continue
            return full * seg + len(plain)

    def append_blocking(self, obj_id: str, offset: int, data: bytes) -> int:
        """Write ``data`` at ``offset`` of an upload and make it durable; returns the bytes held.

        ``offset`` may be below what is held (a chunk sent again): what follows it is replaced.

        Raises:
            OffsetMismatch: ``offset`` is beyond what the upload holds.
            OutOfSpace: the disk filled; the upload holds what it held before (or less, down to
                ``offset``, when it was being rewritten).
        """
        writer = ChunkWriter(self, obj_id, offset)
        try:
            plain = writer.prefix + data if writer.prefix else data
            writer.write(memoryview(plain), last=True)
        except BaseException:
            writer.abort()
            raise
        writer.close()
        return writer.held

    def finish_blocking(self, obj_id: str, size: int) -> None:
        """Turn a whole upload into a blob: seal its final segment as the last one and move it
        to ``blobs/`` under the same id."""
        seg, stride = self.segment_size, self.segment_size + OVERHEAD
        aead = self._aead(obj_id)
        src = self.path(UPLOADS, obj_id)
        with src.open("r+b") as fh:
            self._check_header(fh, obj_id)
            held = self._held(fh, obj_id, os.fstat(fh.fileno()).st_size)
            if held != size:
                raise BlobCorrupt(f"{obj_id}: holds {held} bytes, not {size}")
            index = max(0, (size - 1) // seg) if size else 0
            start = HEADER + index * stride
            fh.seek(start)
            plain = self._open_segment(aead, obj_id, index, fh.read(stride), False) if size else b""
            fh.seek(start)
            fh.truncate()
            fh.write(self._seal(aead, obj_id, index, plain, True))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(src, self.path(BLOBS, obj_id))
        self._sync_dir(self.root / BLOBS)

    @staticmethod
    def _sync_dir(path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    # --- reading -----------------------------------------------------------------------------

    def reader(self, kind: str, obj_id: str, size: int) -> BlobReader:
        """Opens a finished object of ``size`` plaintext bytes for reading."""
        return BlobReader(self, kind, obj_id, size)

    def upload_plaintext_blocking(self, obj_id: str, size: int) -> Iterator[bytes]:
        """The plaintext of an upload in progress, segment by segment (to hash and sniff it)."""
        seg = self.segment_size
        aead = self._aead(obj_id)
        with self.path(UPLOADS, obj_id).open("rb") as fh:
            self._check_header(fh, obj_id)
            index, pos = 0, 0
            while pos < size:
                want = min(seg, size - pos)
                plain = self._open_segment(aead, obj_id, index, fh.read(want + OVERHEAD), False)
                if len(plain) != want:
                    raise BlobCorrupt(f"{obj_id}: segment {index} is short")
                yield plain
                pos += want
                index += 1

    def read_all_blocking(self, kind: str, obj_id: str, size: int) -> bytes:
        """A small object whole (thumbnails); never for attachments."""
        with self.reader(kind, obj_id, size) as r:
            return r.read_blocking(0, size)

    # --- housekeeping ------------------------------------------------------------------------

    def delete_blocking(self, kind: str, obj_id: str) -> None:
        self.path(kind, obj_id).unlink(missing_ok=True)

    def list_blocking(self, kind: str) -> list[tuple[str, float]]:
        """(id, mtime) of every object of a kind."""
        out = []
        with os.scandir(self.root / kind) as it:
            for entry in it:
                if entry.is_file():
                    out.append((entry.name, entry.stat().st_mtime))
        return out

    def plaintext_size_blocking(self, kind: str, obj_id: str) -> int:
        """The plaintext size of a finished object, from its size on disk."""
        body = self.path(kind, obj_id).stat().st_size - HEADER
        segments = max(1, -(-body // (self.segment_size + OVERHEAD)))
        return body - segments * OVERHEAD

    @staticmethod
    def stored_size(size: int, segment_size: int = DEFAULT_SEGMENT) -> int:
        """Bytes on disk for ``size`` bytes of plaintext."""
        segments = max(1, -(-size // segment_size))
        return HEADER + size + segments * OVERHEAD


# While a chunk arrives, an fsync of what was written starts (on a thread of its own, so that
# writing goes on) every this many bytes: the flush before the chunk is acknowledged then has
# little left to wait for, and the disk works while the network does.
SYNC_EVERY = 4 * 1024 * 1024


class _Hash(Protocol):
    def update(self, data: memoryview, /) -> None: ...


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        data = data[os.write(fd, data) :]


class ChunkWriter:
    """One chunk of an upload, written while it arrives. Every method blocks (call it from a
    thread); a lock makes an ``abort`` wait for a ``write`` still running.

    Opening checks the offset and cuts the upload at the segment the chunk starts in; the
    plaintext of that segment up to ``offset`` is ``prefix``, which the caller puts before the
    chunk's first byte. ``write`` takes plaintext from there on, in whole segments (the last
    write may end inside one), seals and writes it, feeds it to ``hashes`` (never the prefix)
    and starts an fsync every ``SYNC_EVERY`` bytes; after the ``last`` write everything is on
    disk (fsync'd) and ``held`` is what the upload holds. Then ``close`` keeps the chunk, or
    ``abort`` puts the file back as it was before it (a chunk that rewrote held bytes: back to
    the end of the segment it started in).
    """

    def __init__(
        self, store: BlobStore, obj_id: str, offset: int, hashes: Iterable[_Hash] = ()
    ) -> None:
        self._id = obj_id
        self._seg = seg = store.segment_size
        self._aead = store._aead(obj_id)
        self._hashes = list(hashes)
        self._lock = threading.Lock()
        self._out = bytearray()  # the sealed segments of one write, reused
        fh = store.path(UPLOADS, obj_id).open("r+b", buffering=0)
        try:
            store._check_header(fh, obj_id)
            held = store._held(fh, obj_id, os.fstat(fh.fileno()).st_size)
            if offset > held:
                raise OffsetMismatch(held)
            self._index = offset // seg
            self._start = HEADER + self._index * (seg + OVERHEAD)
            fh.seek(self._start)
            self._old = fh.read(seg + OVERHEAD)  # the segment the chunk continues
            self.prefix = b""
            if offset % seg:
                plain = store._open_segment(self._aead, obj_id, self._index, self._old, False)
                self.prefix = plain[: offset % seg]
            fh.seek(self._start)
            fh.truncate()
        except BaseException:
            fh.close()
            raise
        self._fh: BinaryIO | None = fh
        self._skip = len(self.prefix)  # bytes at the start of the next write that are not new
        self._plain_end = self._index * seg  # plaintext bytes before the next segment
        self._unsynced = 0
        # fsync of what was written so far, on a thread of its own: writing goes on meanwhile
        self._flushing = threading.Thread()
        self._flush_error: OSError | None = None
        self.held = offset

    def write(self, plain: memoryview, *, last: bool = False) -> None:
        """Raises:
        OutOfSpace: the disk filled (``abort`` then rolls back).
        """
        with self._lock:
            if self._fh is None:
                raise ValueError("the chunk was already finished or aborted")
            seg, n = self._seg, len(plain)
            if not last and n % seg:
                raise ValueError("only the last write may end inside a segment")
            count = -(-n // seg)
            need = n + count * OVERHEAD
            if len(self._out) < need:
                self._out = bytearray(need)
            out = memoryview(self._out)
            if n > self._skip:
                new = plain[self._skip :]
                for h in self._hashes:
                    h.update(new)
            self._skip = max(0, self._skip - n)
            o = 0
            for p in range(0, n, seg):
                piece = plain[p : p + seg]
                nonce = os.urandom(NONCE)
                out[o : o + NONCE] = nonce
                end = o + NONCE + len(piece) + TAG
                _encrypt_into(
                    self._aead,
                    nonce,
                    piece,
                    _ad(self._id, self._index, False),
                    out[o + NONCE : end],
                )
                o = end
                self._index += 1
            fd = self._fh.fileno()
            try:
                _write_all(fd, out[:o])
                self._unsynced += o
                if last:
                    self._wait_flushing()
                    os.fsync(fd)
                elif self._unsynced >= SYNC_EVERY and not self._flushing.is_alive():
                    self._flushing = threading.Thread(
                        target=self._flush, args=(fd,), name="upload-flush", daemon=True
                    )
                    self._flushing.start()
                    self._unsynced = 0
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise OutOfSpace(str(exc)) from exc
                raise
            self._plain_end += n
            if last:
                self.held = self._plain_end

    def _flush(self, fd: int) -> None:
        try:
            os.fsync(fd)
        except OSError as exc:  # the last write's fsync might not hear of it again
            self._flush_error = exc

    def _wait_flushing(self) -> None:
        if self._flushing.is_alive():
            self._flushing.join()
        if self._flush_error is not None:
            raise self._flush_error

    def close(self) -> None:
        """Keeps the chunk (after its last write): ``abort`` does nothing from here on."""
        with self._lock:
            fh, self._fh = self._fh, None
            if fh is not None:
                if self._flushing.is_alive():
                    self._flushing.join()
                fh.close()

    def abort(self) -> None:
        """Back to the state before the chunk, even after its last write: what it wrote is cut
        off and the segment it continued is put back as it was."""
        with self._lock:
            fh, self._fh = self._fh, None
            if fh is None:
                return
            if self._flushing.is_alive():
                self._flushing.join()
            with fh:
                fh.seek(self._start)
                fh.truncate()
                if self._old:
                    _write_all(fh.fileno(), memoryview(self._old))
                os.fsync(fh.fileno())


def _encrypt_into(
    aead: AESGCM, nonce: bytes, plain: memoryview, ad: bytes, out: memoryview
) -> None:
    """``aead.encrypt`` straight into ``out`` (ciphertext and tag): no copy of the plaintext's
    size per segment where cryptography can (version 45 and later)."""
    into = getattr(aead, "encrypt_into", None)
    if into is not None:
        into(nonce, plain, ad, out)
    else:
        out[:] = aead.encrypt(nonce, plain, ad)


def _decrypt_into(
    aead: AESGCM, nonce: memoryview, sealed: memoryview, ad: bytes, out: memoryview
) -> None:
    """``aead.decrypt`` straight into ``out``, where cryptography can (see ``_encrypt_into``).

    Raises:
        InvalidTag: the segment was changed, moved or belongs elsewhere.
    """
    into = getattr(aead, "decrypt_into", None)
    if into is not None:
        into(nonce, sealed, ad, out)
    else:
        out[:] = aead.decrypt(bytes(nonce), sealed, ad)


class BlobReader:
    """Random access to a finished object: ``read_blocking`` decrypts only the segments a range
    touches, and keeps the last one it decrypted (reads that continue it cost nothing more)."""

    def __init__(self, store: BlobStore, kind: str, obj_id: str, size: int) -> None:
        self._store = store
        self._id = obj_id
        self.size = size
        self._seg = store.segment_size
        self._count = max(1, -(-size // self._seg))
        self._aead = store._aead(obj_id)
        self._fh = store.path(kind, obj_id).open("rb")
        try:
            store._check_header(self._fh, obj_id)
            expected = BlobStore.stored_size(size, self._seg)
            actual = os.fstat(self._fh.fileno()).st_size
            if actual != expected:
                raise BlobCorrupt(f"{obj_id}: {actual} bytes on disk, expected {expected}")
        except BaseException:
            self._fh.close()
            raise
        self._cached: tuple[int, bytes] | None = None
        self._raw = bytearray()  # ciphertext of ``read_span_blocking``, reused

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._fh.close()

    def _segment(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        stride = self._seg + OVERHEAD
        self._fh.seek(HEADER + index * stride)
        last = index == self._count - 1
        want = (self.size - index * self._seg if last else self._seg) + OVERHEAD
        raw = self._fh.read(want)
        if len(raw) != want:
            raise BlobCorrupt(f"{self._id}: segment {index} is truncated")
        plain = self._store._open_segment(self._aead, self._id, index, raw, last)
        self._cached = (index, plain)
        return plain

    def read_blocking(self, start: int, length: int) -> bytes:
        """Plaintext bytes ``start`` .. ``start + length`` (clipped to the object)."""
        end = min(self.size, start + length)
        if start >= end:
            # an empty object still has its one (empty) last segment to verify
            if self.size == 0:
                self._segment(0)
            return b""
        out = []
        pos = start
        while pos < end:
            index = pos // self._seg
            plain = self._segment(index)
            lo = pos - index * self._seg
            piece = plain[lo : lo + (end - pos)]
            out.append(piece)
            pos += len(piece)
        return b"".join(out)

    def read_span_blocking(self, start: int, end: int) -> memoryview:
        """Plaintext bytes ``start`` .. ``end`` (clipped to the object) in one new buffer: the
        ciphertext of the whole segments inside the span is read at once and each segment is
        decrypted straight into its place (no bytes object per segment, no join). Segments
        the span only touches go through ``read_blocking``'s cache."""
        end = min(self.size, end)
        seg = self._seg
        lo = -(-start // seg)  # the first segment that starts inside the span
        hi = self._count if end == self.size else end // seg  # and the one after the last
        if start >= end or lo >= hi:
            return memoryview(self.read_blocking(start, end - start))
        out = memoryview(bytearray(end - start))
        head = lo * seg - start
        if head:
            out[:head] = self.read_blocking(start, head)
        plain_end = min(hi * seg, self.size)
        want = plain_end - lo * seg + (hi - lo) * OVERHEAD
        if len(self._raw) < want:
            self._raw = bytearray(want)
        raw = memoryview(self._raw)[:want]
        self._fh.seek(HEADER + lo * (seg + OVERHEAD))
        got = 0
        while got < want:
            n = self._fh.readinto(raw[got:])
            if not n:
                index = lo + got // (seg + OVERHEAD)
                raise BlobCorrupt(f"{self._id}: segment {index} is truncated")
            got += n
        o, p = 0, head
        for index in range(lo, hi):
            n = min(seg, self.size - index * seg)
            sealed = raw[o : o + n + OVERHEAD]
            ad = _ad(self._id, index, index == self._count - 1)
            try:
                _decrypt_into(self._aead, sealed[:NONCE], sealed[NONCE:], ad, out[p : p + n])
            except InvalidTag:
                raise BlobCorrupt(f"{self._id}: segment {index} does not decrypt") from None
            o += n + OVERHEAD
            p += n
        if p < len(out):
            out[p:] = self.read_blocking(plain_end, end - plain_end)
        return out

    def next_boundary(self, pos: int, span: int) -> int:
        """The segment boundary at or after ``pos + span``: reads that end on one never
        decrypt a segment twice."""
        target = pos + span
        return min(self.size, -(-target // self._seg) * self._seg)
