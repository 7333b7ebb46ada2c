"""One account's attachment files on this computer: thumbnails, viewed files, and streams.

Thumbnails (the server's small WebP, protocol 23.3) and files opened in the viewer are kept
under ``<data>/cache/<server>-<user>.files/``, next to the account's chat cache, so a message
list scrolls without asking the server twice. Audio and video are not downloaded for playing:
they are streamed with ``Range`` through ``MediaProxy`` (see ``app.chat.media_proxy`` for why).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.chat.cache import CachedAttachment, cache_path
from app.chat.media_proxy import MediaProxy
from app.chat.transfers import download_file
from app.net.errors import ApiError
from app.net.signed_in import SignedInApi
from app.paths import AppPaths
from server.protocol.errors import ErrorCode

if TYPE_CHECKING:
    from app.accounts.account import Account

log = logging.getLogger(__name__)

# Attachment ids are 16 to 32 URL-safe characters (protocol 23); anything else never names a
# file here.
_ID = re.compile(r"^[\w-]{16,32}$", re.ASCII)


def media_dir(paths: AppPaths, server_id: str, username: str) -> Path:
    """Where one account's thumbnails and viewed files are kept."""
    return files_beside(cache_path(paths, server_id, username))


def files_beside(cache_file: Path) -> Path:
    """The account's files folder, next to its chat cache file (pasted images and voice
    recordings wait in its ``outgoing`` folder until they are sent)."""
    return cache_file.with_name(cache_file.stem + ".files")


def _checked(attachment_id: str) -> str:
    if not _ID.match(attachment_id):
        raise ValueError(f"not an attachment id: {attachment_id!r}")
    return attachment_id


def _write_blocking(dest: Path, data: bytes) -> None:
    """Writes a file whole or not at all (a crash leaves no half thumbnail)."""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}")
    tmp.write_bytes(data)
    os.replace(tmp, dest)


class MediaFiles:
    """Thumbnails, file content and player streams of one account's attachments.

    Implements ``app.chat.timeline.Thumbnails``.

    Args:
        api: the account's signed-in API (pinned, refreshes tokens).
        folder: where files are kept (``media_dir``).
    """

    def __init__(self, api: SignedInApi, folder: Path) -> None:
        self._api = api
        self.folder = folder
        self._proxy = MediaProxy(api)
        self._without: set[str] = set()  # known to have no thumbnail
        self._fetching: dict[str, asyncio.Task[Path | None]] = {}

    @classmethod
    def for_account(cls, account: Account, paths: AppPaths) -> MediaFiles:
        return cls(account.api, media_dir(paths, account.server_id, account.username))

    async def close(self) -> None:
        """Stops the player's streams."""
        await self._proxy.close()

    # --- thumbnails -----------------------------------------------------------------------

    def _thumbnail_path(self, attachment_id: str) -> Path:
        return self.folder / "thumbnails" / f"{_checked(attachment_id)}.webp"

    def cached_thumbnail(self, attachment_id: str) -> Path | None:
        """The small WebP thumbnail if it is on disk already (no network)."""
        try:
            path = self._thumbnail_path(attachment_id)
        except ValueError:
            return None
        return path if path.is_file() else None

    async def thumbnail(self, attachment_id: str) -> Path | None:
        """The small WebP thumbnail, downloaded if needed.

        Returns:
            Its path, or None when the attachment has none (not an image or video, or no
            ffmpeg on the server) or is not visible to us.

        Raises:
            NetError: the server could not be reached (try again later).
        """
        found = self.cached_thumbnail(attachment_id)
        if found is not None or attachment_id in self._without or not _ID.match(attachment_id):
            return found
        # Views ask for the same thumbnail from several places at once: fetch it once.
        task = self._fetching.get(attachment_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(
                self._fetch_thumbnail(attachment_id), name="thumbnail"
            )
            self._fetching[attachment_id] = task
            task.add_done_callback(lambda _t: self._fetching.pop(attachment_id, None))
        return await asyncio.shield(task)

    async def _fetch_thumbnail(self, attachment_id: str) -> Path | None:
        client = self._api.api.client
        path = f"/attachments/{attachment_id}/thumbnail/small"

        def fetch_blocking(token: str) -> bytes:
            stream = client.open_stream(path, token=token, headers={"Accept": "image/webp"})
            try:
                return b"".join(stream.chunks())
            finally:
                stream.close()

        try:
            data = await self._api.call(fetch_blocking)
        except ApiError as exc:
            if exc.status == 404 or exc.code == ErrorCode.ATTACHMENT_NOT_FOUND:
                self._without.add(attachment_id)
                return None
            raise
        dest = self._thumbnail_path(attachment_id)
        await asyncio.to_thread(_write_blocking, dest, data)
        return dest

    # --- whole files ----------------------------------------------------------------------

    def cached_content(self, attachment: CachedAttachment) -> Path | None:
        """The attachment's content if it was fetched before (for the image viewer)."""
        path = self._content_path(attachment)
        return path if path.is_file() else None

    def _content_path(self, attachment: CachedAttachment) -> Path:
        suffix = Path(attachment.name).suffix
        if not re.fullmatch(r"\.[\w]{1,10}", suffix, re.ASCII):
            suffix = ""
        return self.folder / "files" / f"{_checked(attachment.id)}{suffix}"

    async def content(
        self, attachment: CachedAttachment, progress: Callable[[int, int], None] | None = None
    ) -> Path:
        """The attachment's content in the account's file cache, downloaded (resumably) if
        needed and verified against its SHA-256.

        Raises:
            NetError, TransferProblem, OSError: as ``download``.
        """
        found = self.cached_content(attachment)
        if found is not None:
            return found
        return await download_file(self._api, attachment, self._content_path(attachment), progress)

    async def download(
        self,
        attachment: CachedAttachment,
        dest: Path,
        progress: Callable[[int, int], None] | None = None,
    ) -> Path:
        """Saves the attachment to ``dest`` ("Save as"), resuming an earlier partial try.

        Args:
            attachment: what to save.
            dest: the file the user chose; written only once the bytes are verified.
            progress: called with (bytes held, size).

        Raises:
            NetError: the server could not be reached or refused.
            TransferProblem: the bytes did not match; the partial file was dropped.
            OSError: ``dest`` cannot be written.
        """
        _checked(attachment.id)
        cached = self.cached_content(attachment)
        if cached is not None:
            await asyncio.to_thread(_copy_blocking, cached, dest)
            if progress is not None:
                progress(attachment.size, attachment.size)
            return dest
        return await download_file(self._api, attachment, dest, progress)

    # --- playing --------------------------------------------------------------------------

    async def stream_url(self, attachment: CachedAttachment) -> str:
        """A loopback URL the media player can open; seeking asks the server for ranges."""
        _checked(attachment.id)
        return await self._proxy.url(attachment)

    def forget_stream(self, url: str) -> None:
        """The player closed: stop serving its URL."""
        self._proxy.forget(url)


def _copy_blocking(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}")
    with source.open("rb") as src, tmp.open("wb") as out:
        while piece := src.read(1024 * 1024):
            out.write(piece)
    os.replace(tmp, dest)
