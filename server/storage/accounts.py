"""Queries on users, device sessions, refresh tokens and one-time codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, Row, Update, and_, func, insert, select, update
from sqlalchemy.engine import Connection

from server.storage.aio import AsyncConnection
from server.storage.tables import (
    device_sessions,
    one_time_codes,
    recovery_codes,
    refresh_tokens,
    users,
)


async def get_user_txn(conn: AsyncConnection, user_id: int) -> Row[Any] | None:
    return (await conn.execute(select(users).where(users.c.id == user_id))).first()


async def get_user_by_name_txn(conn: AsyncConnection, username: str) -> Row[Any] | None:
    q = select(users).where(users.c.username == username, users.c.deleted_at.is_(None))
    return (await conn.execute(q)).first()


async def username_exists_txn(conn: AsyncConnection, username: str) -> bool:
    q = select(func.count()).select_from(users).where(users.c.username == username)
    return bool((await conn.execute(q)).scalar_one())


async def list_users_txn(conn: AsyncConnection) -> list[Row[Any]]:
    q = select(users).where(users.c.deleted_at.is_(None)).order_by(users.c.id)
    return list((await conn.execute(q)).all())


async def create_user_txn(conn: AsyncConnection, **values: Any) -> int:
    values.setdefault("must_change_password", False)
    values.setdefault("disabled", False)
    values.setdefault("totp_enabled", False)
    values.setdefault("failed_logins", 0)
    res = await conn.execute(insert(users).values(**values).returning(users.c.id))
    return int(res.scalar_one())


async def update_user_txn(conn: AsyncConnection, user_id: int, **values: Any) -> None:
    await conn.execute(update(users).where(users.c.id == user_id).values(**values))


@dataclass(frozen=True, slots=True)
class NewSession:
    """What a sign-in writes: a device session, its first refresh token, the user's last
    sign-in time, and (after a good password) the user's failed attempts cleared."""

    session_id: str
    user_id: int
    device_name: str
    ip: str | None
    now: float
    expires_at: float
    refresh_hash: str
    clear_failures: bool = False

    def statements(self) -> tuple[Insert, Insert, Update]:
        user: dict[str, Any] = {"last_login_at": self.now}
        if self.clear_failures:
            user.update(failed_logins=0, locked_until=None)
        return (
            insert(device_sessions).values(
                id=self.session_id,
                user_id=self.user_id,
                device_name=self.device_name,
                ip=self.ip,
                created_at=self.now,
                last_seen_at=self.now,
                expires_at=self.expires_at,
            ),
            _refresh_token_insert(self.refresh_hash, self.session_id, self.now),
            update(users).where(users.c.id == self.user_id).values(**user),
        )


async def open_session_txn(conn: AsyncConnection, new: NewSession) -> None:
    for statement in new.statements():
        await conn.execute(statement)


def open_session_blocking(conn: Connection, new: NewSession) -> None:
    """``open_session_txn`` on a sync connection: the event writer's (``EventWriter.run``)."""
    for statement in new.statements():
        conn.execute(statement)


async def get_session_with_user_txn(conn: AsyncConnection, session_id: str) -> Any:
    q = (
        select(
            device_sessions.c.id.label("session_id"),
            device_sessions.c.user_id,
            device_sessions.c.revoked_at,
            device_sessions.c.expires_at,
            device_sessions.c.last_seen_at,
            users.c.username,
            users.c.display_name,
            users.c.role,
            users.c.disabled,
            users.c.deleted_at,
            users.c.must_change_password,
            users.c.totp_enabled,
        )
        .join(users, users.c.id == device_sessions.c.user_id)
        .where(device_sessions.c.id == session_id)
    )
    return (await conn.execute(q)).first()


async def touch_session_txn(
    conn: AsyncConnection, session_id: str, now: float, expires_at: float | None = None
) -> None:
    values: dict[str, float] = {"last_seen_at": now}
    if expires_at is not None:
        values["expires_at"] = expires_at
    await conn.execute(
        update(device_sessions).where(device_sessions.c.id == session_id).values(**values)
    )


async def list_sessions_txn(conn: AsyncConnection, user_id: int, now: float) -> list[Row[Any]]:
    q = (
        select(device_sessions)
        .where(
            device_sessions.c.user_id == user_id,
            device_sessions.c.revoked_at.is_(None),
            device_sessions.c.expires_at > now,
        )
        .order_by(device_sessions.c.last_seen_at.desc())
    )
    return list((await conn.execute(q)).all())


