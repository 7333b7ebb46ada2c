"""Queries on ``server_meta``: the server's identity and claim state."""

from sqlalchemy import select, update

from server.storage.aio import AsyncConnection
from server.storage.tables import server_meta


async def put_many_txn(conn: AsyncConnection, values: dict[str, str]) -> None:
    await conn.execute(server_meta.insert(), [{"key": k, "value": v} for k, v in values.items()])


async def get_txn(conn: AsyncConnection, key: str) -> str | None:
    row = (await conn.execute(select(server_meta.c.value).where(server_meta.c.key == key))).first()
    return None if row is None else str(row[0])


async def claim_txn(conn: AsyncConnection, name: str) -> bool:
    """Flip unclaimed → ready; False if someone else already did (the claim is a one-shot)."""
    res = await conn.execute(
        update(server_meta)
        .where(server_meta.c.key == "state", server_meta.c.value == "unclaimed")
        .values(value="ready")
    )
    if res.rowcount != 1:
        return False
    await conn.execute(update(server_meta).where(server_meta.c.key == "name").values(value=name))
    return True
