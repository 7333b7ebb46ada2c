"""File transfers of one account: resumable uploads that end in a message, and Range downloads.

An upload follows protocol 23.1: ``POST /uploads``, chunks ``PUT`` at the server's
``chunk_bytes`` with a ``Content-Digest``, ``GET`` for the server's offset after any break, then
``complete``. The files the user gives for one message form a *batch*; each is remembered in the
account's cache (tables ``upload_batches`` and ``uploads``) with its server upload id, so after
a restart of the app it resumes from the server's offset. When every file of a batch is done the
message goes out through the outbox with the batch id as its ``client_id``: queued at most once,
even if the app stops between the outbox and forgetting the batch.

A download asks for the bytes past what a ``.part`` file holds (``Range`` with ``If-Range`` on
the attachment's ETag), and checks the whole file's SHA-256 before it takes the final name.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import json
import logging
import mimetypes
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from app.chat.cache import CachedAttachment
from app.chat.events import ConnectionState
from app.events import Emitter
from app.monitoring.units import format_bytes
from app.net.api import ApiClient
from app.net.errors import ApiError, NetError
from app.net.explain import explain
from app.net.signed_in import SESSION_OVER, SignedInApi
from server.protocol.errors import ErrorCode
from server.protocol.server import Limits

if TYPE_CHECKING:
    from app.chat.connection import ChatConnection

log = logging.getLogger(__name__)

# Waits between attempts while the server cannot be reached (the last one repeats).
RETRY_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)
# Uploads running at once; more would only share the same uplink.
PARALLEL_UPLOADS = 2
# A download is read and written in pieces this large (progress is reported per piece).
DOWNLOAD_PIECE = 256 * 1024
# The server's default (protocol 23): used until ``GET /server`` said otherwise.
DEFAULT_MAX_ATTACHMENTS = 10
# Answers that a later attempt may not get: wait and try again, like a lost connection.
_PASSING = frozenset({ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL_ERROR, ErrorCode.SERVER_BUSY})
# Refusals no retry can change (the same file gets the same answer): no "Retry" for these.
_FINAL = frozenset(
    {
        ErrorCode.FILE_TOO_LARGE,
        ErrorCode.TYPE_MISMATCH,
        ErrorCode.IMAGE_TOO_LARGE,
        ErrorCode.TOO_MANY_ATTACHMENTS,
    }
)


class TransferKind(StrEnum):
    UPLOAD = "upload"
    DOWNLOAD = "download"


class TransferState(StrEnum):
    """Where a transfer is."""

    WAITING = "waiting"  # queued, or offline: it goes on by itself (``problem`` says why)
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # stopped; ``problem`` says why; the user may retry or remove it
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Transfer:
    """One file on its way, as the transfer list shows it.

    Attributes:
        id: the transfer's own id (for ``cancel``, ``retry``, ``remove``).
        kind: upload or download.
        conversation_id: the conversation it belongs to (None for a download from elsewhere).
        name: the file's name as people see it.
        size: bytes in all.
        done: bytes transferred so far.
        state: waiting, running, done, failed or cancelled.
        problem: a sentence for the user when failed or waiting offline, else None.
        path: the local file (the upload's source, or the download's destination).
        batch: the message an upload belongs to (None for downloads).
        attachment_id: the attachment, once known (after ``complete``, or the download's).
        retryable: a failure that trying again could mend (offline, full disk, quota); False
            when the server will refuse the same file again (too large, wrong type).
    """

    id: str
    kind: TransferKind
    conversation_id: int | None
    name: str
    size: int
    done: int
    state: TransferState
    problem: str | None
    path: Path
    batch: str | None = None
    attachment_id: str | None = None
    retryable: bool = True

    @property
    def fraction(self) -> float:
        """0 to 1 (1 for an empty file)."""
        return 1.0 if self.size <= 0 else min(1.0, self.done / self.size)

    @property
    def active(self) -> bool:
        """Whether it is still going (waiting or running)."""
        return self.state in (TransferState.WAITING, TransferState.RUNNING)


@dataclass(frozen=True, slots=True)
class TransferProgress:
    """Bytes moved, or the state changed (waiting, running); ``transfer`` is the new value."""

    transfer: Transfer


@dataclass(frozen=True, slots=True)
class TransferDone:
    transfer: Transfer


@dataclass(frozen=True, slots=True)
class TransferFailed:
    """It stopped; ``transfer.problem`` says why in words."""

    transfer: Transfer


@dataclass(frozen=True, slots=True)
class TransferCancelled:
    """The user cancelled or removed it; it is gone from the list."""

    transfer: Transfer


TransferEvent = TransferProgress | TransferDone | TransferFailed | TransferCancelled


class TransferRefused(ValueError):
    """Files that cannot be sent as given; ``str(exc)`` is a sentence for the user. Nothing was
    queued."""


class TransferProblem(Exception):
    """A transfer cannot go on; ``str(exc)`` is a sentence for the user."""


# --- words -----------------------------------------------------------------------------------


def offline_words() -> str:
    return QCoreApplication.translate(
        "Transfers", "No connection to the server: this will continue when the connection is back."
    )


def failure_words(exc: ApiError, size: int, limits: Limits | None) -> str:
    """Why the server refused a file, and what to do.

    Args:
        exc: the refusal.
        size: the file's size.
        limits: the server's limits, when known (to name them).
    """
    code = exc.code
    if code == ErrorCode.FILE_TOO_LARGE:
        if limits is not None:
            return QCoreApplication.translate(
                "Transfers",
                "This file is too large to send ({size}): the server takes files up to {limit}.",
            ).format(size=format_bytes(size), limit=format_bytes(limits.max_file_bytes))
        return QCoreApplication.translate(
            "Transfers", "This file is too large to send ({size}) to this server."
        ).format(size=format_bytes(size))
    if code == ErrorCode.QUOTA_EXCEEDED:
        if limits is not None and limits.user_quota_bytes:
            return QCoreApplication.translate(
                "Transfers",
                "This file ({size}) does not fit in your storage on the server ({quota} in all). "
                "Ask the server's owner for more room.",
            ).format(size=format_bytes(size), quota=format_bytes(limits.user_quota_bytes))
        return QCoreApplication.translate(
            "Transfers",
            "This file ({size}) does not fit in your storage on the server. Ask the server's "
            "owner for more room.",
        ).format(size=format_bytes(size))
    if code == ErrorCode.STORAGE_FULL:
        return QCoreApplication.translate(
            "Transfers",
            "The server's disk is nearly full, so it takes no files for now. Ask its owner to "
            "free some space, then try again.",
        )
    if code == ErrorCode.TYPE_MISMATCH:
        return QCoreApplication.translate(
            "Transfers",
            "The file's content is not what its name says it is, so the server refused it. "
            "Check that it is the file you meant, or rename it.",
        )
    if code == ErrorCode.IMAGE_TOO_LARGE:
        return QCoreApplication.translate(
            "Transfers", "This image has too many pixels for the server. Send a smaller copy."
        )
    if code == ErrorCode.CHECKSUM_MISMATCH:
        return QCoreApplication.translate(
            "Transfers",
            "The file changed while it was being sent. Try again to send it as it is now.",
        )
    return explain(exc)


def _unreadable_words(path: Path, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return QCoreApplication.translate(
            "Transfers", "The file {name} is no longer there. Attach it again."
        ).format(name=path.name)
    return QCoreApplication.translate(
        "Transfers", "The file {name} could not be read: {reason}"
    ).format(name=path.name, reason=exc.strerror or str(exc))


def _corrupt_words() -> str:
    return QCoreApplication.translate(
        "Transfers", "The downloaded file did not match what the server holds. Try again."
    )


# --- blocking file helpers -------------------------------------------------------------------


def hash_file_blocking(path: Path) -> tuple[int, str]:
    """The size and SHA-256 (hex) of a file."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while piece := f.read(1024 * 1024):
            digest.update(piece)
            size += len(piece)
    return size, digest.hexdigest()


def _read_blocking(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read(length)


def _guess_mime(name: str) -> str:
    mime, _ = mimetypes.guess_type(name, strict=False)
    return mime or "application/octet-stream"


# --- downloads -------------------------------------------------------------------------------


def partial_path(dest: Path) -> Path:
    """Where a download collects its bytes until they are verified."""
    return dest.with_name(dest.name + ".part")


async def download_file(
    api: SignedInApi,
    attachment: CachedAttachment,
    dest: Path,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Downloads an attachment's content to ``dest``, resuming a ``.part`` file left before.

    Args:
        api: the account's signed-in API.
        attachment: what to fetch (its ``sha256`` verifies the result).
        dest: the final file; replaced only once the bytes are verified.
        progress: called with (bytes held, size) as they arrive.

    Returns:
        ``dest``.

    Raises:
        NetError: the server could not be reached, or refused (``attachment_not_found``).
        TransferProblem: the bytes did not match the attachment's SHA-256 (the part is dropped).
        OSError: the destination cannot be written.
    """
    part = partial_path(dest)
    await asyncio.to_thread(part.parent.mkdir, parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if have > attachment.size:
        have = 0
    if have < attachment.size or attachment.size == 0:
        have = await _fetch_into(api, attachment, part, have, progress)
    if progress is not None:
        progress(have, attachment.size)
    _, digest = await asyncio.to_thread(hash_file_blocking, part)
    if attachment.sha256 and digest != attachment.sha256:
        await asyncio.to_thread(part.unlink, missing_ok=True)
        raise TransferProblem(_corrupt_words())
    await asyncio.to_thread(os.replace, part, dest)
    return dest


async def _fetch_into(
    api: SignedInApi,
    attachment: CachedAttachment,
    part: Path,
    have: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    headers: dict[str, str] = {}
    if have:
        headers["Range"] = f"bytes={have}-"
        if attachment.sha256:
            # A different file under the same id (it cannot happen, but a restore can) sends
            # the whole content instead of a range that does not fit the part held.
            headers["If-Range"] = f'"{attachment.sha256}"'
    client = api.api.client
    path = f"/attachments/{attachment.id}/content"
    stream = await api.call(lambda t: client.open_stream(path, token=t, headers=headers))
    try:
        if stream.status != 206:
            have = 0
        pieces = stream.chunks(DOWNLOAD_PIECE)
        with part.open("r+b" if have else "wb") as out:
            out.seek(have)
            out.truncate()
            while True:
                written = await asyncio.to_thread(_pump_blocking, pieces, out)
                if written == 0:
                    break
                have += written
                if progress is not None:
                    progress(have, attachment.size)
    finally:
        await asyncio.to_thread(stream.close)
    return have


def _pump_blocking(pieces: Iterator[bytes], out: Any) -> int:
    piece = next(pieces, b"")
    out.write(piece)
    return len(piece)


# --- the per-account service -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Upload:
    """One row of the ``uploads`` table, with its batch."""

    id: str
    batch: str
    conversation_id: int
    position: int
    path: Path
    name: str
    size: int
    mime: str
    sha256: str | None
    upload_id: str | None
    attachment: dict[str, Any] | None
    failure: str | None


class Transfers:
    """The uploads and downloads of one account.

    Args:
        connection: the account's chat connection (its cache remembers uploads; its outbox
            sends the message once the files are up).
        api: the account's signed-in API (pinned, refreshes tokens).
        retry_delays: waits between attempts while offline (tests shorten them).

    Attributes:
        events: ``TransferProgress``, ``TransferDone``, ``TransferFailed``,
            ``TransferCancelled``.
    """

    def __init__(
        self,
        connection: ChatConnection,
        api: SignedInApi,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS_S,
    ) -> None:
        self._connection = connection
        self._db = connection.cache.db
        self._api = api
        self._delays = tuple(retry_delays)
        self.events: Emitter[TransferEvent] = Emitter()
        self._live: dict[str, Transfer] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(PARALLEL_UPLOADS)
        self._limits: Limits | None = None
        self._downloads: dict[str, CachedAttachment] = {}

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Resumes the uploads remembered in the cache (after a restart of the app)."""
        for row in self._rows():
            if row.attachment is not None:
                self._live[row.id] = self._transfer(row, TransferState.DONE)
            elif row.failure is not None:
                self._live[row.id] = self._transfer(row, TransferState.FAILED, row.failure)
            else:
                self._live[row.id] = self._transfer(row, TransferState.WAITING)
                self._run(row.id)
        for batch in {r.batch for r in self._rows()}:
            self._spawn_send(batch)

    async def close(self) -> None:
        """Stops every transfer where it is; uploads go on at the next ``start``."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    # --- what the composer and the transfer list call ---------------------------------------

    def send_files(
        self,
        conversation_id: int,
        paths: Sequence[Path],
        *,
        text: str = "",
        reply_to: int | None = None,
    ) -> list[Transfer]:
        """Uploads files, then sends them in one message with ``text``.

        Returns:
            One upload per file, in the given order (already started).

        Raises:
            TransferRefused: no files, a path that is not a readable file, or more files than a
                message may carry; nothing was queued.
        """
        if not paths:
            raise TransferRefused(
                QCoreApplication.translate("Transfers", "Choose at least one file to send.")
            )
        most = self._limits.max_attachments_per_message if self._limits else DEFAULT_MAX_ATTACHMENTS
        if len(paths) > most:
            raise TransferRefused(
                QCoreApplication.translate(
                    "Transfers", "A message can carry {most} files at most; you chose {count}."
                ).format(most=most, count=len(paths))
            )
        sizes: list[int] = []
        for path in paths:
            try:
                info = path.stat()
            except OSError as exc:
                raise TransferRefused(_unreadable_words(path, exc)) from None
            if not path.is_file():
                raise TransferRefused(
                    QCoreApplication.translate(
                        "Transfers", "{name} is not a file; only files can be sent."
                    ).format(name=path.name)
                )
            sizes.append(info.st_size)
        batch = uuid.uuid4().hex
        with self._connection.cache.transaction() as db:
            db.execute(
                "INSERT INTO upload_batches (id, conversation_id, text, reply_to, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (batch, conversation_id, text, reply_to, time.time()),
            )
            for position, (path, size) in enumerate(zip(paths, sizes, strict=True)):
                db.execute(
                    "INSERT INTO uploads (id, batch_id, position, path, name, size, mime) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        uuid.uuid4().hex,
                        batch,
                        position,
                        str(path.absolute()),
                        path.name,
                        size,
                        _guess_mime(path.name),
                    ),
                )
        started = []
        for row in self._rows(batch):
            transfer = self._transfer(row, TransferState.WAITING)
            self._set(transfer)
            started.append(transfer)
            self._run(row.id)
        return started

    def download(
        self, attachment: CachedAttachment, dest: Path, *, conversation_id: int | None = None
    ) -> Transfer:
        """Downloads an attachment to ``dest`` (resuming a part left by an earlier try)."""
        transfer = Transfer(
            id=uuid.uuid4().hex,
            kind=TransferKind.DOWNLOAD,
            conversation_id=conversation_id,
            name=attachment.name,
            size=attachment.size,
            done=0,
            state=TransferState.WAITING,
            problem=None,
            path=dest,
            attachment_id=attachment.id,
        )
        self._set(transfer)
        self._downloads[transfer.id] = attachment
        self._run(transfer.id)
        return transfer

    def get(self, transfer_id: str) -> Transfer | None:
        return self._live.get(transfer_id)

    def items(self, conversation_id: int | None) -> list[Transfer]:
        """The transfers of one conversation to show: running, waiting and failed ones."""
        return [
            t
            for t in self._live.values()
            if t.conversation_id == conversation_id and t.state is not TransferState.DONE
        ]

    def cancel(self, transfer_id: str) -> None:
        """Stops a transfer and forgets it (the server drops the upload; a download's part
        file is deleted). For a failed one this is "Remove"."""
        transfer = self._live.pop(transfer_id, None)
        task = self._tasks.pop(transfer_id, None)
        if task is not None:
            task.cancel()
        if transfer is None:
            return
        if transfer.kind is TransferKind.UPLOAD:
            row = self._row(transfer_id)
            if row is not None:
                self._forget_upload(row)
                if row.upload_id is not None and row.attachment is None:
                    self._background(self._delete_upload(row.upload_id), "upload-delete")
                # The rest of the message may now be complete.
                self._spawn_send(row.batch)
        else:
            self._downloads.pop(transfer_id, None)
            with contextlib.suppress(OSError):
                partial_path(transfer.path).unlink(missing_ok=True)
        self.events.emit(TransferCancelled(replace(transfer, state=TransferState.CANCELLED)))

    remove = cancel

    def retry(self, transfer_id: str) -> None:
        """Starts a failed transfer again (an upload resumes from the server's offset)."""
        transfer = self._live.get(transfer_id)
        if transfer is None or transfer.state is not TransferState.FAILED:
            return
        if transfer.kind is TransferKind.UPLOAD:
            self._db.execute("UPDATE uploads SET failure = NULL WHERE id = ?", (transfer_id,))
        self._set(replace(transfer, state=TransferState.WAITING, problem=None))
        self._run(transfer_id)

    # --- running --------------------------------------------------------------------------

    def _run(self, transfer_id: str) -> None:
        work = self._upload if self._live[transfer_id].kind is TransferKind.UPLOAD else self._get
        task = asyncio.get_running_loop().create_task(
            self._attempts(transfer_id, work), name=f"transfer-{transfer_id}"
        )
        self._tasks[transfer_id] = task
        task.add_done_callback(functools.partial(self._forget_task, transfer_id))

    def _forget_task(self, transfer_id: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(transfer_id) is task:
            del self._tasks[transfer_id]

    async def _attempts(self, transfer_id: str, work: Callable[[str], Any]) -> None:
        """Runs ``work`` until it is done or fails for good; offline it waits and goes on."""
        delays = self._delay_iter()
        while True:
            try:
                await work(transfer_id)
                return
            except ApiError as exc:
                if exc.code not in _PASSING or exc.code in SESSION_OVER:
                    self._fail(
                        transfer_id,
                        self._refusal(transfer_id, exc),
                        retryable=exc.code not in _FINAL,
                    )
                    return
                problem = offline_words()
                wait = float(exc.retry_after or next(delays))
            except TransferProblem as exc:
                self._fail(transfer_id, str(exc))
                return
            except OSError as exc:
                transfer = self._live.get(transfer_id)
                path = transfer.path if transfer is not None else Path("?")
                self._fail(transfer_id, _unreadable_words(path, exc))
                return
            except NetError as exc:
                log.info("transfer %s interrupted: %s", transfer_id, exc)
                problem = offline_words()
                wait = next(delays)
            transfer = self._live.get(transfer_id)
            if transfer is None:
                return
            self._set(replace(transfer, state=TransferState.WAITING, problem=problem))
            if self._connection.state is ConnectionState.ONLINE:
                await asyncio.sleep(wait)
            else:
                # Back as soon as the chat connection is (the server is reachable again), or
                # after the delay, whichever comes first.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._connection.wait_online(), wait)

    def _delay_iter(self) -> Iterator[float]:
        yield from self._delays
        while True:
            yield self._delays[-1]

    def _refusal(self, transfer_id: str, exc: ApiError) -> str:
        transfer = self._live.get(transfer_id)
        return failure_words(exc, transfer.size if transfer else 0, self._limits)

    async def _upload(self, transfer_id: str) -> None:
        async with self._slots:
            await self._upload_steps(transfer_id)
        row = self._row(transfer_id)
        if row is not None:
            self._spawn_send(row.batch)

    async def _upload_steps(self, transfer_id: str) -> None:
        row = self._row(transfer_id)
        if row is None or row.attachment is not None:
            return
        client = self._api.api.client
        self._progress(transfer_id, None, TransferState.RUNNING)
        if row.sha256 is None:
            size, digest = await asyncio.to_thread(hash_file_blocking, row.path)
            self._db.execute(
                "UPDATE uploads SET size = ?, sha256 = ? WHERE id = ?", (size, digest, row.id)
            )
            row = replace(row, size=size, sha256=digest)
            self._set(replace(self._live[transfer_id], size=size))
        if self._limits is None:
            with contextlib.suppress(NetError):
                self._limits = (await self._api.api.server_info()).limits
        upload = await self._server_upload(row)
        upload_id = str(upload["id"])
        offset, chunk = int(upload["offset"]), int(upload["chunk_bytes"])
        while True:
            while offset < row.size:
                self._progress(transfer_id, offset, TransferState.RUNNING)
                data = await asyncio.to_thread(_read_blocking, row.path, offset, chunk)
                if not data:
                    raise TransferProblem(
                        QCoreApplication.translate(
                            "Transfers",
                            "The file changed while it was being sent. Try again to send it "
                            "as it is now.",
                        )
                    )
                headers = {
                    "Content-Type": "application/octet-stream",
                    "Content-Range": f"bytes {offset}-{offset + len(data) - 1}/{row.size}",
                    "Content-Digest": "sha-256=:"
                    + base64.b64encode(hashlib.sha256(data).digest()).decode()
                    + ":",
                }
                path = f"/uploads/{upload_id}"
                try:
                    answer = await self._api.call(_chunk_sender(client, path, data, headers))
                except ApiError as exc:
                    if exc.code == ErrorCode.OFFSET_MISMATCH:
                        offset = _offset_in(exc, offset)
                        continue
                    raise
                offset = int(answer["offset"])
            self._progress(transfer_id, offset, TransferState.RUNNING)
            try:
                attachment = await self._api.call(
                    lambda t: client.request("POST", f"/uploads/{upload_id}/complete", token=t)
                )
            except ApiError as exc:
                if exc.code == ErrorCode.UPLOAD_INCOMPLETE:
                    fresh = self._row(row.id) or row
                    offset = int((await self._server_upload(fresh))["offset"])
                    continue
                if exc.code in (ErrorCode.CHECKSUM_MISMATCH, ErrorCode.TYPE_MISMATCH):
                    # The server discarded the upload: a retry starts afresh.
                    self._db.execute(
                        "UPDATE uploads SET upload_id = NULL, sha256 = NULL WHERE id = ?",
                        (row.id,),
                    )
                raise
            break
        self._db.execute(
            "UPDATE uploads SET attachment = ? WHERE id = ?", (json.dumps(attachment), row.id)
        )
        done = replace(
            self._live[transfer_id],
            done=row.size,
            state=TransferState.DONE,
            problem=None,
            attachment_id=str(attachment["id"]),
        )
        self._set(done, announce=False)
        self.events.emit(TransferDone(done))

    async def _server_upload(self, row: _Upload) -> dict[str, Any]:
        """The server's ``Upload`` for this row: created now, or where an earlier one stands."""
        client = self._api.api.client
        if row.upload_id is not None:
            try:
                found: dict[str, Any] = await self._api.call(
                    lambda t: client.request("GET", f"/uploads/{row.upload_id}", token=t)
                )
                return found
            except ApiError as exc:
                if exc.code != ErrorCode.UPLOAD_NOT_FOUND:
                    raise
                log.info("upload %s expired on the server; starting again", row.upload_id)
        body = {"name": row.name, "size": row.size, "mime": row.mime, "sha256": row.sha256}
        created: dict[str, Any] = await self._api.call(
            lambda t: client.request("POST", "/uploads", body=body, token=t)
        )
        self._db.execute("UPDATE uploads SET upload_id = ? WHERE id = ?", (created["id"], row.id))
        return created

    async def _get(self, transfer_id: str) -> None:
        attachment = self._downloads[transfer_id]
        transfer = self._live[transfer_id]

        def progress(have: int, size: int) -> None:
            self._progress(transfer_id, have, TransferState.RUNNING)

        self._progress(transfer_id, None, TransferState.RUNNING)
        await download_file(self._api, attachment, transfer.path, progress)
        self._downloads.pop(transfer_id, None)
        done = replace(self._live[transfer_id], done=transfer.size, state=TransferState.DONE)
        self._set(done, announce=False)
        self.events.emit(TransferDone(done))

    # --- the message, once its files are up ---------------------------------------------------

    def _spawn_send(self, batch: str) -> None:
        self._background(self._send_if_complete(batch), "upload-send")

    async def _send_if_complete(self, batch: str) -> None:
        head = self._db.execute(
            "SELECT conversation_id, text, reply_to FROM upload_batches WHERE id = ?", (batch,)
        ).fetchone()
        if head is None:
            return
        rows = self._rows(batch)
        if not rows:
            self._db.execute("DELETE FROM upload_batches WHERE id = ?", (batch,))
            return
        if any(r.attachment is None for r in rows):
            return
        described = [r.attachment for r in rows if r.attachment is not None]
        try:
            await self._connection.send_message(
                head["conversation_id"],
                head["text"],
                reply_to=head["reply_to"],
                attachments=[str(a["id"]) for a in described],
                described=described,
                client_id=batch,
            )
        except ValueError:
            log.exception("the message of upload batch %s cannot be sent", batch)
        # Queued (the outbox resends it from here on); the batch id is its client_id, so a
        # crash before this line queues it no second time.
        self._db.execute("DELETE FROM upload_batches WHERE id = ?", (batch,))
        for row in rows:
            self._live.pop(row.id, None)

    # --- bookkeeping ----------------------------------------------------------------------

    def _rows(self, batch: str | None = None) -> list[_Upload]:
        rows = self._db.execute(
            "SELECT u.*, b.conversation_id FROM uploads u JOIN upload_batches b "
            "ON b.id = u.batch_id WHERE ? IS NULL OR u.batch_id = ? "
            "ORDER BY b.created_at, u.position",
            (batch, batch),
        ).fetchall()
        return [_upload_row(r) for r in rows]

    def _row(self, transfer_id: str) -> _Upload | None:
        row = self._db.execute(
            "SELECT u.*, b.conversation_id FROM uploads u JOIN upload_batches b "
            "ON b.id = u.batch_id WHERE u.id = ?",
            (transfer_id,),
        ).fetchone()
        return None if row is None else _upload_row(row)

    def _forget_upload(self, row: _Upload) -> None:
        self._db.execute("DELETE FROM uploads WHERE id = ?", (row.id,))

    async def _delete_upload(self, upload_id: str) -> None:
        client = self._api.api.client
        try:
            await self._api.call(
                lambda t: client.request("DELETE", f"/uploads/{upload_id}", token=t)
            )
        except NetError as exc:
            # The server removes an idle upload by itself after upload_expiry_s.
            log.info("could not cancel upload %s on the server: %s", upload_id, exc)

    def _background(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        key = f"bg-{id(task)}"
        self._tasks[key] = task
        task.add_done_callback(lambda _t: self._tasks.pop(key, None))

    def _transfer(self, row: _Upload, state: TransferState, problem: str | None = None) -> Transfer:
        return Transfer(
            id=row.id,
            kind=TransferKind.UPLOAD,
            conversation_id=row.conversation_id,
            name=row.name,
            size=row.size,
            done=row.size if row.attachment is not None else 0,
            state=state,
            problem=problem,
            path=row.path,
            batch=row.batch,
            attachment_id=str(row.attachment["id"]) if row.attachment else None,
        )

    def _set(self, transfer: Transfer, *, announce: bool = True) -> None:
        self._live[transfer.id] = transfer
        if announce:
            self.events.emit(TransferProgress(transfer))

    def _progress(self, transfer_id: str, done: int | None, state: TransferState) -> None:
        transfer = self._live.get(transfer_id)
        if transfer is None:
            return
        self._set(
            replace(
                transfer,
                done=transfer.done if done is None else done,
                state=state,
                problem=None,
            )
        )

    def _fail(self, transfer_id: str, problem: str, *, retryable: bool = True) -> None:
        transfer = self._live.get(transfer_id)
        if transfer is None:
            return
        if transfer.kind is TransferKind.UPLOAD:
            self._db.execute("UPDATE uploads SET failure = ? WHERE id = ?", (problem, transfer_id))
        failed = replace(transfer, state=TransferState.FAILED, problem=problem, retryable=retryable)
        self._set(failed, announce=False)
        self.events.emit(TransferFailed(failed))


def _chunk_sender(
    client: ApiClient, path: str, data: bytes, headers: dict[str, str]
) -> Callable[[str], Any]:
    """The PUT of one chunk, for ``SignedInApi.call`` (which passes the token)."""
    return lambda token: client.send_bytes("PUT", path, data, token=token, headers=headers)


def _offset_in(exc: ApiError, fallback: int) -> int:
    """Where the server says to resume (``details[0].offset`` of 23.4)."""
    for detail in exc.details:
        value = detail.get("offset")
        if isinstance(value, int):
            return value
    return fallback


def _upload_row(row: Any) -> _Upload:
    return _Upload(
        id=row["id"],
        batch=row["batch_id"],
        conversation_id=row["conversation_id"],
        position=row["position"],
        path=Path(row["path"]),
        name=row["name"],
        size=row["size"],
        mime=row["mime"],
        sha256=row["sha256"],
        upload_id=row["upload_id"],
        attachment=json.loads(row["attachment"]) if row["attachment"] else None,
        failure=row["failure"],
    )
