"""Admins' powers over accounts: create, disable, reset, roles, delete, invites, audit log."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Row

from server.protocol.admin import (
    AdminUser,
    AuditEntry,
    CreatedInvite,
    InviteInfo,
    OneTimeSecret,
)
from server.protocol.auth import SessionInfo, Tokens
from server.protocol.common import Role
from server.protocol.errors import ErrorCode
from server.runtime import Runtime
from server.services.accounts import (
    SECOND_FACTOR_CODE,
    Accounts,
    Principal,
    check_password_strength,
    clear_totp_txn,
)
from server.services.errors import ApiError
from server.services.secrets import (
    human_code,
    normalise_code,
    random_id,
    random_token,
    token_hash,
)
from server.services.settings import registration_open
from server.storage import accounts as q
from server.storage import audit
from server.storage import invites as iq
from server.storage.aio import AsyncConnection

RESET_CODE_TTL_S = 7 * 86_400


def admin_user(row: Row[Any]) -> AdminUser:
    return AdminUser(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        disabled=bool(row.disabled),
        totp_enabled=bool(row.totp_enabled),
        must_change_password=bool(row.must_change_password),
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        locked_until=row.locked_until,
    )


def invite_info(row: Row[Any]) -> InviteInfo:
    return InviteInfo(
        id=row.id,
        role=Role(row.role),
        note=row.note,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        used_by=row.used_by,
        revoked_at=row.revoked_at,
    )


def _may_grant(actor: Principal, role: Role) -> None:
    if role is Role.OWNER:
        raise ApiError(
            ErrorCode.FORBIDDEN, "there is one owner; the owner hands the role over with 'role'"
        )
    if role is Role.ADMIN and actor.role is not Role.OWNER:
        raise ApiError(ErrorCode.FORBIDDEN, "only the owner can make admins")


async def set_one_time_password_txn(
    conn: AsyncConnection,
    rt: Runtime,
    user_id: int,
    now: float,
    reason: str,
    *,
    enable: bool = False,
) -> str:
    """A fresh password to hand over in person; it must be changed at the next sign-in.
    Also ends every session and lifts a lockout (the CLI's reset-password uses this too, with
    ``enable``: an owner locked out on the Pi gets back in even if their account was disabled)."""
    code = human_code()
    extra = {"disabled": False} if enable else {}
    await q.update_user_txn(
        conn,
        user_id,
        password_hash=await rt.passwords.hash(code),
        must_change_password=True,
        failed_logins=0,
        locked_until=None,
        **extra,
    )
    await q.revoke_sessions_txn(conn, user_id=user_id, now=now, reason=reason)
    return code


class Admin:
    def __init__(self, rt: Runtime, accounts: Accounts) -> None:
        self.rt = rt
        self.accounts = accounts

    async def _target_txn(self, conn: AsyncConnection, actor: Principal, user_id: int) -> Row[Any]:
        """The user an admin acts on, after checking the admin may act on them."""
        if user_id == actor.user_id:
            raise ApiError(
                ErrorCode.CANNOT_MODIFY_SELF, "use your own account settings for yourself"
            )
        row = await q.get_user_txn(conn, user_id)
        if row is None or row.deleted_at is not None:
            raise ApiError(ErrorCode.USER_NOT_FOUND, "no such user")
        if Role(row.role) is not Role.MEMBER and actor.role is not Role.OWNER:
            raise ApiError(ErrorCode.FORBIDDEN, "only the owner can change the owner or an admin")
        return row

    async def list_users(self) -> list[AdminUser]:
        async with self.rt.reader.connect() as conn:
            return [admin_user(r) for r in await q.list_users_txn(conn)]

    async def create_user(
        self, actor: Principal, *, username: str, display_name: str, role: Role, ip: str | None
    ) -> OneTimeSecret:
        _may_grant(actor, role)
        code = human_code()
        hashed = await self.rt.passwords.hash(code)
        now = time.time()
        async with self.rt.engine.begin() as conn:
            if await q.username_exists_txn(conn, username):
                raise ApiError(ErrorCode.USERNAME_TAKEN, f"the username {username} is taken")
            uid = await q.create_user_txn(
                conn,
                username=username,
                display_name=display_name,
                role=role.value,
                password_hash=hashed,
                must_change_password=True,
                created_at=now,
            )
            await audit.record_txn(
                conn,
                at=now,
                action="user.create",
                actor_id=actor.user_id,
                target_id=uid,
                ip=ip,
                detail={"username": username, "role": role.value},
            )
            row = await q.get_user_txn(conn, uid)
        assert row is not None
        return OneTimeSecret(user=admin_user(row), one_time_code=code)

    async def _update(
        self, actor: Principal, user_id: int, action: str, ip: str | None, **values: Any
    ) -> AdminUser:
        now = time.time()
        async with self.rt.engine.begin() as conn:
            await self._target_txn(conn, actor, user_id)
            await q.update_user_txn(conn, user_id, **values)
            if values.get("disabled"):
                await q.revoke_sessions_txn(conn, user_id=user_id, now=now, reason="disabled")
            await audit.record_txn(
                conn, at=now, action=action, actor_id=actor.user_id, target_id=user_id, ip=ip
            )
            row = await q.get_user_txn(conn, user_id)
        assert row is not None
        if values.get("disabled"):
            self.rt.sessions_ended(user_id)
        return admin_user(row)

    async def disable(self, actor: Principal, user_id: int, ip: str | None) -> AdminUser:
        return await self._update(actor, user_id, "user.disable", ip, disabled=True)

    async def enable(self, actor: Principal, user_id: int, ip: str | None) -> AdminUser:
        return await self._update(
            actor, user_id, "user.enable", ip, disabled=False, failed_logins=0, locked_until=None
        )

    # --- another user's sessions ------------------------------------------------------------

    async def list_sessions(self, actor: Principal, user_id: int) -> list[SessionInfo]:
        """A user's open device sessions, most recently seen first (as ``/me/sessions``)."""
        now = time.time()
        async with self.rt.reader.connect() as conn:
            await self._target_txn(conn, actor, user_id)
            rows = await q.list_sessions_txn(conn, user_id, now)
        return [
            SessionInfo(
                id=r.id,
                device_name=r.device_name,
                ip=r.ip,
                created_at=r.created_at,
                last_seen_at=r.last_seen_at,
                current=False,  # the caller's own sessions are never listed here
            )
            for r in rows
        ]

    async def end_sessions(
        self, actor: Principal, user_id: int, session_id: str | None, ip: str | None
    ) -> int:
        """Signs a user out of one device (``session_id``) or all of them: refresh tokens stop
        working and live connections close at once. Returns how many sessions ended.

        Raises:
            ApiError: ``not_found`` for a session that is not this user's or has ended.
        """
        now = time.time()
        async with self.rt.engine.begin() as conn:
            await self._target_txn(conn, actor, user_id)
            open_ids = {r.id for r in await q.list_sessions_txn(conn, user_id, now)}
            if session_id is not None and session_id not in open_ids:
                raise ApiError(ErrorCode.NOT_FOUND, "no such session")
            n = await q.revoke_sessions_txn(
                conn, user_id=user_id, only=session_id, now=now, reason="admin_revoked"
            )
            await audit.record_txn(
                conn,
                at=now,
                action="user.session.revoke" if session_id else "user.sessions.revoke_all",
                actor_id=actor.user_id,
                target_id=user_id,
                ip=ip,
                detail={"session_id": session_id} if session_id else {"count": n},
            )
        self.rt.sessions_ended(user_id, only=session_id)
        return n

    async def reset_password(self, actor: Principal, user_id: int, ip: str | None) -> OneTimeSecret:
        now = time.time()
        async with self.rt.engine.begin() as conn:
            await self._target_txn(conn, actor, user_id)
            code = await set_one_time_password_txn(conn, self.rt, user_id, now, "password_reset")
            await audit.record_txn(
                conn,
                at=now,
                action="user.reset_password",
                actor_id=actor.user_id,
                target_id=user_id,
                ip=ip,
            )
            row = await q.get_user_txn(conn, user_id)
        assert row is not None
        self.rt.sessions_ended(user_id)
        return OneTimeSecret(user=admin_user(row), one_time_code=code)

    async def reset_totp(self, actor: Principal, user_id: int, ip: str | None) -> OneTimeSecret:
        """Turns 2FA off and hands out a one-time code that stands in for it once, so the
        password alone never suffices in the gap before the user enrols again."""
        now = time.time()
        code = human_code()
        async with self.rt.engine.begin() as conn:
            await self._target_txn(conn, actor, user_id)
            await clear_totp_txn(conn, user_id)
            await q.add_one_time_code_txn(
                conn,
                user_id=user_id,
                purpose=SECOND_FACTOR_CODE,
                code_hash=token_hash(normalise_code(code)),
                expires_at=now + RESET_CODE_TTL_S,
            )
            await q.revoke_sessions_txn(conn, user_id=user_id, now=now, reason="2fa_reset")
            await audit.record_txn(
                conn,
                at=now,
                action="user.reset_2fa",
                actor_id=actor.user_id,
                target_id=user_id,
                ip=ip,
            )
            row = await q.get_user_txn(conn, user_id)
        assert row is not None
        self.rt.sessions_ended(user_id)
        return OneTimeSecret(user=admin_user(row), one_time_code=code, expires_in=RESET_CODE_TTL_S)

    async def set_role(
        self, actor: Principal, user_id: int, role: Role, ip: str | None
    ) -> AdminUser:
        if role is not Role.OWNER:
            _may_grant(actor, role)
            return await self._update(
                actor, user_id, f"user.role.{role.value}", ip, role=role.value
            )
        if actor.role is not Role.OWNER:
            raise ApiError(ErrorCode.FORBIDDEN, "only the owner can hand over ownership")
        now = time.time()
        async with self.rt.engine.begin() as conn:
            target = await self._target_txn(conn, actor, user_id)
            if target.disabled:
                raise ApiError(
                    ErrorCode.ACCOUNT_DISABLED, "enable the account before handing it the server"
                )
            await q.update_user_txn(conn, user_id, role=Role.OWNER.value)
            await q.update_user_txn(conn, actor.user_id, role=Role.ADMIN.value)
            await audit.record_txn(
                conn,
                at=now,
                action="user.role.owner",
                actor_id=actor.user_id,
                target_id=user_id,
                ip=ip,
            )
            row = await q.get_user_txn(conn, user_id)
        assert row is not None
        return admin_user(row)

    async def delete(self, actor: Principal, user_id: int, ip: str | None) -> None:
        """Deletes the account; the row stays as a tombstone so that what the person wrote
        can still name its author, but nothing of theirs can sign in or be recovered."""
        now = time.time()
        async with self.rt.engine.begin() as conn:
            row = await self._target_txn(conn, actor, user_id)
            await q.update_user_txn(
                conn,
                user_id,
                # "~" is not allowed in usernames, so nobody can register the tombstone's
                # name and pose as the deleted account (or block the deletion).
                username=f"~deleted-{user_id}",
                display_name="Deleted user",
                password_hash=None,
                disabled=True,
                deleted_at=now,
            )
            await clear_totp_txn(conn, user_id)
            await q.revoke_sessions_txn(conn, user_id=user_id, now=now, reason="deleted")
            await audit.record_txn(
                conn,
                at=now,
                action="user.delete",
                actor_id=actor.user_id,
                target_id=user_id,
                ip=ip,
                detail={"username": row.username},
            )
        self.rt.sessions_ended(user_id)

    # --- invites ----------------------------------------------------------------------------

    def invite_link(self, token: str) -> str:
        params: list[tuple[str, str]] = [("name", self.rt.name), ("token", token)]
        if self.rt.fingerprint:
            params.append(("fp", self.rt.fingerprint))
        params.extend(("addr", a) for a in self.rt.public_addresses())
        return "roost://join?" + urlencode(params)

    async def create_invite(
        self, actor: Principal, *, role: Role, expires_in_hours: int, note: str, ip: str | None
    ) -> CreatedInvite:
        _may_grant(actor, role)
        token = random_token(24)
        now = time.time()
        invite_id = random_id()
        async with self.rt.engine.begin() as conn:
            await iq.create_txn(
                conn,
                id=invite_id,
                token_hash=token_hash(token),
                role=role.value,
                note=note,
                created_by=actor.user_id,
                created_at=now,
                expires_at=now + expires_in_hours * 3600,
            )
            await audit.record_txn(
                conn,
                at=now,
                action="invite.create",
                actor_id=actor.user_id,
                ip=ip,
                detail={"invite_id": invite_id, "role": role.value},
            )
            row = await iq.get_txn(conn, invite_id)
        assert row is not None
        return CreatedInvite(invite=invite_info(row), token=token, link=self.invite_link(token))

    async def list_invites(self) -> list[InviteInfo]:
        async with self.rt.reader.connect() as conn:
            return [invite_info(r) for r in await iq.list_txn(conn)]

    async def revoke_invite(self, actor: Principal, invite_id: str, ip: str | None) -> None:
        now = time.time()
        async with self.rt.engine.begin() as conn:
            if not await iq.revoke_txn(conn, invite_id, now):
                raise ApiError(ErrorCode.NOT_FOUND, "no such invite, or it was revoked already")
            await audit.record_txn(
                conn,
                at=now,
                action="invite.revoke",
                actor_id=actor.user_id,
                ip=ip,
                detail={"invite_id": invite_id},
            )

    async def register(
        self,
        *,
        invite: str,
        username: str,
        display_name: str,
        password: str,
        device_name: str,
        ip: str | None,
    ) -> Tokens:
        """Create an account from an invite and sign it in."""
        check_password_strength(password, username)
        if not registration_open(self.rt):
            raise ApiError(
                ErrorCode.INVALID_INVITE,
                "this server takes no new accounts by invite right now; ask its owner",
            )
        now = time.time()
        bad = ApiError(
            ErrorCode.INVALID_INVITE,
            "this invite is not valid: it was used, revoked or has expired. Ask for a new one",
        )
        allowlisted = ip in self.rt.allowlist
        if not allowlisted:
            wait = self.rt.address_failures.retry_after(ip or "?")
            if wait is not None:
                raise ApiError(
                    ErrorCode.RATE_LIMITED,
                    f"too many failed attempts from this address; try again in {wait} s",
                    retry_after=wait,
                )
        # The invite is checked before the (slow, memory-hungry) hash, so guessing invites
        # costs the server nothing but a query.
        async with self.rt.reader.connect() as conn:
            usable = await iq.get_usable_by_hash_txn(conn, token_hash(invite), now)
        if usable is None:
            if not allowlisted:
                self.rt.address_failures.hit(ip or "?")
            raise bad
        hashed = await self.rt.passwords.hash(password)
        async with self.rt.engine.begin() as conn:
            inv = await iq.get_usable_by_hash_txn(conn, token_hash(invite), now)
            if inv is None:
                raise bad
            if await q.username_exists_txn(conn, username):
                raise ApiError(ErrorCode.USERNAME_TAKEN, f"the username {username} is taken")
            uid = await q.create_user_txn(
                conn,
                username=username,
                display_name=display_name,
                role=inv.role,
                password_hash=hashed,
                created_at=now,
            )
            if not await iq.use_txn(conn, inv.id, uid, now):
                raise bad
            await audit.record_txn(
                conn,
                at=now,
                action="user.register",
                actor_id=uid,
                target_id=uid,
                ip=ip,
                detail={"invite_id": inv.id, "role": inv.role},
            )
            user = await q.get_user_txn(conn, uid)
            assert user is not None
            return await self.accounts.issue_txn(
                conn, user, device_name=device_name, ip=ip, now=now
            )

    async def audit_log(self, *, before_id: int | None, limit: int) -> list[AuditEntry]:
        async with self.rt.reader.connect() as conn:
            rows = await audit.list_txn(conn, before_id=before_id, limit=limit)
        return [
            AuditEntry(
                id=r.id,
                at=r.at,
                actor_id=r.actor_id,
                action=r.action,
                target_id=r.target_id,
                ip=r.ip,
                detail=json.loads(r.detail),
            )
            for r in rows
        ]
