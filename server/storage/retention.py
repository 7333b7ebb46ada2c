"""Retention: messages older than a cut-off become tombstones, and files only they carried go.

A tombstone is what a deletion by its author leaves: the row keeps its seq (numbers are never
reused and replay stays gap-free), its content and the edits' content are removed, its reactions
too. Events other than messages (membership, renames) stay: they carry no words of anybody's.
"""

from __future__ import annotations

from sqlalchemy import FromClause, and_, delete, exists, select, update
from sqlalchemy.sql.elements import ColumnElement

from server.storage.aio import AsyncConnection
from server.storage.tables import attachment_shares, attachments, events, reactions


def _expiring(
    t: FromClause, cutoff: float, only: int | None, skip: set[int]
) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = [
        t.c.kind == "message",
        t.c.deleted_at.is_(None),
        t.c.created_at < cutoff,
    ]
    if only is not None:
        conds.append(t.c.conversation_id == only)
    elif skip:
        conds.append(t.c.conversation_id.not_in(sorted(skip)))
    return and_(*conds)


async def expire_messages_txn(
    conn: AsyncConnection,
    *,
    cutoff: float,
    now: float,
    only: int | None = None,
    skip: set[int] | frozenset[int] = frozenset(),
) -> int:
    """Tombstone messages created before ``cutoff``, in conversation ``only`` or in every
    conversation but those in ``skip``. Returns how many."""
    target = events.alias("target")
    of_expiring = and_(
        target.c.conversation_id == events.c.conversation_id,
        target.c.seq == events.c.target_seq,
        _expiring(target, cutoff, only, set(skip)),
    )
    # edits and reactions first: they find their target by its being about to expire
    await conn.execute(
        update(events)
        .where(events.c.kind == "edit", events.c.content.is_not(None), exists().where(of_expiring))
        .values(content=None, deleted_at=now)
    )
    await conn.execute(
        delete(reactions).where(
            exists().where(
                target.c.conversation_id == reactions.c.conversation_id,
                target.c.seq == reactions.c.seq,
                _expiring(target, cutoff, only, set(skip)),
            )
        )
    )
    res = await conn.execute(
        update(events)
        .where(_expiring(events, cutoff, only, set(skip)))
        .values(content=None, deleted_at=now)
    )
    return int(res.rowcount or 0)


async def drop_expired_attachments_txn(conn: AsyncConnection) -> int:
    """Attachments that were sent, and whose every message is now deleted. (Files uploaded but
    not sent yet are the files sweeper's, after its grace period.)"""
    share = attachment_shares
    live = (
        select(share.c.attachment_id)
        .select_from(
            share.join(
                events,
                and_(
                    events.c.conversation_id == share.c.conversation_id,
                    events.c.seq == share.c.seq,
                ),
            )
        )
        .where(share.c.attachment_id == attachments.c.id, events.c.deleted_at.is_(None))
    )
    sent = select(share.c.attachment_id).where(share.c.attachment_id == attachments.c.id)
    res = await conn.execute(delete(attachments).where(exists(sent), ~exists(live)))
    return int(res.rowcount or 0)
