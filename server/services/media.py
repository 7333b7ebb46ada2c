"""What a file really is and what it shows: type sniffing, image thumbnails and dimensions,
location stripping, and audio/video facts from ffmpeg when the host has it. Blocking: run it in a
thread."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shutil
import struct
import subprocess
import threading
import warnings
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)


def _refuse_bombs(category: type[Warning]) -> None:
    """Pillow warns between MAX_IMAGE_PIXELS and twice that, and raises beyond. A warning lets
    the decode go ahead, so it is made an error too: every image over the limit is refused the
    same way. (Here, not at import: Pillow is about 2 MiB, loaded at the first picture.)"""
    if not any(f[0] == "error" and f[2] is category for f in warnings.filters):
        warnings.filterwarnings("error", category=category)


THUMB_SIZES = {"small": 320, "large": 1280}
THUMB_MIME = "image/webp"
SNIFF_BYTES = 4096
FFMPEG_TIMEOUT_S = 60.0
POSTER_MAX_BYTES = 64 * 1024 * 1024

# --- sniffing ---------------------------------------------------------------------------------

GENERIC = frozenset({"application/octet-stream", "binary/octet-stream", "application/unknown"})

_MP4 = frozenset(
    {
        "video/mp4",
        "audio/mp4",
        "audio/x-m4a",
        "audio/m4a",
        "video/quicktime",
        "video/3gpp",
        "video/3gpp2",
        "audio/3gpp",
        "video/x-m4v",
        "application/mp4",
    }
)
_MKV = frozenset(
    {
        "video/webm",
        "audio/webm",
        "video/x-matroska",
        "audio/x-matroska",
        "video/matroska",
        "audio/matroska",
    }
)
_OGG = frozenset({"audio/ogg", "video/ogg", "application/ogg", "audio/opus", "audio/vorbis"})
_HEIF = frozenset({"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"})

# sniffed type -> declared types that agree with it
FAMILIES: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}),
    "image/png": frozenset({"image/png", "image/apng", "image/x-png"}),
    "image/gif": frozenset({"image/gif"}),
    "image/webp": frozenset({"image/webp"}),
    "image/bmp": frozenset({"image/bmp", "image/x-ms-bmp", "image/x-bmp"}),
    "image/tiff": frozenset({"image/tiff", "image/tiff-fx"}),
    "image/heic": _HEIF,
    "image/avif": frozenset({"image/avif", "image/avif-sequence"}),
    "application/pdf": frozenset({"application/pdf", "application/x-pdf"}),
    "application/gzip": frozenset({"application/gzip", "application/x-gzip"}),
    "application/x-7z-compressed": frozenset({"application/x-7z-compressed"}),
    "application/vnd.rar": frozenset({"application/vnd.rar", "application/x-rar-compressed"}),
    "audio/ogg": _OGG,
    "audio/flac": frozenset({"audio/flac", "audio/x-flac"}),
    "audio/mpeg": frozenset({"audio/mpeg", "audio/mp3", "audio/x-mpeg", "audio/mpeg3"}),
    "audio/aac": frozenset({"audio/aac", "audio/x-aac", "audio/aacp"}),
    "audio/wav": frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"}),
    "video/x-msvideo": frozenset({"video/x-msvideo", "video/avi", "video/msvideo"}),
    "video/mp4": _MP4,
    "video/quicktime": _MP4,
    "audio/mp4": _MP4,
    "video/3gpp": _MP4,
    "video/webm": _MKV,
    "video/x-matroska": _MKV,
    "application/zip": frozenset(
        {
            "application/zip",
            "application/x-zip-compressed",
            "application/java-archive",
            "application/vnd.android.package-archive",
        }
    ),
}
# Declared types that promise a magic number: content without it is not what it claims.
MAGIC_TYPES = frozenset().union(*FAMILIES.values())

# ffmpeg's demuxer for each sniffed type. Naming it stops ffmpeg from guessing, so an upload
# that is really a playlist (HLS, concat) is never followed to other files or the network.
DEMUXERS = {
    "video/mp4": "mov",
    "video/quicktime": "mov",
    "audio/mp4": "mov",
    "video/3gpp": "mov",
    "video/webm": "matroska",
    "video/x-matroska": "matroska",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/aac": "aac",
    "audio/flac": "flac",
    "audio/wav": "wav",
    "video/x-msvideo": "avi",
}
# Pillow decodes these; thumbnails are made for them.
PICTURES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp"})


def _zip_like(declared: str) -> bool:
    return (
        declared in FAMILIES["application/zip"]
        or declared.endswith("+zip")
        or declared.startswith(
            (
                "application/vnd.openxmlformats-",
                "application/vnd.oasis.opendocument.",
                "application/vnd.ms-",
            )
        )
    )


def sniff(head: bytes) -> str | None:
    """The type the first bytes of a file prove, or None when they prove nothing (text, or a
    format without a magic number)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}.get(
            head[8:12]
        )
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\x00\x00\x00\x00":
        return "image/bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "application/zip"
    if head.startswith(b"\x1f\x8b"):
        return "application/gzip"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "application/x-7z-compressed"
    if head.startswith(b"Rar!\x1a\x07"):
        return "application/vnd.rar"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    frame_sync = len(head) >= 2 and head[0] == 0xFF
    if head.startswith(b"ID3") or (frame_sync and head[1] in (0xFB, 0xF3, 0xF2)):
        return "audio/mpeg"
    if len(head) >= 2 and head[0] == 0xFF and head[1] in (0xF1, 0xF9):
        return "audio/aac"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"):
            return "image/heic"
        if brand in (b"avif", b"avis"):
            return "image/avif"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    return None


