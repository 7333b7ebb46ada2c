"""Who is typing where: the ``typing`` events of protocol 17.4, with their expiry, as a sentence.

A typing event says "for the next few seconds"; the tracker forgets it when that runs out, or
at once when the same person's message arrives (they stopped typing: they sent it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from app.chat.directory import Directory
from app.chat.events import ChatEvent, ConnectionState, ConnectionStateChanged, MessageReceived
from app.chat.events import TypingReceived as _Typing
from app.events import Emitter


class TypingTracker:
    """Follows one connection's typing events.

    Attributes:
        changed: emitted with the conversation id whose typists changed.
    """

    def __init__(
        self,
        subscribe: Callable[[Callable[[ChatEvent], None]], Callable[[], None]],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.changed: Emitter[int] = Emitter()
        self._clock = clock
        self._until: dict[int, dict[int, float]] = {}  # conversation → user → expiry
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._unsubscribe = subscribe(self._on)

    def close(self) -> None:
        self._unsubscribe()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def typists(self, conversation_id: int) -> list[int]:
        """The users typing in a conversation now, in the order they started."""
        now = self._clock()
        return [u for u, t in self._until.get(conversation_id, {}).items() if t > now]

    def _on(self, event: ChatEvent) -> None:
        if isinstance(event, _Typing):
            people = self._until.setdefault(event.conversation_id, {})
            people[event.user_id] = self._clock() + max(0.0, event.expires_in)
            self._expire_later(event.conversation_id)
            self.changed.emit(event.conversation_id)
        elif isinstance(event, MessageReceived):
            cid, sender = event.event.conversation_id, event.event.sender_id
            if sender is not None and self._until.get(cid, {}).pop(sender, None) is not None:
                self.changed.emit(cid)
        elif (
            isinstance(event, ConnectionStateChanged) and event.state is not ConnectionState.ONLINE
        ):
            # Offline, nobody's typing reaches us: showing stale typists would mislead.
            gone = [cid for cid, people in self._until.items() if people]
            self._until.clear()
            for cid in gone:
                self.changed.emit(cid)

    def _expire_later(self, conversation_id: int) -> None:
        old = self._timers.pop(conversation_id, None)
        if old is not None:
            old.cancel()
        people = self._until.get(conversation_id, {})
        if not people:
            return
        delay = max(0.0, min(people.values()) - self._clock())
        self._timers[conversation_id] = asyncio.get_running_loop().call_later(
            delay + 0.05, self._expire, conversation_id
        )

    def _expire(self, conversation_id: int) -> None:
        self._timers.pop(conversation_id, None)
        now = self._clock()
        people = self._until.get(conversation_id, {})
        stale = [u for u, t in people.items() if t <= now]
        for u in stale:
            del people[u]
        if stale:
            self.changed.emit(conversation_id)
        self._expire_later(conversation_id)


def typing_sentence(names: list[str]) -> str:
    """ "Mum is typing…", "Mum and Dad are typing…", "Several people are typing…", or ""."""
    if not names:
        return ""
    if len(names) == 1:
        return QCoreApplication.translate("Typing", "{name} is typing…").format(name=names[0])
    if len(names) == 2:
        return QCoreApplication.translate("Typing", "{first} and {second} are typing…").format(
            first=names[0], second=names[1]
        )
    return QCoreApplication.translate("Typing", "Several people are typing…")


def typing_line(tracker: TypingTracker, directory: Directory, conversation_id: int) -> str:
    """The sentence for one conversation, with names from the directory."""
    return typing_sentence([directory.name(u) for u in tracker.typists(conversation_id)])
