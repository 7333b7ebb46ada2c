"""Who is in which conversation, held in memory: every send and fan-out asks, so no query."""

from __future__ import annotations

from sqlalchemy import select

from server.protocol.common import Role
from server.storage.aio import AsyncEngine
from server.storage.tables import members


class Memberships:
    """Active members per conversation and conversations per user. The event writer is the
    only code that changes membership, and it updates this after each commit."""

    def __init__(self) -> None:
        self._by_conv: dict[int, dict[int, Role]] = {}
        self._by_user: dict[int, set[int]] = {}

    async def load(self, engine: AsyncEngine) -> None:
        q = select(members.c.conversation_id, members.c.user_id, members.c.role).where(
            members.c.left_seq.is_(None)
        )
        async with engine.connect() as conn:
            for conv, user, role in (await conn.execute(q)).all():
                self.add(conv, user, Role(role))

    def add(self, conv: int, user: int, role: Role) -> None:
        self._by_conv.setdefault(conv, {})[user] = role
        self._by_user.setdefault(user, set()).add(conv)

    def remove(self, conv: int, user: int) -> None:
        self._by_conv.get(conv, {}).pop(user, None)
        convs = self._by_user.get(user)
        if convs is not None:
            convs.discard(conv)

    def role(self, conv: int, user: int) -> Role | None:
        return self._by_conv.get(conv, {}).get(user)

    def members(self, conv: int) -> dict[int, Role]:
        return self._by_conv.get(conv, {})

    def conversations_of(self, user: int) -> set[int]:
        return self._by_user.get(user, set())

    def peers_of(self, user: int) -> set[int]:
        """Everyone who shares a conversation with ``user`` (who may see their presence)."""
        peers: set[int] = set()
        for conv in self.conversations_of(user):
            peers.update(self._by_conv.get(conv, ()))
        peers.discard(user)
        return peers