class TypeMismatch(Exception):
    """The content is not of the type the client declared."""


def settle_type(declared: str, head: bytes) -> str:
    """The type to store and serve: the sniffed one when the declared one is generic or an
    alias, the declared one when it is a more precise member of the sniffed family, or when
    nothing could be sniffed and the declared type does not promise a magic number.

    Raises:
        TypeMismatch: with a sentence for people.
    """
    declared = declared.lower()
    found = sniff(head)
    if found is None:
        if declared in MAGIC_TYPES:
            raise TypeMismatch(f"the file was declared {declared}, but it is not one")
        return declared
    if declared in GENERIC:
        return found
    if found == "application/zip" and _zip_like(declared):
        return declared
    if declared in FAMILIES.get(found, frozenset({found})):
        return found if found.startswith("image/") else declared
    raise TypeMismatch(f"the file was declared {declared}, but its content is {found}")


# --- location stripping (lossless: pixels and layout are not touched) ---------------------------

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
GPS_IFD = 0x8825


def scrub_gps_tiff(buf: bytearray, base: int, end: int) -> bool:
    """Empties the GPS directory of the TIFF/EXIF structure at ``buf[base:end]`` in place: its
    entries and their values are overwritten with zeros and its count set to 0. No byte moves,
    so offsets elsewhere in the file stay right. Returns whether there was GPS data."""
    if end - base < 8:
        return False
    order = bytes(buf[base : base + 2])
    if order not in (b"II", b"MM"):
        return False
    bo = "<" if order == b"II" else ">"

    def u16(off: int) -> int:
        return int(struct.unpack_from(bo + "H", buf, base + off)[0])

    def u32(off: int) -> int:
        return int(struct.unpack_from(bo + "I", buf, base + off)[0])

    size = end - base
    ifd0 = u32(4)
    if not 8 <= ifd0 <= size - 2:
        return False
    gps = None
    for i in range(u16(ifd0)):
        entry = ifd0 + 2 + 12 * i
        if entry + 12 > size:
            break
        if u16(entry) == GPS_IFD:
            gps = u32(entry + 8)
    if gps is None or not 8 <= gps <= size - 2:
        return False
    count = u16(gps)
    for i in range(count):
        entry = gps + 2 + 12 * i
        if entry + 12 > size:
            break
        kind, n = u16(entry + 2), u32(entry + 4)
        length = _TYPE_SIZES.get(kind, 1) * n
        if length > 4:
            value = u32(entry + 8)
            if value + length <= size:
                buf[base + value : base + value + length] = bytes(length)
        buf[base + entry : base + entry + 12] = bytes(12)
    struct.pack_into(bo + "H", buf, base + gps, 0)
    return True


_XMP = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")


def _strip_jpeg(buf: bytearray) -> bool:
    """Every EXIF block in the file (the main image's and those of images embedded after it,
    as phones do for depth and HDR maps) loses its GPS directory; XMP and Photoshop/IPTC blocks,
    which can name places, become comments of the same length."""
    changed = False
    pos = 0
    while True:
        pos = buf.find(b"\xff", pos)
        if pos < 0 or pos + 4 > len(buf):
            return changed
        marker = buf[pos + 1]
        if marker not in (0xE1, 0xED):
            pos += 1
            continue
        length = struct.unpack_from(">H", buf, pos + 2)[0]
        start, end = pos + 4, pos + 2 + length
        if length < 2 or end > len(buf):
            pos += 1
            continue
        if marker == 0xE1 and buf.startswith(b"Exif\x00\x00", start):
            changed |= scrub_gps_tiff(buf, start + 6, end)
        elif (marker == 0xE1 and any(buf.startswith(x, start) for x in _XMP)) or (
            marker == 0xED and buf.startswith(b"Photoshop 3.0\x00", start)
        ):
            buf[pos + 1] = 0xFE  # COM
            buf[start:end] = b" " * (end - start)
            changed = True
        pos = end


