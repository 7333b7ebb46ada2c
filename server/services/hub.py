"""Live connections: fan-out of events, presence, typing, and disconnecting ended sessions."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Protocol

from server.protocol.jsonframes import dumps
from server.services.memberships import Memberships

TYPING_INTERVAL_S = 3.0
TYPING_EXPIRES_S = 6


class Peer(Protocol):
    """What the hub needs of a connection (server/ws/connection.py)."""

    user_id: int
    session_id: str

    def push(self, frame: str, key: tuple[int, int] | None = None) -> None:
        """Queue a frame; a connection that cannot keep up closes itself. ``key`` is the
        (conversation, seq) of a stored event, so a connection still catching up can drop
        what its replay already sent."""

    def end(self, code: int, reason: str) -> None:
        """Close from the server side."""


def event_frame(event: dict[str, object]) -> str:
    """Encoded once and shared by every recipient's queue."""
    return dumps({"type": "event", "event": event})


class Hub:
    def __init__(self, memberships: Memberships, *, presence: bool, typing: bool) -> None:
        self.memberships = memberships
        self.presence_enabled = presence
        self.typing_enabled = typing
        self._by_user: dict[int, set[Peer]] = {}
        # Every authenticated connection, synced or not: what a session's end must reach.
        self._signed_in: dict[int, set[Peer]] = {}
        self._typing_last: dict[tuple[int, int], float] = {}

    # --- connections ------------------------------------------------------------------------

    def register(self, peer: Peer) -> None:
        """A connection past its auth phase (it gets events only once attached)."""
        self._signed_in.setdefault(peer.user_id, set()).add(peer)

    def unregister(self, peer: Peer) -> None:
        conns = self._signed_in.get(peer.user_id)
        if conns is not None:
            conns.discard(peer)
            if not conns:
                del self._signed_in[peer.user_id]

    def attach(self, peer: Peer) -> None:
        conns = self._by_user.setdefault(peer.user_id, set())
        first = not conns
        conns.add(peer)
        if first:
            self._presence(peer.user_id, online=True)

    def detach(self, peer: Peer) -> None:
        conns = self._by_user.get(peer.user_id)
        if conns is None or peer not in conns:
            return
        conns.discard(peer)
        if not conns:
            del self._by_user[peer.user_id]
            self._presence(peer.user_id, online=False)

    def is_online(self, user_id: int) -> bool:
        return user_id in self._by_user

    def online_count(self) -> int:
        return len(self._by_user)

    def connection_count(self) -> int:
        return sum(len(c) for c in self._by_user.values())

    def sessions(self) -> dict[str, int]:
        """session id -> user id of everything connected."""
        return {p.session_id: uid for uid, conns in self._signed_in.items() for p in conns}

    def end_sessions(
        self,
        user_id: int,
        *,
        only: str | None = None,
        keep: str | None = None,
        code: int,
        reason: str,
    ) -> None:
        """Disconnect a user's connections at once (sign-out, revocation, disabled account)."""
        for peer in list(self._signed_in.get(user_id, ())):
            if only is not None and peer.session_id != only:
                continue
            if keep is not None and peer.session_id == keep:
                continue
            peer.end(code, reason)

    def end_all(self, code: int, reason: str) -> None:
        for conns in list(self._signed_in.values()):
            for peer in list(conns):
                peer.end(code, reason)

    # --- fan-out ----------------------------------------------------------------------------

    def deliver(
        self,
        users: Iterable[int],
        frame: str,
        *,
        origin: Peer | None = None,
        key: tuple[int, int] | None = None,
    ) -> None:
        by_user = self._by_user
        for uid in users:
            conns = by_user.get(uid)
            if not conns:
                continue
            for peer in conns:
                if peer is not origin:
                    peer.push(frame, key)

    def publish(
        self,
        conversation_id: int,
        frame: str,
        *,
        origin: Peer | None = None,
        also: Iterable[int] = (),
        key: tuple[int, int] | None = None,
    ) -> None:
        """To every connection of every member (and of ``also``: a member just removed)."""
        users: Iterable[int] = self.memberships.members(conversation_id)
        extra = [u for u in also if u not in self.memberships.members(conversation_id)]
        if extra:
            users = [*users, *extra]
        self.deliver(users, frame, origin=origin, key=key)

    # --- ephemeral --------------------------------------------------------------------------

    def _presence(self, user_id: int, *, online: bool) -> None:
        if not self.presence_enabled:
            return
        frame = event_frame(
            {"kind": "presence", "user_id": user_id, "online": online, "at": time.time()}
        )
        self.deliver(self.memberships.peers_of(user_id), frame)

    def typing(self, conversation_id: int, user_id: int, origin: Peer) -> bool:
        """Forward at most one typing event per user and conversation every few seconds:
        a keystroke storm costs one frame per interval, not one per key."""
        now = time.monotonic()
        key = (conversation_id, user_id)
        if now - self._typing_last.get(key, 0.0) < TYPING_INTERVAL_S:
            return False
        self._typing_last[key] = now
        if len(self._typing_last) > 50_000:
            cutoff = now - TYPING_INTERVAL_S
            self._typing_last = {k: t for k, t in self._typing_last.items() if t > cutoff}
        frame = event_frame(
            {
                "kind": "typing",
                "conversation_id": conversation_id,
                "user_id": user_id,
                "expires_in": TYPING_EXPIRES_S,
            }
        )
        self.publish(conversation_id, frame, origin=origin)
        return True
