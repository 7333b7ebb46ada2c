"""Admin endpoints for backups: make, follow, list, download (with Range), verify, schedule,
and stage a restore for the next start."""

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.requests import ClientDisconnect

from server.http.deps import AdminUser, IpDep, RuntimeDep
from server.protocol.backup import (
    BackupFile,
    BackupJob,
    BackupOverview,
    BackupSchedule,
    BackupUpload,
    RestoreBackup,
    SetBackupSchedule,
    StartBackup,
    VerifyBackup,
)
from server.protocol.errors import ErrorCode
from server.services.errors import ApiError

router = APIRouter(prefix="/api/v1/admin/backups", tags=["admin"])

# Pieces of an uploaded backup stream to their handler under upload_chunk_bytes (see app.py).
UPLOAD_ROUTE = ("PUT", re.compile(r"/api/v1/admin/backups/uploads/[^/]+"))

FileName = Annotated[str, Path(min_length=1, max_length=80)]
JobId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("")
async def overview(_: AdminUser, rt: RuntimeDep) -> BackupOverview:
    """The backups in the folder (newest first), the schedule and the last run."""
    return await rt.backups.overview()


@router.post("", status_code=202)
async def start_backup(body: StartBackup, who: AdminUser, rt: RuntimeDep, ip: IpDep) -> BackupJob:
    """Start a backup now; follow it with ``GET /jobs/{id}``."""
    return rt.backups.start_backup(who, body.passphrase, ip)


@router.get("/jobs/{job_id}")
async def job(job_id: JobId, _: AdminUser, rt: RuntimeDep) -> BackupJob:
    return rt.backups.job(job_id)


@router.put("/schedule")
async def set_schedule(
    body: SetBackupSchedule, who: AdminUser, rt: RuntimeDep, ip: IpDep
) -> BackupSchedule:
    return await rt.backups.set_schedule(who, body, ip)


@router.get("/files/{name}", response_model=None)
async def download(name: FileName, _: AdminUser, rt: RuntimeDep) -> FileResponse:
    """The backup file, streamed; ``Range`` and ``If-Range`` resume a broken download."""
    path = await rt.backups.path_of(name)
    return FileResponse(path, media_type="application/octet-stream", filename=name)


@router.delete("/files/{name}", status_code=204)
async def delete(name: FileName, who: AdminUser, rt: RuntimeDep, ip: IpDep) -> Response:
    await rt.backups.delete_file(who, name, ip)
    return Response(status_code=204)


_RAW_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the next piece of the backup file, at most limits.upload_chunk_bytes",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get("/uploads/{name}")
async def upload_status(name: FileName, _: AdminUser, rt: RuntimeDep) -> BackupUpload:
    """Where to resume a broken upload: ``received`` bytes arrived."""
    return await rt.backups.uploads.status(name)


@router.put("/uploads/{name}", openapi_extra=_RAW_BODY)
async def upload_piece(
    name: FileName,
    request: Request,
    _: AdminUser,
    rt: RuntimeDep,
    offset: Annotated[int, Query(ge=0, le=2**62)],
) -> BackupUpload:
    """One piece of a backup file brought from elsewhere (a new Pi restored from the desktop's
    copy), written at ``offset``; pieces are at most ``upload_chunk_bytes``."""
    return await rt.backups.uploads.receive(name, offset, _body(request))


async def _body(request: Request) -> AsyncIterator[bytes]:
    try:
        async for piece in request.stream():
            yield piece
    except ClientDisconnect:
        raise ApiError(
            ErrorCode.INVALID_REQUEST, "the piece was cut short; nothing of it was kept"
        ) from None


@router.post("/uploads/{name}/complete", status_code=201)
async def finish_upload(name: FileName, who: AdminUser, rt: RuntimeDep, ip: IpDep) -> BackupFile:
    """The whole file arrived: it becomes a backup in the folder, to verify or restore."""
    return await rt.backups.uploads.finish(who, name, ip)


@router.post("/files/{name}/verify", status_code=202)
async def verify(
    name: FileName, body: VerifyBackup, who: AdminUser, rt: RuntimeDep, ip: IpDep
) -> BackupJob:
    """Restore into a scratch folder, check everything, remove it; the job holds the result."""
    return await rt.backups.start_verify(who, name, body.passphrase, ip)


@router.post("/files/{name}/restore", status_code=202)
async def restore(
    name: FileName, body: RestoreBackup, who: AdminUser, rt: RuntimeDep, ip: IpDep
) -> BackupJob:
    """Unpack and check the backup beside the data; it replaces the data when the server
    next starts (the data it replaces is kept aside). Nothing changes before."""
    return await rt.backups.start_restore(who, name, body.passphrase, ip)
