"""Queries on invites."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, insert, select, update

from server.storage.aio import AsyncConnection
from server.storage.tables import invites


async def create_txn(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(invites).values(**values))


async def get_txn(conn: AsyncConnection, invite_id: str) -> Row[Any] | None:
    return (await conn.execute(select(invites).where(invites.c.id == invite_id))).first()


async def get_usable_by_hash_txn(
    conn: AsyncConnection, token_hash: str, now: float
) -> Row[Any] | None:
    q = select(invites).where(
        invites.c.token_hash == token_hash,
        invites.c.used_at.is_(None),
        invites.c.revoked_at.is_(None),
        invites.c.expires_at > now,
    )
    return (await conn.execute(q)).first()


async def use_txn(conn: AsyncConnection, invite_id: str, user_id: int, now: float) -> bool:
    res = await conn.execute(
        update(invites)
        .where(invites.c.id == invite_id, invites.c.used_at.is_(None))
        .values(used_at=now, used_by=user_id)
    )
    return res.rowcount == 1


async def list_txn(conn: AsyncConnection) -> list[Row[Any]]:
    return list((await conn.execute(select(invites).order_by(invites.c.created_at.desc()))).all())


async def revoke_txn(conn: AsyncConnection, invite_id: str, now: float) -> bool:
    res = await conn.execute(
        update(invites)
        .where(invites.c.id == invite_id, invites.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return res.rowcount == 1
