"""What an avatar without a picture shows: initials for a name, and a colour picked by id.

Initials. A Latin (or Cyrillic, Greek...) name gives the first letter of its first word and of
its last word ("Anna Chen" → "AC", "Mum" → "M"). A Chinese name gives its given name, as
DingTalk and WeCom show it and as people address each other: the last two characters of a name
of three or more (张小明 → 小明, 欧阳娜娜 → 娜娜), the whole of a two-character name (王芳, 奶奶),
and the one character of a one-character name. Japanese and Korean names follow the same rule.
A name that starts with Latin letters and goes on in Chinese ("Grandma 奶奶") is treated as a
Latin name over its Latin words ("G"), so the two scripts are never mixed in one avatar.

Colours. An index into the palette that ``ui.chat.avatar`` paints, stable across runs and
computers (CRC-32, not Python's salted ``hash``), so a person keeps their colour everywhere.
"""

from __future__ import annotations

import unicodedata
import zlib

# How many colours the palette of ui/chat/avatar.py has; indexes are below this.
PALETTE_SIZE = 10

# Han (with extensions A and the compatibility block), kana and Hangul: names written without
# spaces between family and given name.
_CJK_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3134F),  # CJK Extensions B to G
)


def is_cjk(char: str) -> bool:
    """Whether ``char`` (one character) is Chinese, Japanese or Korean script."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def initials(name: str) -> str:
    """One or two characters for a round avatar (see the module docstring for the rules).

    Args:
        name: a display name, group name or username, in any script.

    Returns:
        The initials, upper-cased for Latin letters; "?" when the name has nothing to show.
    """
    words = name.split()
    if not words:
        return "?"
    first = words[0]
    if is_cjk(first[0]):
        run = ""
        for char in first:
            if not is_cjk(char):
                break
            run += char
        return run[-2:]
    latin = [w for w in words if not any(is_cjk(c) for c in w)]
    letters = [c for c in (_first_letter(w) for w in latin) if c]
    if letters:
        picked = letters[0] if len(letters) == 1 else letters[0] + letters[-1]
        return picked.upper()
    symbol = name.strip()[0]
    # An emoji or other symbol as the whole name: show it rather than a question mark.
    return symbol if unicodedata.category(symbol).startswith("S") else "?"


def _first_letter(word: str) -> str:
    for char in word:
        if char.isalnum():
            return char
    return ""


def colour_index(kind: str, key: int) -> int:
    """A stable palette index for a person or a group.

    Args:
        kind: ``user`` or ``group`` (so that user 3 and group 3 need not look alike).
        key: the user id or conversation id.

    Returns:
        An index from 0 to ``PALETTE_SIZE - 1``.
    """
    return zlib.crc32(f"{kind}:{key}".encode()) % PALETTE_SIZE
