"""Uploads (create, chunks, resume, complete) and attachment downloads with Range support."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect

from server.http.deps import User
from server.http.errors import error_response
from server.http.ranges import Unsatisfiable, content_disposition, parse_range
from server.http.raw_body import BodyReader
from server.protocol.errors import ErrorCode
from server.protocol.files import Attachment, CreateUpload, StorageUsage, ThumbnailSize, Upload
from server.services.errors import ApiError
from server.services.files import Download, Files

router = APIRouter(prefix="/api/v1")

# The chunk route is exempt from the JSON body buffering (server/http/app.py).
CHUNK_ROUTE = ("PUT", re.compile(r"/api/v1/uploads/[^/]+"))

_ID = {"min_length": 16, "max_length": 32, "pattern": r"^[\w-]+$"}
UploadIdPath = Annotated[str, Path(**_ID)]
AttachmentIdPath = Annotated[str, Path(**_ID)]


def files(request: Request) -> Files:
    svc: Files = request.app.state.files
    return svc


FilesDep = Annotated[Files, Depends(files)]

_RAW_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the chunk's bytes, at most limits.upload_chunk_bytes",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post("/uploads", status_code=201, tags=["files"])
async def create_upload(body: CreateUpload, who: User, svc: FilesDep) -> Upload:
    return await svc.create(
        who.user_id, name=body.name, size=body.size, mime=body.mime, sha256=body.sha256
    )


@router.get("/uploads/{upload_id}", tags=["files"])
async def get_upload(upload_id: UploadIdPath, who: User, svc: FilesDep) -> Upload:
    """Where to resume: ``offset`` is the number of bytes the server holds."""
    return await svc.status(who.user_id, upload_id)


@router.put("/uploads/{upload_id}", tags=["files"], openapi_extra=_RAW_BODY)
async def put_chunk(
    upload_id: UploadIdPath,
    request: Request,
    who: User,
    svc: FilesDep,
    offset: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> Upload:
    """One chunk, placed by ``Content-Range: bytes first-last/size`` or ``?offset=``, written
    to disk as it arrives and acknowledged once it is there. An optional ``Content-Digest:
    sha-256=:…:`` is checked before the chunk is acknowledged; one that fails is not kept."""
    headers = request.headers
    return await svc.put_chunk(
        who.user_id,
        upload_id,
        body=BodyReader(request, _body(request), _cut_short),
        offset=offset,
        content_range=headers.get("content-range"),
        content_digest=headers.get("content-digest"),
        content_length=headers.get("content-length"),
    )


def _cut_short() -> ApiError:
    return ApiError(ErrorCode.INVALID_REQUEST, "the chunk was cut short; nothing of it was stored")


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The request body; a client that goes away mid-chunk is a refusal, not a crash."""
    try:
        async for piece in request.stream():
            yield piece
    except ClientDisconnect:
        raise _cut_short() from None


@router.post("/uploads/{upload_id}/complete", tags=["files"])
async def complete_upload(upload_id: UploadIdPath, who: User, svc: FilesDep) -> Attachment:
    return await svc.complete(who.user_id, upload_id)


@router.delete("/uploads/{upload_id}", status_code=204, tags=["files"])
async def cancel_upload(upload_id: UploadIdPath, who: User, svc: FilesDep) -> Response:
    await svc.cancel(who.user_id, upload_id)
    return Response(status_code=204)


@router.get("/me/storage", tags=["files"])
async def storage(who: User, svc: FilesDep) -> StorageUsage:
    return await svc.usage(who.user_id)


@router.get("/attachments/{attachment_id}", tags=["files"])
async def attachment_info(attachment_id: AttachmentIdPath, who: User, svc: FilesDep) -> Attachment:
    return await svc.info(who.user_id, attachment_id)


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


_DOWNLOAD: dict[str, Any] = {
    "tags": ["files"],
    "response_class": Response,
    "responses": {
        200: {"description": "the whole file"},
        206: {"description": "the ranges asked for (multipart/byteranges for several)"},
        304: {"description": "If-None-Match matched: the client's copy is current"},
        416: {"description": "no range asked for can be served"},
    },
}