async def revoke_sessions_txn(
    conn: AsyncConnection,
    *,
    user_id: int,
    now: float,
    reason: str,
    only: str | None = None,
    keep: str | None = None,
) -> int:
    """Revoke one session (``only``) or all of a user's sessions except ``keep``."""
    cond = [device_sessions.c.user_id == user_id, device_sessions.c.revoked_at.is_(None)]
    if only is not None:
        cond.append(device_sessions.c.id == only)
    if keep is not None:
        cond.append(device_sessions.c.id != keep)
    res = await conn.execute(
        update(device_sessions).where(and_(*cond)).values(revoked_at=now, revoke_reason=reason)
    )
    return res.rowcount


def _refresh_token_insert(token_hash: str, session_id: str, now: float) -> Insert:
    return insert(refresh_tokens).values(
        token_hash=token_hash, session_id=session_id, created_at=now
    )


async def add_refresh_token_txn(
    conn: AsyncConnection, token_hash: str, session_id: str, now: float
) -> None:
    await conn.execute(_refresh_token_insert(token_hash, session_id, now))


async def get_refresh_token_txn(conn: AsyncConnection, token_hash: str) -> Row[Any] | None:
    q = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
    return (await conn.execute(q)).first()


async def spend_refresh_token_txn(conn: AsyncConnection, token_hash: str, now: float) -> bool:
    """Mark spent; False if it already was (a concurrent use counts as reuse)."""
    res = await conn.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.token_hash == token_hash, refresh_tokens.c.spent_at.is_(None))
        .values(spent_at=now)
    )
    return res.rowcount == 1


async def replace_recovery_codes_txn(
    conn: AsyncConnection, user_id: int, hashes: list[str]
) -> None:
    await conn.execute(recovery_codes.delete().where(recovery_codes.c.user_id == user_id))
    if hashes:
        await conn.execute(
            insert(recovery_codes), [{"user_id": user_id, "code_hash": h} for h in hashes]
        )


async def use_recovery_code_txn(
    conn: AsyncConnection, user_id: int, code_hash: str, now: float
) -> bool:
    res = await conn.execute(
        update(recovery_codes)
        .where(
            recovery_codes.c.user_id == user_id,
            recovery_codes.c.code_hash == code_hash,
            recovery_codes.c.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return res.rowcount == 1


async def add_one_time_code_txn(
    conn: AsyncConnection, *, user_id: int, purpose: str, code_hash: str, expires_at: float
) -> None:
    await conn.execute(
        one_time_codes.delete().where(
            one_time_codes.c.user_id == user_id, one_time_codes.c.purpose == purpose
        )
    )
    await conn.execute(
        insert(one_time_codes).values(
            user_id=user_id, purpose=purpose, code_hash=code_hash, expires_at=expires_at
        )
    )


async def has_one_time_code_txn(
    conn: AsyncConnection, user_id: int, purpose: str, now: float
) -> bool:
    q = (
        select(func.count())
        .select_from(one_time_codes)
        .where(
            one_time_codes.c.user_id == user_id,
            one_time_codes.c.purpose == purpose,
            one_time_codes.c.used_at.is_(None),
            one_time_codes.c.expires_at > now,
        )
    )
    return bool((await conn.execute(q)).scalar_one())


async def use_one_time_code_txn(
    conn: AsyncConnection, *, user_id: int, purpose: str, code_hash: str, now: float
) -> bool:
    res = await conn.execute(
        update(one_time_codes)
        .where(
            one_time_codes.c.user_id == user_id,
            one_time_codes.c.purpose == purpose,
            one_time_codes.c.code_hash == code_hash,
            one_time_codes.c.used_at.is_(None),
            one_time_codes.c.expires_at > now,
        )
        .values(used_at=now)
    )
    return res.rowcount == 1


async def valid_sessions_txn(conn: AsyncConnection, session_ids: list[str], now: float) -> set[str]:
    """Which of these sessions may still be connected (not revoked or expired, user usable)."""
    q = (
        select(device_sessions.c.id)
        .join(users, users.c.id == device_sessions.c.user_id)
        .where(
            device_sessions.c.id.in_(session_ids),
            device_sessions.c.revoked_at.is_(None),
            device_sessions.c.expires_at > now,
            users.c.disabled.is_(False),
            users.c.deleted_at.is_(None),
        )
    )
    return set((await conn.execute(q)).scalars())
