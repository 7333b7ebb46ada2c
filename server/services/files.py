"""Files: resumable uploads, checks at completion, content-addressed storage, who may download,
and the clean-up of what nobody needs any more.

The life of a file:

1. ``create`` checks the declared size against ``max_file_bytes``, the user's quota and the free
   disk (less what open uploads still promise) before a byte is stored.
2. ``put_chunk`` writes bytes at an offset; the upload's file on disk is the truth about how
   much arrived, and a chunk may be sent again from any offset at or below it.
3. ``complete`` checks the size and the SHA-256 the client declared, sniffs the real type and
   refuses one that contradicts the declaration, makes thumbnails and strips location data.
   The stored bytes are then content-addressed by *their* SHA-256: a photo whose GPS data was
   removed is stored under the hash of what is served, and the attachment keeps the hash of
   what was uploaded as ``original_sha256``. Identical stored content is kept once.
4. ``message/send`` carries the attachment; the share is written in the message's transaction.
5. ``sweep`` removes expired uploads, attachments no standing message carries (after the same
   grace period), blobs no attachment uses, and files on disk that no row names.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import hashlib
import logging
import shutil
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag

from server.config import Settings
from server.datakey import DataKey
from server.protocol.errors import ErrorCode
from server.protocol.files import Attachment, StorageUsage, Upload
from server.services import media
from server.services.blobstore import (
    BLOBS,
    THUMBS,
    UPLOADS,
    BlobCorrupt,
    BlobReader,
    BlobStore,
    ChunkWriter,
    OffsetMismatch,
    OutOfSpace,
)
from server.services.errors import ApiError
from server.services.secrets import random_id
from server.storage import files as q
from server.storage.aio import AsyncEngine

log = logging.getLogger(__name__)

# Files on disk that no row names are removed only once they are this old: a create or a
# completion writes its file a moment before it commits the row.
ORPHAN_GRACE_S = 3600.0
READ_SPAN = 1024 * 1024  # plaintext per trip to the reading thread
WRITE_SPAN = 1024 * 1024  # plaintext of an arriving chunk per trip to the writing thread
# An upload's row (its ``received`` and ``expires_at``) is brought up to date at most this often
# while its chunks arrive; always at its first chunk since the server started, when its last
# byte arrives, and when the disk filled during a chunk.
NOTE_EVERY_S = 10.0


class ChunkBody(Protocol):
    """An arriving chunk's bytes."""

    async def read_into(self, buf: memoryview, /) -> int:
        """Fills ``buf`` as far as the chunk goes: fewer bytes only at its end (0 after it)."""

    def abandon(self) -> None:
        """The rest is not wanted (the chunk was refused before its end)."""


def _upload_missing() -> ApiError:
    return ApiError(ErrorCode.UPLOAD_NOT_FOUND, "no such upload (it may have expired)")


def _attachment_missing() -> ApiError:
    return ApiError(ErrorCode.ATTACHMENT_NOT_FOUND, "no such attachment")


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def parse_content_range(header: str) -> tuple[int, int, int | None]:
    """``bytes first-last/total`` (total may be ``*``) as (first, last, total).

    Raises:
        ApiError: it is not that.
    """
    unit, _, spec = header.strip().partition(" ")
    rng, _, total = spec.partition("/")
    first, _, last = rng.partition("-")
    try:
        if unit.lower() != "bytes" or not first.isdigit() or not last.isdigit():
            raise ValueError
        a, b = int(first), int(last)
        t = None if total == "*" else int(total)
        if b < a:
            raise ValueError
    except ValueError:
        raise ApiError(
            ErrorCode.INVALID_REQUEST,
            "Content-Range must be 'bytes <first>-<last>/<size>' with first <= last",
        ) from None
    return a, b, t


def _chunk_digest(header: str) -> bytes:
    """The SHA-256 in an RFC 9530 ``Content-Digest: sha-256=:<base64>:`` header."""
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name.strip().lower() == "sha-256":
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == ":":
                try:
                    raw = base64.b64decode(value[1:-1], validate=True)
                except (binascii.Error, ValueError):
                    break
                if len(raw) == 32:
                    return raw
            break
    raise ApiError(
        ErrorCode.INVALID_REQUEST, "Content-Digest must be 'sha-256=:<base64 of 32 bytes>:'"
    )


