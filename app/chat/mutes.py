"""Which conversations are muted on this computer (no notification, no sound, a grey badge).

Muting is a local choice, like a phone's "mute notifications": the server does not know about
it. It is kept in the account's cache, so it survives restarts and belongs to that account.
"""

from __future__ import annotations

import json
import logging

from app.chat.cache import ChatCache
from app.events import Emitter

log = logging.getLogger(__name__)

_META_KEY = "muted_conversations"


class Mutes:
    """The muted conversations of one account.

    Attributes:
        changed: emitted with the conversation id after it was muted or unmuted.
    """

    def __init__(self, cache: ChatCache) -> None:
        self._cache = cache
        self.changed: Emitter[int] = Emitter()
        self._muted = _load(cache.get_meta(_META_KEY))

    def is_muted(self, conversation_id: int) -> bool:
        return conversation_id in self._muted

    def muted(self) -> frozenset[int]:
        """Every muted conversation."""
        return frozenset(self._muted)

    def set_muted(self, conversation_id: int, muted: bool) -> None:
        """Mutes or unmutes a conversation (nothing happens, and nothing is emitted, when it
        is already so)."""
        if (conversation_id in self._muted) == muted:
            return
        if muted:
            self._muted.add(conversation_id)
        else:
            self._muted.discard(conversation_id)
        self._cache.set_meta(_META_KEY, json.dumps(sorted(self._muted)))
        self.changed.emit(conversation_id)


def _load(text: str | None) -> set[int]:
    if not text:
        return set()
    try:
        value = json.loads(text)
        return {int(cid) for cid in value}
    except (ValueError, TypeError):
        # A damaged entry only loses the mutes; the next change writes it afresh.
        log.warning("ignoring a damaged list of muted conversations: %r", text)
        return set()
