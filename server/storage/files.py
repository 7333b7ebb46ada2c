"""Queries on uploads, blobs, attachments and where attachments were shared."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from server.storage.aio import AsyncConnection
from server.storage.tables import attachment_shares, attachments, blobs, events, members, uploads

# --- uploads ------------------------------------------------------------------------------------


async def create_upload_txn(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(uploads).values(**values))


async def get_upload_txn(conn: AsyncConnection, upload_id: str) -> Any:
    return (await conn.execute(select(uploads).where(uploads.c.id == upload_id))).first()


async def uploads_of_txn(conn: AsyncConnection, user_id: int) -> list[Any]:
    q = select(uploads).where(uploads.c.user_id == user_id).order_by(uploads.c.created_at)
    return list((await conn.execute(q)).all())


async def set_received_txn(
    conn: AsyncConnection, upload_id: str, received: int, expires_at: float
) -> None:
    await conn.execute(
        update(uploads)
        .where(uploads.c.id == upload_id)
        .values(received=received, expires_at=expires_at)
    )


async def delete_upload_txn(conn: AsyncConnection, upload_id: str) -> bool:
    res = await conn.execute(delete(uploads).where(uploads.c.id == upload_id))
    return bool(res.rowcount)


async def usage_txn(conn: AsyncConnection, user_id: int) -> int:
    """Bytes that count against a user's quota: their attachments and their open uploads at
    full size (a file sent twice counts twice: quotas are about what a user put here)."""
    files = (
        select(func.coalesce(func.sum(blobs.c.size), 0))
        .select_from(attachments.join(blobs, blobs.c.id == attachments.c.blob_id))
        .where(attachments.c.owner_id == user_id)
    )
    pending = select(func.coalesce(func.sum(uploads.c.size), 0)).where(uploads.c.user_id == user_id)
    return int((await conn.execute(files)).scalar_one()) + int(
        (await conn.execute(pending)).scalar_one()
    )


async def reserved_txn(conn: AsyncConnection) -> int:
    """Bytes promised to open uploads and not yet received, across everyone."""
    q = select(func.coalesce(func.sum(uploads.c.size - uploads.c.received), 0))
    return int((await conn.execute(q)).scalar_one())


# --- blobs and attachments ----------------------------------------------------------------------


async def blob_by_sha_txn(conn: AsyncConnection, sha256: str) -> Any:
    return (await conn.execute(select(blobs).where(blobs.c.sha256 == sha256))).first()


async def insert_blob_txn(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(blobs).values(**values))


async def insert_attachment_txn(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(attachments).values(**values))


def _attachment_query() -> Any:
    return select(
        attachments.c.id,
        attachments.c.owner_id,
        attachments.c.blob_id,
        attachments.c.name,
        attachments.c.mime,
        attachments.c.original_sha256,
        attachments.c.created_at,
        blobs.c.sha256,
        blobs.c.size,
        blobs.c.width,
        blobs.c.height,
        blobs.c.duration,
        blobs.c.thumbnail,
    ).select_from(attachments.join(blobs, blobs.c.id == attachments.c.blob_id))


async def get_attachment_txn(conn: AsyncConnection, attachment_id: str) -> Any:
    q = _attachment_query().where(attachments.c.id == attachment_id)
    return (await conn.execute(q)).first()


async def get_attachments_txn(conn: AsyncConnection, ids: list[str]) -> dict[str, Any]:
    q = _attachment_query().where(attachments.c.id.in_(ids))
    return {r.id: r for r in (await conn.execute(q)).all()}


def share_txn(conn: Connection, attachment_ids: list[str], conversation_id: int, seq: int) -> None:
    """Runs in the event writer's transaction, with the message that carries them."""
    conn.execute(
        insert(attachment_shares),
        [
            {"attachment_id": a, "conversation_id": conversation_id, "seq": seq}
            for a in attachment_ids
        ],
    )


def _live_share() -> Any:
    """Shares whose message still stands (not deleted)."""
    return attachment_shares.join(
        events,
        and_(
            events.c.conversation_id == attachment_shares.c.conversation_id,
            events.c.seq == attachment_shares.c.seq,
        ),
    )


async def may_read_txn(conn: AsyncConnection, attachment_id: str, user_id: int) -> bool:
    """Whether ``user_id`` saw a message, still standing, that carries the attachment: a
    member now, or a former member whose membership covered that message."""
    q = (
        select(attachment_shares.c.seq)
        .select_from(
            _live_share().join(
                members,
                and_(
                    members.c.conversation_id == attachment_shares.c.conversation_id,
                    members.c.user_id == user_id,
                ),
            )
        )
        .where(
            attachment_shares.c.attachment_id == attachment_id,
            events.c.deleted_at.is_(None),
            # members see the whole history, whenever they joined; former members up to
            # where they left
            or_(members.c.left_seq.is_(None), members.c.left_seq >= attachment_shares.c.seq),
        )
        .limit(1)
    )
    return (await conn.execute(q)).first() is not None


# --- clean-up -----------------------------------------------------------------------------------


async def expired_uploads_txn(conn: AsyncConnection, now: float) -> list[str]:
    q = select(uploads.c.id).where(uploads.c.expires_at < now)
    ids = [r.id for r in (await conn.execute(q)).all()]
    if ids:
        await conn.execute(delete(uploads).where(uploads.c.id.in_(ids)))
    return ids


async def drop_unshared_attachments_txn(conn: AsyncConnection, created_before: float) -> int:
    """Attachments that no standing message carries, made before ``created_before`` (a file
    just uploaded is given until then to be sent)."""
    live = (
        select(attachment_shares.c.attachment_id)
        .select_from(_live_share())
        .where(
            attachment_shares.c.attachment_id == attachments.c.id,
            events.c.deleted_at.is_(None),
        )
    )
    res = await conn.execute(
        delete(attachments).where(attachments.c.created_at < created_before, ~exists(live))
    )
    return int(res.rowcount or 0)


async def drop_orphan_blobs_txn(conn: AsyncConnection) -> list[str]:
    """Blobs no attachment refers to; returns their ids (delete the files after the commit)."""
    used = select(attachments.c.blob_id).where(attachments.c.blob_id == blobs.c.id)
    ids = [r.id for r in (await conn.execute(select(blobs.c.id).where(~exists(used)))).all()]
    if ids:
        await conn.execute(delete(blobs).where(blobs.c.id.in_(ids)))
    return ids


async def all_ids_txn(conn: AsyncConnection) -> tuple[set[str], set[str]]:
    """(upload ids, blob ids): the files on disk that should exist."""
    up = {r.id for r in (await conn.execute(select(uploads.c.id))).all()}
    bl = {r.id for r in (await conn.execute(select(blobs.c.id))).all()}
    return up, bl


async def thumbnailed_blobs_txn(conn: AsyncConnection) -> set[str]:
    q = select(blobs.c.id).where(blobs.c.thumbnail.is_(True))
    return {r.id for r in (await conn.execute(q)).all()}
