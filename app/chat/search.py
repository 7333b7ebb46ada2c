"""Searching the local cache (offline too, Chinese too) and showing each hit in one line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QDateTime, QLocale

from app.chat.cache import ChatCache
from app.chat.directory import Directory

# Characters of context kept either side of the match in a result's snippet.
SNIPPET_CONTEXT = 40
MAX_RESULTS = 200


@dataclass(frozen=True, slots=True)
class SearchRow:
    """One message that matched.

    Attributes:
        snippet: the text around the match, on one line, with "…" where it was cut.
        match_start, match_length: where the match is inside ``snippet`` (for highlighting).
    """

    conversation_id: int
    seq: int
    conversation: str
    sender: str
    when: str
    snippet: str
    match_start: int
    match_length: int


def search_rows(
    cache: ChatCache,
    directory: Directory,
    query: str,
    title_of: Callable[[int], str],
    *,
    conversation_id: int | None = None,
) -> list[SearchRow]:
    """The newest matches first; nothing for a blank query."""
    rows = []
    for hit in cache.search(query, conversation_id=conversation_id, limit=MAX_RESULTS):
        snippet, start = snippet_around(hit.text or "", query.strip())
        rows.append(
            SearchRow(
                conversation_id=hit.conversation_id,
                seq=hit.seq,
                conversation=title_of(hit.conversation_id),
                sender=directory.name(hit.sender_id),
                when=_when(hit.created_at),
                snippet=snippet,
                match_start=start,
                match_length=len(query.strip()) if start >= 0 else 0,
            )
        )
    return rows


def snippet_around(text: str, needle: str) -> tuple[str, int]:
    """``text`` on one line, cut to the match and some context; and where the match starts
    in the result (-1 if the needle is not found as typed, e.g. after an edit)."""
    flat = " ".join(text.split())
    at = flat.casefold().find(needle.casefold()) if needle else -1
    if at < 0:
        cut = flat[: 2 * SNIPPET_CONTEXT]
        return (cut + "…" if len(flat) > len(cut) else cut), -1
    begin = max(0, at - SNIPPET_CONTEXT)
    end = min(len(flat), at + len(needle) + SNIPPET_CONTEXT)
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(flat) else ""
    return prefix + flat[begin:end] + suffix, at - begin + len(prefix)


def _when(created_at: float) -> str:
    moment = QDateTime.fromMSecsSinceEpoch(int(created_at * 1000))
    return QLocale().toString(moment.date(), QLocale.FormatType.ShortFormat)