@dataclass(frozen=True)
class _Arriving:
    """A chunk being received: the task storing it, and where it starts (what the upload held
    for sure before it)."""

    task: asyncio.Task[Upload]
    offset: int


def _quiet(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled():
        fut.exception()


async def _settle(fut: asyncio.Future[None]) -> None:
    """Waits for ``fut`` (a file operation on a thread, which cannot be stopped) even when this
    task is cancelled meanwhile, so that the upload's lock is not let go while it runs; the
    cancellation is raised once it is done."""
    cancelled = False
    while True:
        try:
            await asyncio.shield(fut)
            break
        except asyncio.CancelledError:
            if fut.done():
                break
            cancelled = True
    if cancelled:
        _quiet(fut)
        raise asyncio.CancelledError
    fut.result()


@dataclass(frozen=True)
class Download:
    """An attachment someone may read, opened for reading."""

    id: str
    name: str
    mime: str
    size: int
    sha256: str
    reader: BlobReader

    def close(self) -> None:
        self.reader.close()

    async def stream(self, start: int, end: int) -> AsyncIterator[memoryview]:
        """Plaintext ``start`` .. ``end`` (exclusive), a segment-aligned span per thread trip:
        never the whole file in memory."""
        pos = start
        while pos < end:
            stop = min(end, self.reader.next_boundary(pos, READ_SPAN))
            data = await asyncio.to_thread(self.reader.read_span_blocking, pos, stop)
            if not data:
                return
            yield data
            pos += len(data)


class Files:
    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        engine: AsyncEngine,
        reader: AsyncEngine,
        data_key: DataKey,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.reader = reader
        self.store = BlobStore(data_dir / "files", data_key)
        self.ffmpeg = media.find_ffmpeg(settings.ffmpeg)
        # A copy, so that a test can pretend the disk filled up.
        self.min_free_disk_bytes = settings.min_free_disk_bytes
        self.expiry_s = settings.upload_expiry_hours * 3600.0
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._sweeper: asyncio.Task[None] | None = None
        # The SHA-256 of each upload so far, while its chunks arrive in order: completion then
        # need not read the file again. Lost on restart or a resent chunk; then it does.
        self._hashing: dict[str, tuple[int, Any]] = {}
        # Chunks being received, by upload id; and when each upload's row was last updated.
        self._arriving: dict[str, _Arriving] = {}
        self._noted: dict[str, float] = {}
        # Files being deleted after the answer was sent (``_delete_soon``).
        self._deleting: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        await asyncio.to_thread(self.store.ensure_dirs_blocking)
        if self.ffmpeg is None:
            log.info("ffmpeg not found: audio and video get no duration or poster frame")

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(
            self._sweep_forever(), name="files-sweeper"
        )

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        await self.settled()

    async def settled(self) -> None:
        """Waits for the deletions started after an answer (``_delete_soon``)."""
        while self._deleting:
            await asyncio.wait(list(self._deleting))

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.files_sweep_interval_s)
            try:
                await self.sweep()
            except Exception:  # a busy database or disk must not end the sweeper
                log.exception("files sweep failed")

    def _lock(self, upload_id: str) -> asyncio.Lock:
        lock = self._locks.get(upload_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[upload_id] = lock
        return lock

    def free_disk_bytes(self) -> int:
        return shutil.disk_usage(self.store.root).free

    def _storage_full(self) -> ApiError:
        return ApiError(
            ErrorCode.STORAGE_FULL,
            "the server is running out of disk space, so it takes no uploads for now; "
            "ask its owner to free some space",
        )

    # --- uploads ----------------------------------------------------------------------------

    def _upload(self, row: Any, offset: int | None = None) -> Upload:
        return Upload(
            id=row.id,
            name=row.name,
            size=row.size,
            mime=row.mime,
            sha256=row.sha256,
            offset=row.received if offset is None else offset,
            chunk_bytes=self.settings.upload_chunk_bytes,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )

    async def create(self, user: int, *, name: str, size: int, mime: str, sha256: str) -> Upload:
        s = self.settings
        if size > s.max_file_bytes:
            raise ApiError(
                ErrorCode.FILE_TOO_LARGE,
                f"a file can be {_mib(s.max_file_bytes)} at most; this one is {_mib(size)}",
            )
        now = time.time()
        upload_id = random_id()
        async with self.engine.begin() as conn:
            # In the write transaction: two creates cannot both take the last of a quota.
            if s.user_quota_bytes:
                used = await q.usage_txn(conn, user)
                if used + size > s.user_quota_bytes:
                    raise ApiError(
                        ErrorCode.QUOTA_EXCEEDED,
                        f"this file ({_mib(size)}) does not fit in your storage: you use "
                        f"{_mib(used)} of {_mib(s.user_quota_bytes)}",
                    )
            reserved = await q.reserved_txn(conn)
            need = BlobStore.stored_size(size)
            if self.free_disk_bytes() - reserved - need < self.min_free_disk_bytes:
                raise self._storage_full()
            await q.create_upload_txn(
                conn,
                id=upload_id,
                user_id=user,
                name=name,
                mime=mime.lower(),
                size=size,
                sha256=sha256,
                received=0,
                created_at=now,
                expires_at=now + self.expiry_s,
            )
            try:
                await asyncio.to_thread(self.store.create_blocking, UPLOADS, upload_id)
            except OSError as exc:
                log.warning("cannot create an upload file: %s", exc)
                raise self._storage_full() from None
            row = await q.get_upload_txn(conn, upload_id)
        return self._upload(row)

    async def _own_upload(self, user: int, upload_id: str) -> Any:
        async with self.reader.connect() as conn:
            row = await q.get_upload_txn(conn, upload_id)
        if row is None or row.user_id != user:
            raise _upload_missing()
        return row

    async def _held(self, upload_id: str) -> int:
        try:
            return await asyncio.to_thread(self.store.held_blocking, upload_id)
        except (FileNotFoundError, BlobCorrupt):
            log.error("upload %s lost its file; discarding it", upload_id)
            await self._discard(upload_id)
            raise ApiError(
                ErrorCode.UPLOAD_NOT_FOUND, "this upload was lost on the server; start again"
            ) from None

    async def status(self, user: int, upload_id: str) -> Upload:
        row = await self._own_upload(user, upload_id)
        arriving = self._arriving.get(upload_id)
        if arriving is not None and not arriving.task.done():
            # Its file is being written: what was acknowledged before the chunk is the answer.
            return self._upload(row, arriving.offset)
        async with self._lock(upload_id):
            return self._upload(row, await self._held(upload_id))

    def _placement(
        self,
        row: Any,
        offset: int | None,
        content_range: str | None,
        content_length: str | None,
    ) -> tuple[int, int | None]:
        """Where a chunk goes and how long it says it is (None: it does not say).

        Raises:
            ApiError: the headers contradict each other or the upload.
        """
        rng = parse_content_range(content_range) if content_range else None
        announced = None
        if rng is not None:
            if offset is not None and offset != rng[0]:
                raise ApiError(ErrorCode.INVALID_REQUEST, "the offset and Content-Range disagree")
            if rng[2] is not None and rng[2] != row.size:
                raise ApiError(
                    ErrorCode.INVALID_REQUEST,
                    f"Content-Range gives the size {rng[2]}; the upload declared {row.size}",
                )
            offset, announced = rng[0], rng[1] - rng[0] + 1
        if offset is None:
            raise ApiError(
                ErrorCode.INVALID_REQUEST,
                "say where the chunk goes: Content-Range: bytes <first>-<last>/<size>, "
                "or ?offset=<first>",
            )
        if content_length is not None and content_length.isdigit():
            length = int(content_length)
            if announced is not None and announced != length:
                raise ApiError(
                    ErrorCode.INVALID_REQUEST,
                    f"Content-Range announces {announced} bytes; the body has {length}",
                )
            announced = length
        if announced is not None and offset + announced > row.size:
            raise ApiError(
                ErrorCode.INVALID_REQUEST,
                f"the chunk ends at byte {offset + announced}, past the declared size {row.size}",
            )
        return offset, announced

    async def put_chunk(
        self,
        user: int,
        upload_id: str,
        *,
        body: ChunkBody,
        offset: int | None,
        content_range: str | None,
        content_digest: str | None,
        content_length: str | None = None,
    ) -> Upload:
        """Store one chunk as it arrives, and answer once it is on disk. A chunk that does not
        arrive whole, or does not match its ``Content-Digest``, is rolled back.

        A newer request for the same upload (another chunk, ``complete``, ``DELETE``) stops a
        chunk still arriving: a client that lost its connection need not wait for the server
        to notice."""
        row = await self._own_upload(user, upload_id)
        offset, announced = self._placement(row, offset, content_range, content_length)
        expected = _chunk_digest(content_digest) if content_digest else None
        task = asyncio.get_running_loop().create_task(
            self._receive_chunk(row, offset, announced, expected, body),
            name=f"upload-chunk-{upload_id}",
        )
        mine = _Arriving(task, offset)
        earlier = self._arriving.get(upload_id)
        self._arriving[upload_id] = mine
        if earlier is not None:
            earlier.task.cancel()
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            if self._arriving.get(upload_id) is mine:
                del self._arriving[upload_id]
        if task.cancelled():
            raise ApiError(
                ErrorCode.INVALID_REQUEST,
                "a newer request for this upload came before this chunk was complete; nothing "
                "of it was stored",
            )
        return task.result()

    async def _stop_arriving(self, upload_id: str) -> None:
        """Stops a chunk still arriving for the upload, and waits until it is rolled back."""
        arriving = self._arriving.get(upload_id)
        if arriving is not None and not arriving.task.done():
            arriving.task.cancel()
            await asyncio.wait([arriving.task])

    async def _receive_chunk(
        self,
        row: Any,
        offset: int,
        announced: int | None,
        expected: bytes | None,
        body: ChunkBody,
    ) -> Upload:
        upload_id = row.id
        async with self._lock(upload_id):
            need = announced if announced is not None else self.settings.upload_chunk_bytes
            if self.free_disk_bytes() - BlobStore.stored_size(need) < self.min_free_disk_bytes:
                raise self._storage_full()
            # The whole file's SHA-256 so far, while chunks come in order: then completion
            # need not read the file again. A copy: a chunk rolled back leaves it as it was.
            pos, running = self._hashing.pop(upload_id, (0, None))
            whole = (
                hashlib.sha256()
                if offset == 0
                else running.copy()
                if running is not None and pos == offset
                else None
            )
            if running is not None and pos == offset:
                self._hashing[upload_id] = (pos, running)
            chunk = hashlib.sha256() if expected is not None else None
            writer = await self._open_writer(upload_id, offset, [h for h in (whole, chunk) if h])
            try:
                received = await self._stream_into(writer, body, row.size - offset, announced)
                if announced is not None and received != announced:
                    raise ApiError(
                        ErrorCode.INVALID_REQUEST,
                        f"Content-Range announces {announced} bytes; the body has {received}",
                    )
                if chunk is not None and chunk.digest() != expected:
                    raise ApiError(
                        ErrorCode.CHUNK_CORRUPT,
                        "the chunk does not match its Content-Digest; it was not stored, send "
                        "it again",
                    )
            except BaseException as exc:
                await _settle(asyncio.ensure_future(asyncio.to_thread(writer.abort)))
                if isinstance(exc, OutOfSpace):
                    await self._record(upload_id, await self._held(upload_id))
                    raise self._storage_full() from None
                raise
            writer.close()
            held = writer.held
            if whole is not None:
                self._hashing[upload_id] = (held, whole)
            row = await self._note(row, held)
        return self._upload(row, held)

    async def _open_writer(self, upload_id: str, offset: int, hashes: list[Any]) -> ChunkWriter:
        try:
            return await asyncio.to_thread(ChunkWriter, self.store, upload_id, offset, hashes)
        except OffsetMismatch as exc:
            raise ApiError(
                ErrorCode.OFFSET_MISMATCH,
                f"the server holds {exc.held} bytes of this upload; send from there",
                details=[
                    {"field": "offset", "problem": "beyond the bytes held", "offset": exc.held}
                ],
            ) from None
        except (FileNotFoundError, BlobCorrupt):
            await self._held(upload_id)  # discards and raises
            raise

    async def _stream_into(
        self, writer: ChunkWriter, body: ChunkBody, room: int, announced: int | None
    ) -> int:
        """Reads the body into two buffers in turn: one fills while the other is sealed and
        written on a thread. Returns the chunk's length once all of it is on disk."""
        seg = self.store.segment_size
        prefix = writer.prefix
        want = len(prefix) + (announced if announced is not None else room)
        size = max(seg, min(WRITE_SPAN // seg * seg, -(-want // seg) * seg))
        bufs = (memoryview(bytearray(size)), memoryview(bytearray(size)))
        buf, fill = bufs[0], len(prefix)
        buf[:fill] = prefix
        received = 0
        writing: asyncio.Future[None] | None = None
        try:
            while True:
                n = await body.read_into(buf[fill:])
                received += n
                if received > room:
                    raise ApiError(
                        ErrorCode.INVALID_REQUEST,
                        f"the chunk goes past the declared size {room + writer.held}",
                    )
                fill += n
                if fill < size:
                    break  # the body ended
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(asyncio.to_thread(writer.write, buf))
                buf, fill = bufs[1] if buf is bufs[0] else bufs[0], 0
            if writing is not None:
                await writing
                writing = None
            await asyncio.to_thread(functools.partial(writer.write, buf[:fill], last=True))
        except BaseException:
            body.abandon()
            if writing is not None and not writing.done():
                # abort() waits for it on the writer's lock; its error, if any, is not news
                writing.add_done_callback(_quiet)
            raise
        return received

    async def _note(self, row: Any, held: int) -> Any:
        """Writes how far an upload got to the database now and then, not for every chunk: the
        upload's file is the truth (``status`` reads it); the row's ``received`` only keeps the
        disk reservation of other uploads honest and shows progress in ``usage``."""
        now = time.monotonic()
        last = self._noted.get(row.id)
        if held < row.size and last is not None and now - last < NOTE_EVERY_S:
            return row
        fresh = await self._record(row.id, held)
        if fresh is None:
            raise _upload_missing()
        self._noted[row.id] = now
        return fresh

    async def _record(self, upload_id: str, held: int) -> Any:
        async with self.engine.begin() as conn:
            await q.set_received_txn(conn, upload_id, held, time.time() + self.expiry_s)
            return await q.get_upload_txn(conn, upload_id)

    async def cancel(self, user: int, upload_id: str) -> None:
        await self._own_upload(user, upload_id)
        await self._stop_arriving(upload_id)
        async with self._lock(upload_id):
            await self._discard(upload_id)

    async def _discard(self, upload_id: str) -> None:
        self._hashing.pop(upload_id, None)
        self._noted.pop(upload_id, None)
        async with self.engine.begin() as conn:
            await q.delete_upload_txn(conn, upload_id)
        await asyncio.to_thread(self.store.delete_blocking, UPLOADS, upload_id)

    def _read_upload_blocking(
        self, upload_id: str, size: int, known: str | None
    ) -> tuple[str, bytes]:
        """The SHA-256 of what arrived (read again unless ``known``), and its first bytes."""
        digest = hashlib.sha256()
        head = b""
        for piece in self.store.upload_plaintext_blocking(upload_id, size):
            if known is None:
                digest.update(piece)
            if len(head) < media.SNIFF_BYTES:
                head += piece[: media.SNIFF_BYTES - len(head)]
            elif known is not None:
                break
        return known or digest.hexdigest(), head

    def _process_blocking(
        self, upload_id: str, size: int, mime: str
    ) -> tuple[media.Preview, bytes | None]:
        """Thumbnails and facts; for photos, the bytes without location when they differ."""
        s = self.settings
        if mime in media.PICTURES and size <= s.max_image_bytes:
            data = b"".join(self.store.upload_plaintext_blocking(upload_id, size))
            stripped = media.strip_location(mime, data) if s.strip_location else None
            preview = media.picture_blocking(stripped or data, s.max_image_pixels)
            return preview, stripped
        if self.ffmpeg is not None and mime in media.DEMUXERS:
            preview = media.media_blocking(
                self.ffmpeg,
                mime,
                self.store.upload_plaintext_blocking(upload_id, size),
                size,
                in_memory_up_to=s.media_probe_max_bytes,
                max_pixels=s.max_image_pixels,
            )
            return preview, None
        return media.Preview(), None

    async def complete(self, user: int, upload_id: str) -> Attachment:
        row = await self._own_upload(user, upload_id)
        await self._stop_arriving(upload_id)
        async with self._lock(upload_id):
            return await self._complete(user, row)

    async def _complete(self, user: int, row: Any) -> Attachment:
        upload_id = row.id
        held = await self._held(upload_id)
        if held != row.size:
            raise ApiError(
                ErrorCode.UPLOAD_INCOMPLETE,
                f"the server holds {held} of {row.size} bytes; send the rest from offset {held}",
            )
        self._noted.pop(upload_id, None)
        pos, running = self._hashing.pop(upload_id, (0, None))
        known = running.hexdigest() if running is not None and pos == row.size else None
        if row.size == 0:
            known = None
        try:
            sha, head = await asyncio.to_thread(
                self._read_upload_blocking, upload_id, row.size, known
            )
        except (BlobCorrupt, InvalidTag):
            await self._discard(upload_id)
            raise ApiError(
                ErrorCode.CHECKSUM_MISMATCH, "the upload was damaged on the server; start again"
            ) from None
        if sha != row.sha256:
            await self._discard(upload_id)
            raise ApiError(
                ErrorCode.CHECKSUM_MISMATCH,
                f"the file's SHA-256 is {sha}, not the declared {row.sha256}; the upload was "
                "discarded: start again",
            )
        try:
            mime = media.settle_type(row.mime, head)
        except media.TypeMismatch as exc:
            await self._discard(upload_id)
            raise ApiError(ErrorCode.TYPE_MISMATCH, f"{exc}; the upload was discarded") from None

        async with self.reader.connect() as conn:
            same = await q.blob_by_sha_txn(conn, sha)
        preview, stripped = media.Preview(), None
        if same is None or (mime in media.PICTURES and self.settings.strip_location):
            try:
                preview, stripped = await asyncio.to_thread(
                    self._process_blocking, upload_id, row.size, mime
                )
            except media.ImageTooLarge as exc:
                await self._discard(upload_id)
                raise ApiError(
                    ErrorCode.IMAGE_TOO_LARGE,
                    f"the image is too large to open safely ({exc}; at most "
                    f"{self.settings.max_image_pixels} pixels); the upload was discarded",
                ) from None

        # Write the stored form under a fresh id (stripped) or move the upload into place.
        written: list[tuple[str, str]] = []  # files to delete if another copy wins
        try:
            if stripped is not None:
                blob_id = random_id()
                size, stored_sha = await asyncio.to_thread(
                    self.store.write_blocking, BLOBS, blob_id, [stripped]
                )
                written.append((BLOBS, blob_id))
            else:
                # Cheap whatever the size (one segment re-sealed, a rename); done even when a
                # copy exists, which a sweep could remove before the commit below.
                blob_id, size, stored_sha = upload_id, row.size, sha
                await asyncio.to_thread(self.store.finish_blocking, upload_id, row.size)
                written.append((BLOBS, blob_id))
            for name, data in preview.thumbnails.items():
                thumb = f"{blob_id}.{name}"
                await asyncio.to_thread(self.store.write_blocking, THUMBS, thumb, [data])
                written.append((THUMBS, thumb))
        except OutOfSpace:
            await self._delete_files(written)
            raise self._storage_full() from None

        now = time.time()
        attachment_id = random_id()
        async with self.engine.begin() as conn:
            existing = await q.blob_by_sha_txn(conn, stored_sha)
            if existing is not None:
                blob_id = existing.id
            else:
                await q.insert_blob_txn(
                    conn,
                    id=blob_id,
                    sha256=stored_sha,
                    size=size,
                    width=preview.width,
                    height=preview.height,
                    duration=preview.duration,
                    thumbnail=bool(preview.thumbnails),
                    created_at=now,
                )
            await q.insert_attachment_txn(
                conn,
                id=attachment_id,
                owner_id=user,
                blob_id=blob_id,
                name=row.name,
                mime=mime,
                original_sha256=sha,
                created_at=now,
            )
            await q.delete_upload_txn(conn, upload_id)
            stored = await q.get_attachment_txn(conn, attachment_id)
        if existing is not None:
            self._delete_soon(written)  # the same bytes were stored already
        await asyncio.to_thread(self.store.delete_blocking, UPLOADS, upload_id)
        return self._attachment(stored)

    async def _delete_files(self, files: list[tuple[str, str]]) -> None:
        for kind, obj in files:
            await asyncio.to_thread(self.store.delete_blocking, kind, obj)

    def _delete_soon(self, files: list[tuple[str, str]]) -> None:
        """Deletes files no row names any more without making the answer wait: unlinking a
        large file takes tens of ms (a duplicate of 100 MiB: 70-80 ms here, with ``discard``).
        If the server stops first, ``sweep`` removes them as strays."""
        task = asyncio.get_running_loop().create_task(
            self._delete_quietly(files), name="files-delete"
        )
        self._deleting.add(task)
        task.add_done_callback(self._deleting.discard)

    async def _delete_quietly(self, files: list[tuple[str, str]]) -> None:
        try:
            await self._delete_files(files)
        except OSError as exc:  # the sweep tries again later
            log.warning("could not delete %s: %s", files, exc)

    # --- attachments ------------------------------------------------------------------------

    @staticmethod
    def _attachment(row: Any) -> Attachment:
        return Attachment(
            id=row.id,
            name=row.name,
            size=row.size,
            mime=row.mime,
            sha256=row.sha256,
            original_sha256=row.original_sha256,
            width=row.width,
            height=row.height,
            duration=row.duration,
            thumbnail=bool(row.thumbnail),
            created_at=row.created_at,
        )

    async def for_message(self, user: int, ids: list[str]) -> list[dict[str, Any]]:
        """What a message event shows of each attachment, after checking that ``user`` may
        attach them: only their own finished uploads.

        Raises:
            ApiError: too many, or one is not theirs (or does not exist).
        """
        ids = list(dict.fromkeys(ids))
        limit = self.settings.max_attachments_per_message
        if len(ids) > limit:
            raise ApiError(
                ErrorCode.TOO_MANY_ATTACHMENTS, f"a message can carry {limit} attachments at most"
            )
        async with self.reader.connect() as conn:
            rows = await q.get_attachments_txn(conn, ids)
        out = []
        for attachment_id in ids:
            row = rows.get(attachment_id)
            if row is None or row.owner_id != user:
                raise ApiError(
                    ErrorCode.ATTACHMENT_NOT_FOUND,
                    f"no such attachment: {attachment_id} (only your own finished uploads "
                    "can be attached)",
                )
            a = self._attachment(row)
            out.append(a.model_dump(exclude={"original_sha256", "created_at"}))
        return out

    async def _readable(self, user: int, attachment_id: str) -> Any:
        async with self.reader.connect() as conn:
            row = await q.get_attachment_txn(conn, attachment_id)
            if row is None:
                raise _attachment_missing()
            if row.owner_id != user and not await q.may_read_txn(conn, attachment_id, user):
                raise _attachment_missing()
        return row

    async def info(self, user: int, attachment_id: str) -> Attachment:
        return self._attachment(await self._readable(user, attachment_id))

    async def open_download(self, user: int, attachment_id: str) -> Download:
        row = await self._readable(user, attachment_id)
        try:
            reader = await asyncio.to_thread(self.store.reader, BLOBS, row.blob_id, row.size)
        except (FileNotFoundError, BlobCorrupt) as exc:
            log.error("attachment %s: its blob cannot be read: %s", attachment_id, exc)
            raise ApiError(
                ErrorCode.INTERNAL_ERROR, "this file is damaged on the server; it was logged"
            ) from None
        return Download(row.id, row.name, row.mime, row.size, row.sha256, reader)

    async def thumbnail(self, user: int, attachment_id: str, size: str) -> tuple[bytes, str]:
        """(WebP bytes, ETag value) of a thumbnail."""
        row = await self._readable(user, attachment_id)
        if not row.thumbnail:
            raise ApiError(ErrorCode.ATTACHMENT_NOT_FOUND, "this attachment has no thumbnail")
        obj = f"{row.blob_id}.{size}"
        try:
            data = await asyncio.to_thread(self._read_small_blocking, THUMBS, obj)
        except (FileNotFoundError, BlobCorrupt) as exc:
            log.error("thumbnail %s cannot be read: %s", obj, exc)
            raise ApiError(ErrorCode.ATTACHMENT_NOT_FOUND, "this thumbnail is missing") from None
        return data, f"{row.sha256[:32]}-{size}"

    def _read_small_blocking(self, kind: str, obj: str) -> bytes:
        size = self.store.plaintext_size_blocking(kind, obj)
        return self.store.read_all_blocking(kind, obj, size)

    async def usage(self, user: int) -> StorageUsage:
        async with self.reader.connect() as conn:
            used = await q.usage_txn(conn, user)
            rows = await q.uploads_of_txn(conn, user)
        return StorageUsage(
            used_bytes=used,
            quota_bytes=self.settings.user_quota_bytes,
            uploads=[self._upload(r) for r in rows],
        )

    # --- clean-up ---------------------------------------------------------------------------

    async def sweep(self, now: float | None = None) -> dict[str, int]:
        """Remove expired uploads, attachments no standing message carries that are older than
        the upload expiry, blobs nothing uses, and files on disk no row names. Returns counts."""
        now = time.time() if now is None else now
        async with self.engine.begin() as conn:
            expired = await q.expired_uploads_txn(conn, now)
            for upload_id in expired:
                self._hashing.pop(upload_id, None)
                self._noted.pop(upload_id, None)
            attachments = await q.drop_unshared_attachments_txn(conn, now - self.expiry_s)
            gone = await q.drop_orphan_blobs_txn(conn)
        await self._delete_files(
            [(UPLOADS, u) for u in expired]
            + [(BLOBS, b) for b in gone]
            + [(THUMBS, f"{b}.{n}") for b in gone for n in media.THUMB_SIZES]
        )
        async with self.reader.connect() as conn:
            upload_ids, blob_ids = await q.all_ids_txn(conn)
        strays = await asyncio.to_thread(
            self._strays_blocking, upload_ids, blob_ids, now - ORPHAN_GRACE_S
        )
        await self._delete_files(strays)
        counts = {
            "uploads": len(expired),
            "attachments": attachments,
            "blobs": len(gone),
            "stray_files": len(strays),
        }
        if any(counts.values()):
            log.info("files sweep: %s", counts)
        return counts

    def _strays_blocking(
        self, upload_ids: set[str], blob_ids: set[str], older_than: float
    ) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        listing: Iterator[tuple[str, tuple[str, float]]] = chain(
            ((UPLOADS, e) for e in self.store.list_blocking(UPLOADS)),
            ((BLOBS, e) for e in self.store.list_blocking(BLOBS)),
            ((THUMBS, e) for e in self.store.list_blocking(THUMBS)),
        )
        for kind, (name, mtime) in listing:
            if mtime >= older_than:
                continue
            known = (
                name in upload_ids
                if kind == UPLOADS
                else name in blob_ids
                if kind == BLOBS
                else name.split(".", 1)[0] in blob_ids
            )
            if not known:
                out.append((kind, name))
        return out
