"""Uploads and attachments as they travel over REST (``/uploads``, ``/attachments``)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from server.protocol.common import Request, Response

# Upload and attachment ids are random, 16 to 32 URL-safe characters.
UploadId = Annotated[str, StringConstraints(min_length=16, max_length=32, pattern=r"^[\w-]+$")]
AttachmentId = UploadId
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
MimeType = Annotated[
    str,
    StringConstraints(
        min_length=3, max_length=127, pattern=r"^[A-Za-z0-9][\w!#$&^.+-]*/[\w!#$&^.+-]+$"
    ),
]
ThumbnailSize = Literal["small", "large"]


def _file_name(value: str) -> str:
    """A name for people, never a path: no separators, no control characters."""
    value = unicodedata.normalize("NFC", value).strip()
    if not value or value in (".", ".."):
        raise ValueError("must not be empty")
    if any(ch in "/\\" for ch in value):
        raise ValueError("must be a name, not a path")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") for ch in value):
        raise ValueError("must not contain control characters")
    return value


FileName = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_file_name)]


class CreateUpload(Request):
    """What the client declares before sending a byte; every limit is checked against it."""

    name: FileName
    size: int = Field(ge=0, le=2**62)
    mime: MimeType = Field(description="what the client believes the type is")
    sha256: Sha256 = Field(description="SHA-256 of the whole file, lower-case hex")


class Upload(Response):
    """An upload in progress. ``offset`` is how many bytes the server holds: send from there."""

    id: str
    name: str
    size: int
    mime: str
    sha256: str
    offset: int
    chunk_bytes: int = Field(description="the largest chunk one PUT may carry")
    created_at: float
    expires_at: float


class Attachment(Response):
    """A stored file that ``message/send`` can carry, and what a message event shows of it.

    ``sha256`` is of the bytes a download returns. With ``strip_location`` on, a photo's
    location is removed before it is stored, so this can differ from ``original_sha256``, the
    hash of what was uploaded."""

    id: str
    name: str
    size: int
    mime: str
    sha256: str
    original_sha256: str
    width: int | None = None
    height: int | None = None
    duration: float | None = Field(default=None, description="seconds, audio and video")
    thumbnail: bool = False
    created_at: float


class StorageUsage(Response):
    used_bytes: int = Field(description="your files and your uploads in progress")
    quota_bytes: int = Field(description="0: no quota")
    uploads: list[Upload]