def _png_chunks(data: bytes) -> Iterable[tuple[bytes, bytes, bytes]]:
    pos = 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        crc = data[pos + 8 + length : pos + 12 + length]
        yield kind, body, crc
        pos += 12 + length
        if kind == b"IEND":
            return


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


_PNG_TEXT = (b"tEXt", b"zTXt", b"iTXt")
_PNG_DROP_KEYS = (b"XML:com.adobe.xmp", b"Raw profile type")


def _strip_png(data: bytes) -> bytes | None:
    out = [data[:8]]
    changed = False
    for kind, body, crc in _png_chunks(data):
        if kind == b"eXIf":
            buf = bytearray(body)
            if scrub_gps_tiff(buf, 0, len(buf)):
                out.append(_png_chunk(kind, bytes(buf)))
                changed = True
                continue
        if kind in _PNG_TEXT and body.startswith(_PNG_DROP_KEYS):
            changed = True
            continue
        out.append(struct.pack(">I", len(body)) + kind + body + crc)
    return b"".join(out) if changed else None


def _strip_webp(data: bytes) -> bytes | None:
    if len(data) < 12:
        return None
    chunks: list[bytearray] = []
    changed = False
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos : pos + 4]
        (length,) = struct.unpack_from("<I", data, pos + 4)
        padded = length + (length & 1)
        chunk = bytearray(data[pos : pos + 8 + padded])
        pos += 8 + padded
        if kind == b"XMP ":
            changed = True
            continue
        if kind == b"EXIF":
            base = 8 + (6 if chunk.startswith(b"Exif\x00\x00", 8) else 0)
            changed |= scrub_gps_tiff(chunk, base, 8 + length)
        chunks.append(chunk)
    if not changed:
        return None
    for chunk in chunks:
        if chunk[:4] == b"VP8X":
            chunk[8] &= ~0x04 & 0xFF  # no XMP any more
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def strip_location(mime: str, data: bytes) -> bytes | None:
    """The file without location metadata, or None when it had none (or its type is not one
    we rewrite: JPEG, PNG and WebP are)."""
    if mime == "image/jpeg":
        buf = bytearray(data)
        return bytes(buf) if _strip_jpeg(buf) else None
    if mime == "image/png":
        return _strip_png(data)
    if mime == "image/webp":
        return _strip_webp(data)
    return None


# --- pictures ---------------------------------------------------------------------------------


class ImageTooLarge(Exception):
    """More pixels than max_image_pixels: refused before decoding."""


@dataclass
class Preview:
    """What processing found out about a file."""

    width: int | None = None
    height: int | None = None
    duration: float | None = None
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # size name -> WebP bytes


def _thumbnails(im: Image.Image) -> dict[str, bytes]:
    """Both sizes, from a picture already turned upright."""
    if im.mode not in ("RGB", "RGBA"):
        has_alpha = im.mode in ("LA", "PA", "RGBa", "La") or (
            im.mode == "P" and "transparency" in im.info
        )
        im = im.convert("RGBA" if has_alpha else "RGB")
    out: dict[str, bytes] = {}
    from PIL import Image

    for name, edge in sorted(THUMB_SIZES.items(), key=lambda kv: -kv[1]):
        im = im.copy() if name == "large" else im
        im.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, "WEBP", quality=80, method=4)
        out[name] = buf.getvalue()
    return out


