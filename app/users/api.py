"""The admin endpoints for accounts (protocol section 13.2), one coroutine each."""

from __future__ import annotations

from app.net.models import build_request, parse_model
from app.net.signed_in import SignedInApi
from server.protocol.admin import (
    AdminUser,
    AdminUserList,
    CreateUserRequest,
    OneTimeSecret,
    SetRoleRequest,
)
from server.protocol.auth import SessionInfo, SessionList
from server.protocol.common import Role
from server.protocol.monitoring import MetricsSnapshot

USERS = "/api/v1/admin/users"


async def list_users(session: SignedInApi) -> list[AdminUser]:
    """Every account except deleted ones, by id.

    Raises:
        ApiError: ``forbidden`` for a member.
    """
    return parse_model(AdminUserList, await session.request("GET", USERS)).users


async def storage_by_user(session: SignedInApi) -> dict[int, int]:
    """Bytes of files each account stored, from the metrics (accounts with none are absent)."""
    data = await session.request("GET", "/api/v1/admin/metrics?range=1h")
    return {s.user_id: s.bytes for s in parse_model(MetricsSnapshot, data).storage}


async def create_user(
    session: SignedInApi, *, username: str, display_name: str, role: Role = Role.MEMBER
) -> OneTimeSecret:
    """Creates an account whose password is a one-time code to hand over.

    Raises:
        ApiError: ``invalid_request`` (checked before sending), ``username_taken``,
            ``forbidden``.
    """
    body = build_request(CreateUserRequest, username=username, display_name=display_name, role=role)
    return parse_model(OneTimeSecret, await session.request("POST", USERS, body=body))


async def disable(session: SignedInApi, user_id: int) -> AdminUser:
    """Switches an account off: it cannot sign in and its sessions end."""
    return parse_model(AdminUser, await session.request("POST", f"{USERS}/{user_id}/disable"))


async def enable(session: SignedInApi, user_id: int) -> AdminUser:
    """Switches an account on again (also unlocks it)."""
    return parse_model(AdminUser, await session.request("POST", f"{USERS}/{user_id}/enable"))


async def reset_password(session: SignedInApi, user_id: int) -> OneTimeSecret:
    """Gives an account a new one-time password (its sessions end)."""
    data = await session.request("POST", f"{USERS}/{user_id}/reset-password")
    return parse_model(OneTimeSecret, data)


async def reset_two_factor(session: SignedInApi, user_id: int) -> OneTimeSecret:
    """Turns two-step sign-in off and issues a one-time second-factor code (7 days)."""
    data = await session.request("POST", f"{USERS}/{user_id}/reset-2fa")
    return parse_model(OneTimeSecret, data)


async def set_role(session: SignedInApi, user_id: int, role: Role) -> AdminUser:
    """Sets a role; ``Role.OWNER`` hands the ownership over (the caller becomes an admin)."""
    body = SetRoleRequest(role=role)
    data = await session.request("PUT", f"{USERS}/{user_id}/role", body=body)
    return parse_model(AdminUser, data)


async def delete(session: SignedInApi, user_id: int) -> None:
    """Deletes an account (a tombstone stays, so old messages still name an author)."""
    await session.request("DELETE", f"{USERS}/{user_id}")


async def list_sessions(session: SignedInApi, user_id: int) -> list[SessionInfo]:
    """The devices an account is signed in on, most recently seen first (protocol 13.2)."""
    data = await session.request("GET", f"{USERS}/{user_id}/sessions")
    return parse_model(SessionList, data).sessions


async def end_session(session: SignedInApi, user_id: int, session_id: str) -> None:
    """Signs an account out of one device.

    Raises:
        ApiError: ``not_found`` when that device is signed out already.
    """
    await session.request("DELETE", f"{USERS}/{user_id}/sessions/{session_id}")


async def end_all_sessions(session: SignedInApi, user_id: int) -> None:
    """Signs an account out of every device (it can sign in again with its password)."""
    await session.request("DELETE", f"{USERS}/{user_id}/sessions")
