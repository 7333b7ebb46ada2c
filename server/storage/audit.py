"""Queries on the audit log of admin and security actions."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Row, insert, select

from server.storage.aio import AsyncConnection
from server.storage.tables import audit_log


async def record_txn(
    conn: AsyncConnection,
    *,
    at: float,
    action: str,
    actor_id: int | None = None,
    target_id: int | None = None,
    ip: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    await conn.execute(
        insert(audit_log).values(
            at=at,
            action=action,
            actor_id=actor_id,
            target_id=target_id,
            ip=ip,
            detail=json.dumps(detail or {}, ensure_ascii=False),
        )
    )


async def list_txn(conn: AsyncConnection, *, before_id: int | None, limit: int) -> list[Row[Any]]:
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if before_id is not None:
        q = q.where(audit_log.c.id < before_id)
    return list((await conn.execute(q)).all())