def picture_blocking(data: bytes, max_pixels: int) -> Preview:
    """Dimensions (as displayed: EXIF orientation applied) and thumbnails of an image.

    Raises:
        ImageTooLarge: over ``max_pixels``; nothing was decoded.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    _refuse_bombs(Image.DecompressionBombWarning)
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(str(exc)) from None
    with im:
        w, h = im.size
        if w * h > max_pixels:
            raise ImageTooLarge(f"{w}x{h} pixels")
        orientation = im.getexif().get(0x0112, 1)
        if orientation in (5, 6, 7, 8):
            w, h = h, w
        try:
            if im.format == "JPEG":
                # decode at a fraction of the size when that is enough: less memory and time
                im.draft("RGB", (THUMB_SIZES["large"], THUMB_SIZES["large"]))
            im.seek(0)
            im.load()
            upright = ImageOps.exif_transpose(im)
            thumbs = _thumbnails(upright)
        except (OSError, ValueError, SyntaxError, UnidentifiedImageError) as exc:
            log.info("no thumbnails for an image that does not decode: %s", exc)
            thumbs = {}
    return Preview(width=w, height=h, thumbnails=thumbs)


# --- audio and video through ffmpeg -------------------------------------------------------------

_DURATION = re.compile(rb"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_VIDEO = re.compile(rb"Stream #\d+:\d+.*?: Video: [^\n]*?(\d{2,5})x(\d{2,5})")
_ROTATION = re.compile(rb"(?:rotation of|rotate\s*:)\s*(-?\d+(?:\.\d+)?)")


def find_ffmpeg(setting: str) -> str | None:
    return shutil.which(setting) if setting else None


def _parse_ffmpeg(stderr: bytes, audio_only: bool) -> Preview:
    p = Preview()
    m = _DURATION.search(stderr)
    if m:
        h, mi, s = m.groups()
        p.duration = round(int(h) * 3600 + int(mi) * 60 + float(s), 3)
    v = _VIDEO.search(stderr)
    if v and not audio_only:
        w, h2 = int(v.group(1)), int(v.group(2))
        r = _ROTATION.search(stderr)
        if r and round(abs(float(r.group(1)))) % 180 == 90:
            w, h2 = h2, w
        p.width, p.height = w, h2
    return p


def _run_ffmpeg(
    args: list[str], stdin_pieces: Iterable[bytes] | None, pass_fds: tuple[int, ...]
) -> tuple[bytes, bytes]:
    """Runs ffmpeg with a deadline; returns (stdout, stderr), each capped."""
    proc = subprocess.Popen(  # noqa: S603 - a fixed program and arguments, no shell
        args,
        stdin=subprocess.PIPE if stdin_pieces is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=pass_fds,
    )
    out: dict[str, bytes] = {}

    def collect(name: str, stream: object, cap: int) -> None:
        assert hasattr(stream, "read")
        parts, total = [], 0
        while chunk := stream.read(65536):
            if total < cap:
                parts.append(chunk)
                total += len(chunk)
        out[name] = b"".join(parts)[:cap]

    readers = [
        threading.Thread(target=collect, args=("out", proc.stdout, POSTER_MAX_BYTES)),
        threading.Thread(target=collect, args=("err", proc.stderr, 1 << 20)),
    ]
    for t in readers:
        t.daemon = True
        t.start()
    timer = threading.Timer(FFMPEG_TIMEOUT_S, proc.kill)
    timer.start()
    with proc:  # closes the pipes
        return _drive(proc, stdin_pieces, readers, timer, out)


def _drive(
    proc: subprocess.Popen[bytes],
    stdin_pieces: Iterable[bytes] | None,
    readers: list[threading.Thread],
    timer: threading.Timer,
    out: dict[str, bytes],
) -> tuple[bytes, bytes]:
    try:
        if stdin_pieces is not None:
            assert proc.stdin is not None
            try:
                for piece in stdin_pieces:
                    proc.stdin.write(piece)
            except (BrokenPipeError, OSError):
                pass  # ffmpeg has what it wanted and left
            finally:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
        proc.wait()
        for t in readers:
            t.join()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return out.get("out", b""), out.get("err", b"")


def media_blocking(
    ffmpeg: str,
    mime: str,
    pieces: Iterable[bytes],
    size: int,
    *,
    in_memory_up_to: int,
    max_pixels: int,
) -> Preview:
    """Duration, dimensions and a poster frame's thumbnails for audio or video.

    The plaintext reaches ffmpeg from memory (a memfd: seekable, never on disk) up to
    ``in_memory_up_to`` bytes, and through a pipe beyond that, where formats that keep their
    index at the end (MP4 from phones) may give no poster frame.
    """
    demuxer = DEMUXERS.get(mime)
    if demuxer is None:
        return Preview()
    audio_only = mime.startswith("audio/")
    base = [ffmpeg, "-hide_banner", "-nostdin", "-protocol_whitelist", "file,pipe,fd"]
    tail = [
        "-map", "0:v:0?", "-frames:v", "1", "-an", "-sn", "-dn",
        "-f", "image2pipe", "-c:v", "png", "pipe:1",
    ]  # fmt: skip
    fd = -1
    try:
        if size <= in_memory_up_to and hasattr(os, "memfd_create"):
            fd = os.memfd_create("roost-media", 0)
            for piece in pieces:
                os.write(fd, piece)
            os.lseek(fd, 0, os.SEEK_SET)
            args = [*base, "-f", demuxer, "-i", f"/dev/fd/{fd}", *tail]
            stdout, stderr = _run_ffmpeg(args, None, (fd,))
        else:
            args = [*base, "-f", demuxer, "-i", "pipe:0", *tail]
            stdout, stderr = _run_ffmpeg(args, pieces, ())
    except OSError as exc:
        log.warning("ffmpeg could not run: %s", exc)
        return Preview()
    finally:
        if fd >= 0:
            os.close(fd)
    preview = _parse_ffmpeg(stderr, audio_only)
    if stdout.startswith(b"\x89PNG"):
        try:
            poster = picture_blocking(stdout, max_pixels)
        except ImageTooLarge:
            poster = Preview()
        preview.thumbnails = poster.thumbnails
        if not audio_only and poster.width:
            # the poster comes out upright (ffmpeg applies the rotation): trust its shape
            preview.width, preview.height = poster.width, poster.height
    return preview