@router.head(
    "/attachments/{attachment_id}/content", operation_id="download_attachment_head", **_DOWNLOAD
)
@router.get("/attachments/{attachment_id}/content", operation_id="download_attachment", **_DOWNLOAD)
async def download(
    attachment_id: AttachmentIdPath, request: Request, who: User, svc: FilesDep
) -> Response:
    """The file, streamed; ``Range`` (one or several ranges, suffix ranges), ``If-Range`` and
    ``If-None-Match`` are honoured."""
    dl = await svc.open_download(who.user_id, attachment_id)
    try:
        return _answer(request, dl)
    except BaseException:
        dl.close()
        raise


def _answer(request: Request, dl: Download) -> Response:
    etag = f'"{dl.sha256}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=31536000, immutable",
        "Content-Disposition": content_disposition(dl.name, dl.mime),
        "X-Content-Type-Options": "nosniff",
        # A file opened in a browser can never run script in the server's origin.
        "Content-Security-Policy": "default-src 'none'; media-src 'self'; sandbox",
    }
    if _etag_matches(request.headers.get("if-none-match"), etag):
        dl.close()
        return Response(status_code=304, headers=headers)
    ranges = None
    header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if header and (if_range is None or if_range.strip() == etag):
        try:
            ranges = parse_range(header, dl.size)
        except Unsatisfiable:
            dl.close()
            err = error_response(
                ApiError(
                    ErrorCode.RANGE_NOT_SATISFIABLE,
                    f"no range asked for lies within the file's {dl.size} bytes",
                )
            )
            err.headers["Content-Range"] = f"bytes */{dl.size}"
            return err
    head_only = request.method == "HEAD"
    if ranges is None:
        headers["Content-Length"] = str(dl.size)
        return _stream(dl, 200, headers, dl.mime, [(0, dl.size, b"")], b"", head_only)
    if len(ranges) == 1:
        a, b = ranges[0]
        headers["Content-Range"] = f"bytes {a}-{b}/{dl.size}"
        headers["Content-Length"] = str(b - a + 1)
        return _stream(dl, 206, headers, dl.mime, [(a, b + 1, b"")], b"", head_only)
    boundary = secrets.token_hex(16)
    parts = []
    for i, (a, b) in enumerate(ranges):
        lead = b"\r\n" if i else b""
        part_head = (
            f"--{boundary}\r\nContent-Type: {dl.mime}\r\n"
            f"Content-Range: bytes {a}-{b}/{dl.size}\r\n\r\n"
        ).encode()
        parts.append((a, b + 1, lead + part_head))
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = sum(len(h) + (e - s) for s, e, h in parts) + len(tail)
    headers["Content-Length"] = str(length)
    media_type = f"multipart/byteranges; boundary={boundary}"
    return _stream(dl, 206, headers, media_type, parts, tail, head_only)


def _stream(
    dl: Download,
    status: int,
    headers: dict[str, str],
    media_type: str,
    parts: list[tuple[int, int, bytes]],
    tail: bytes,
    head_only: bool,
) -> Response:
    if head_only:
        dl.close()
        return Response(status_code=status, headers=headers, media_type=media_type)

    async def body() -> AsyncIterator[bytes | memoryview]:
        try:
            for start, end, lead in parts:
                if lead:
                    yield lead
                async for data in dl.stream(start, end):
                    yield data
            if tail:
                yield tail
        finally:
            dl.close()

    return StreamingResponse(
        body(),
        status_code=status,
        headers=headers,
        media_type=media_type,
        background=BackgroundTask(dl.close),
    )


@router.get(
    "/attachments/{attachment_id}/thumbnail/{size}",
    tags=["files"],
    response_class=Response,
    responses={200: {"content": {"image/webp": {}}, "description": "a WebP thumbnail"}},
)
async def thumbnail(
    attachment_id: AttachmentIdPath,
    size: ThumbnailSize,
    request: Request,
    who: User,
    svc: FilesDep,
) -> Response:
    """``small`` fits in 320x320, ``large`` in 1280x1280; for video, of the poster frame."""
    data, tag = await svc.thumbnail(who.user_id, attachment_id, size)
    etag = f'"{tag}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
    }
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(content=data, media_type="image/webp", headers=headers)
