"""HTTP Range requests (RFC 9110 section 14) and safe Content-Disposition (RFC 6266)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# More ranges than this in one request is refused: each costs a part header and a seek, and
# many small overlapping ranges are a known way to make a server work for nothing.
MAX_RANGES = 16
_SPEC = re.compile(r"^\s*([0-9]*)\s*-\s*([0-9]*)\s*$")


class Unsatisfiable(Exception):
    """416: no range in the header can be served, or the header is malformed."""


def parse_range(header: str, size: int) -> list[tuple[int, int]] | None:
    """Inclusive (first, last) byte pairs for a ``Range`` header.

    Returns:
        None when the header is to be ignored (a unit other than bytes): serve it all.

    Raises:
        Unsatisfiable: malformed, too many ranges, or none that overlaps the content.
    """
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    parts = [p for p in spec.split(",") if p.strip()]
    if not parts or len(parts) > MAX_RANGES:
        raise Unsatisfiable
    out: list[tuple[int, int]] = []
    for part in parts:
        m = _SPEC.match(part)
        if m is None:
            raise Unsatisfiable
        first, last = m.group(1), m.group(2)
        if not first and not last:
            raise Unsatisfiable
        if not first:  # suffix: the last n bytes
            n = int(last)
            if n == 0 or size == 0:
                continue
            out.append((max(0, size - n), size - 1))
            continue
        start = int(first)
        end = size - 1 if not last else int(last)
        if last and end < start:
            raise Unsatisfiable
        if start >= size:
            continue
        out.append((start, min(end, size - 1)))
    if not out:
        raise Unsatisfiable
    return out


INLINE = ("image/", "video/", "audio/")
# Types a browser would run or render as a page: never inline, even in a sandbox.
NEVER_INLINE = frozenset({"image/svg+xml", "text/html", "application/xhtml+xml"})


def content_disposition(name: str, mime: str) -> str:
    """``inline`` for pictures, audio and video, ``attachment`` otherwise, with an ASCII
    ``filename`` for old clients and the exact name as ``filename*`` (RFC 6266, RFC 8187)."""
    kind = "inline" if mime.startswith(INLINE) and mime not in NEVER_INLINE else "attachment"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r'[\x00-\x1f\x7f"\\;%/]', "_", ascii_name).strip() or "file"
    encoded = quote(name, safe="!#$&+-.^_`|~")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"
