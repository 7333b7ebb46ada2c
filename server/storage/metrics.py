"""Queries for monitoring: the minute history, the alert state and the activity counters."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnClause, Integer, delete, func, literal_column, select, true

from server.storage.aio import AsyncConnection
from server.storage.tables import (
    attachments,
    blobs,
    events,
    metric_samples,
    server_meta,
    uploads,
    users,
)

ALERTS_KEY = "monitoring.alerts"

# SQLite's implicit row number: it only grows as rows are added, so "rows past the last one
# seen" is an index range scan over the new rows instead of a scan of the whole table.
_ROWID: ColumnClause[int] = literal_column("rowid", Integer)
_ATTACHMENT_ROWID: ColumnClause[int] = literal_column("attachments.rowid", Integer)


async def insert_samples_txn(conn: AsyncConnection, rows: list[tuple[float, str]]) -> None:
    """Store minute rows (time, JSON); a minute already stored is replaced."""
    if not rows:
        return
    await conn.execute(delete(metric_samples).where(metric_samples.c.at.in_([r[0] for r in rows])))
    await conn.execute(metric_samples.insert(), [{"at": at, "data": data} for at, data in rows])


async def prune_samples_txn(conn: AsyncConnection, before: float) -> int:
    res = await conn.execute(delete(metric_samples).where(metric_samples.c.at < before))
    return int(res.rowcount or 0)


async def samples_since_txn(conn: AsyncConnection, since: float) -> list[tuple[float, str]]:
    rows = await conn.execute(
        select(metric_samples.c.at, metric_samples.c.data)
        .where(metric_samples.c.at >= since)
        .order_by(metric_samples.c.at)
    )
    return [(float(r.at), str(r.data)) for r in rows]


async def get_alerts_txn(conn: AsyncConnection) -> list[dict[str, Any]]:
    row = (
        await conn.execute(select(server_meta.c.value).where(server_meta.c.key == ALERTS_KEY))
    ).first()
    if row is None:
        return []
    try:
        value = json.loads(row[0])
    except ValueError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


async def put_alerts_txn(conn: AsyncConnection, alerts: list[dict[str, Any]]) -> None:
    await conn.execute(delete(server_meta).where(server_meta.c.key == ALERTS_KEY))
    await conn.execute(server_meta.insert().values(key=ALERTS_KEY, value=json.dumps(alerts)))


async def newest_rowids_txn(conn: AsyncConnection) -> tuple[int, int]:
    """The newest event and attachment rowids: where the activity counters start."""
    q = select(
        select(func.coalesce(func.max(_ROWID), 0)).select_from(events).scalar_subquery(),
        select(func.coalesce(func.max(_ATTACHMENT_ROWID), 0))
        .select_from(attachments)
        .scalar_subquery(),
    )
    row = (await conn.execute(q)).one()
    return int(row[0]), int(row[1])


async def activity_after_txn(
    conn: AsyncConnection, event_rowid: int, attachment_rowid: int
) -> tuple[int, int, int, int]:
    """(messages, newest event rowid, bytes of files finished, newest attachment rowid) past
    the given rowids, in one statement: it runs every few seconds for years."""
    new_events = select(
        func.count().filter(events.c.kind == "message").label("messages"),
        func.coalesce(func.max(_ROWID), event_rowid).label("rowid"),
    ).where(event_rowid < _ROWID)
    new_files = (
        select(
            func.coalesce(func.sum(blobs.c.size), 0).label("bytes"),
            func.coalesce(func.max(_ATTACHMENT_ROWID), attachment_rowid).label("rowid"),
        )
        .select_from(attachments.join(blobs, blobs.c.id == attachments.c.blob_id))
        .where(attachment_rowid < _ATTACHMENT_ROWID)
    )
    e = new_events.subquery()
    f = new_files.subquery()
    both = select(e.c.messages, e.c.rowid, f.c.bytes, f.c.rowid).select_from(
        e.join(f, true())  # one row each: the join pairs them
    )
    row = (await conn.execute(both)).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


async def storage_per_user_txn(conn: AsyncConnection) -> list[tuple[int, str, int]]:
    """(user id, username, bytes) for every user with files, largest first: their attachments
    and their open uploads at full size, as the quota counts them."""
    files = (
        select(attachments.c.owner_id.label("uid"), blobs.c.size.label("size"))
        .select_from(attachments.join(blobs, blobs.c.id == attachments.c.blob_id))
        .where(attachments.c.owner_id.is_not(None))
    )
    pending = select(uploads.c.user_id.label("uid"), uploads.c.size.label("size"))
    both = files.union_all(pending).subquery()
    total = func.sum(both.c.size).label("total")
    q = (
        select(users.c.id, users.c.username, total)
        .select_from(both.join(users, users.c.id == both.c.uid))
        .where(users.c.deleted_at.is_(None))
        .group_by(users.c.id, users.c.username)
        .order_by(total.desc(), users.c.id)
    )
    return [(int(r[0]), str(r[1]), int(r[2])) for r in await conn.execute(q)]


async def admin_ids_txn(conn: AsyncConnection) -> list[int]:
    q = select(users.c.id).where(
        users.c.role.in_(("owner", "admin")),
        users.c.deleted_at.is_(None),
        users.c.disabled.is_(False),
    )
    return [int(r[0]) for r in await conn.execute(q)]


async def role_txn(conn: AsyncConnection, user_id: int) -> str | None:
    q = select(users.c.role).where(users.c.id == user_id, users.c.deleted_at.is_(None))
    row = (await conn.execute(q)).first()
    return None if row is None else str(row[0])
