"""Encoding frames: orjson, because every event is encoded once per fan-out and every
command's answer once, and the standard library's encoder was a tenth of the server's CPU."""

from __future__ import annotations

from typing import Any

import orjson


def dumps(obj: Any) -> str:
    """Compact JSON as text (non-ASCII kept as is)."""
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()


def loads(text: str | bytes) -> Any:
    """Raises ValueError (orjson.JSONDecodeError) on anything that is not JSON."""
    return orjson.loads(text)
