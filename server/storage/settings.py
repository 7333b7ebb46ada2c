"""Settings an admin changed, and the backup schedule and record, as JSON rows of ``server_meta``.

Keys are ``setting.<name>`` for server settings and ``backup.<name>`` for backups. Stored in the
database, they travel with every backup and win over the config file's values.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, insert, select

from server.storage.aio import AsyncConnection
from server.storage.tables import server_meta

SETTING = "setting."
BACKUP = "backup."


async def load_txn(conn: AsyncConnection, prefix: str) -> dict[str, Any]:
    """Every value under ``prefix``, by name without the prefix."""
    rows = await conn.execute(
        select(server_meta.c.key, server_meta.c.value).where(server_meta.c.key.startswith(prefix))
    )
    return {k.removeprefix(prefix): json.loads(v) for k, v in rows.all()}


async def put_txn(conn: AsyncConnection, prefix: str, values: dict[str, Any]) -> None:
    """Write ``values`` under ``prefix``; a value of None removes its row."""
    if not values:
        return
    keys = [prefix + name for name in values]
    await conn.execute(delete(server_meta).where(server_meta.c.key.in_(keys)))
    rows = [
        {"key": prefix + name, "value": json.dumps(value, ensure_ascii=False)}
        for name, value in values.items()
        if value is not None
    ]
    if rows:
        await conn.execute(insert(server_meta), rows)


async def set_name_txn(conn: AsyncConnection, name: str) -> None:
    """The server's name lives in its own row (set at claim, read at start)."""
    await conn.execute(delete(server_meta).where(server_meta.c.key == "name"))
    await conn.execute(insert(server_meta).values(key="name", value=name))
