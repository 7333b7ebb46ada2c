"""Claiming a fresh server: the first person with the setup code becomes its owner."""

from __future__ import annotations

import asyncio
import time

from server.protocol.auth import Tokens
from server.protocol.common import Role
from server.protocol.errors import ErrorCode
from server.runtime import Runtime
from server.services.accounts import Accounts, check_password_strength
from server.services.errors import ApiError
from server.services.secrets import normalise_code, same
from server.storage import accounts as q
from server.storage import audit, meta


def already_claimed() -> ApiError:
    return ApiError(ErrorCode.ALREADY_CLAIMED, "this server has an owner already")


async def claim(
    rt: Runtime,
    accounts: Accounts,
    *,
    setup_code: str,
    server_name: str,
    username: str,
    display_name: str,
    password: str,
    device_name: str,
    ip: str | None,
) -> Tokens:
    if rt.state != "unclaimed":
        raise already_claimed()
    key = ip or "?"
    wait = rt.claim_failures.retry_after(key)
    if wait is not None:
        raise ApiError(
            ErrorCode.RATE_LIMITED,
            f"too many wrong setup codes; try again in {wait} s",
            retry_after=wait,
        )
    expected = await asyncio.to_thread(rt.read_setup_code_blocking)
    if expected is None or not same(normalise_code(setup_code), normalise_code(expected)):
        rt.claim_failures.hit(key)
        raise ApiError(
            ErrorCode.INVALID_SETUP_CODE,
            "that setup code is not right; it is printed on the server's console and stored "
            "in its data directory",
        )
    check_password_strength(password, username)
    hashed = await rt.passwords.hash(password)
    now = time.time()
    async with rt.engine.begin() as conn:
        if not await meta.claim_txn(conn, server_name):
            raise already_claimed()
        uid = await q.create_user_txn(
            conn,
            username=username,
            display_name=display_name,
            role=Role.OWNER.value,
            password_hash=hashed,
            created_at=now,
        )
        await audit.record_txn(
            conn,
            at=now,
            action="setup.claim",
            actor_id=uid,
            target_id=uid,
            ip=ip,
            detail={"server_name": server_name},
        )
        user = await q.get_user_txn(conn, uid)
        assert user is not None
        tokens = await accounts.issue_txn(conn, user, device_name=device_name, ip=ip, now=now)
    rt.mark_claimed(server_name)
    return tokens
