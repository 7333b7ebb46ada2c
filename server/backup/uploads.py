"""Backups brought to the server from elsewhere (the desktop's copy, onto a new Pi): received
in pieces that may be resent from any point up to what arrived, then named into the folder."""

from __future__ import annotations

import asyncio
import errno
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from server.backup.archive import BackupError
from server.protocol.backup import BackupFile, BackupUpload
from server.protocol.errors import ErrorCode
from server.services.errors import ApiError
from server.storage import audit

if TYPE_CHECKING:
    from server.runtime import Runtime
    from server.services.accounts import Principal

SUFFIX = ".roostbak"
FILE_NAME = re.compile(r"^roost-backup-\d{8}-\d{6}(?:-\d{1,4})?\.roostbak$")


def _sync(fh: BinaryIO) -> None:
    fh.flush()
    os.fsync(fh.fileno())


class BackupUploads:
    """Uploads in progress are ``.<name>.upload`` in the backup folder (hidden from the list)."""

    def __init__(self, rt: Runtime, ready_folder: Callable[[], Awaitable[Path]]) -> None:
        self.rt = rt
        self._ready_folder = ready_folder
        self._locks: dict[str, asyncio.Lock] = {}

    def _lock(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())

    async def _paths(self, name: str) -> tuple[Path, Path]:
        if not FILE_NAME.match(name):
            raise ApiError(
                ErrorCode.INVALID_REQUEST,
                "name a backup roost-backup-<YYYYMMDD>-<HHMMSS>.roostbak, as the server does",
            )
        try:
            folder = await self._ready_folder()
        except BackupError as exc:
            raise ApiError(ErrorCode.BACKUP_FAILED, str(exc)) from None
        final = folder / name
        if await asyncio.to_thread(final.exists):
            raise ApiError(
                ErrorCode.BACKUP_EXISTS, "a backup of that name is in the folder already"
            )
        return final, folder / f".{name}.upload"

    async def status(self, name: str) -> BackupUpload:
        _, partial = await self._paths(name)
        size = await asyncio.to_thread(lambda: partial.stat().st_size if partial.exists() else 0)
        return BackupUpload(name=name, received=size)

    async def receive(self, name: str, offset: int, body: AsyncIterator[bytes]) -> BackupUpload:
        """Write ``body`` at ``offset`` of the upload called ``name``; a piece sent again from
        an earlier offset replaces what followed it.

        Raises:
            ApiError: ``offset`` is beyond what arrived (details say where to resume), the disk
                is full (what arrived before this piece is kept), or the name is taken.
        """
        async with self._lock(name):
            _, partial = await self._paths(name)
            held = await asyncio.to_thread(
                lambda: partial.stat().st_size if partial.exists() else 0
            )
            if offset > held:
                raise ApiError(
                    ErrorCode.OFFSET_MISMATCH,
                    f"the server holds {held} bytes of this upload; continue from there",
                    details=[{"offset": held}],
                )
            fd = await asyncio.to_thread(os.open, partial, os.O_RDWR | os.O_CREAT, 0o600)
            fh = os.fdopen(fd, "r+b")
            try:
                await asyncio.to_thread(fh.truncate, offset)
                fh.seek(offset)
                pos = offset
                try:
                    async for piece in body:
                        await asyncio.to_thread(fh.write, piece)
                        pos += len(piece)
                    await asyncio.to_thread(_sync, fh)
                except OSError as exc:
                    await asyncio.to_thread(fh.truncate, offset)
                    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                        raise ApiError(
                            ErrorCode.STORAGE_FULL, "the backup folder's disk is full"
                        ) from None
                    raise
                except BaseException:
                    await asyncio.to_thread(fh.truncate, offset)  # a piece is whole or absent
                    raise
            finally:
                await asyncio.to_thread(fh.close)
        return BackupUpload(name=name, received=pos)

    async def finish(self, actor: Principal, name: str, ip: str | None) -> BackupFile:
        """Turn a whole upload into a backup in the folder (check it with verify)."""
        async with self._lock(name):
            final, partial = await self._paths(name)
            if not await asyncio.to_thread(partial.exists):
                raise ApiError(ErrorCode.BACKUP_NOT_FOUND, "nothing of that backup arrived yet")
            await asyncio.to_thread(os.replace, partial, final)
            st = await asyncio.to_thread(final.stat)
            async with self.rt.engine.begin() as conn:
                await audit.record_txn(
                    conn,
                    at=time.time(),
                    action="backup.upload",
                    actor_id=actor.user_id,
                    ip=ip,
                    detail={"file": name, "size": st.st_size},
                )
        self._locks.pop(name, None)
        return BackupFile(name=name, size=st.st_size, modified_at=st.st_mtime)
