"""Admin endpoints: users, invites and the audit log. Every route requires an admin."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from server.http.deps import AdminDep, AdminUser, IpDep
from server.protocol.admin import AdminUser as AdminUserModel
from server.protocol.admin import (
    AdminUserList,
    AuditLog,
    CreatedInvite,
    CreateInviteRequest,
    CreateUserRequest,
    InviteList,
    OneTimeSecret,
    SetRoleRequest,
)
from server.protocol.auth import SessionList

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

# Row ids are SQLite integers from 1. The bound is the WebSocket protocol's (server/protocol/ws.py)
# and well inside 64 bits: a larger number names no row, and past 2**63 the driver would raise
# OverflowError (a 500) instead of answering.
MAX_ROW_ID = 2**62
UserId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("/users")
async def list_users(_: AdminUser, svc: AdminDep) -> AdminUserList:
    return AdminUserList(users=await svc.list_users())


@router.post("/users", status_code=201)
async def create_user(
    body: CreateUserRequest, who: AdminUser, svc: AdminDep, ip: IpDep
) -> OneTimeSecret:
    return await svc.create_user(
        who, username=body.username, display_name=body.display_name, role=body.role, ip=ip
    )


@router.post("/users/{user_id}/disable")
async def disable(user_id: UserId, who: AdminUser, svc: AdminDep, ip: IpDep) -> AdminUserModel:
    return await svc.disable(who, user_id, ip)


@router.post("/users/{user_id}/enable")
async def enable(user_id: UserId, who: AdminUser, svc: AdminDep, ip: IpDep) -> AdminUserModel:
    return await svc.enable(who, user_id, ip)


@router.post("/users/{user_id}/reset-password")
async def reset_password(
    user_id: UserId, who: AdminUser, svc: AdminDep, ip: IpDep
) -> OneTimeSecret:
    return await svc.reset_password(who, user_id, ip)


@router.post("/users/{user_id}/reset-2fa")
async def reset_totp(user_id: UserId, who: AdminUser, svc: AdminDep, ip: IpDep) -> OneTimeSecret:
    return await svc.reset_totp(who, user_id, ip)


@router.put("/users/{user_id}/role")
async def set_role(
    user_id: UserId, body: SetRoleRequest, who: AdminUser, svc: AdminDep, ip: IpDep
) -> AdminUserModel:
    return await svc.set_role(who, user_id, body.role, ip)


@router.delete("/users/{user_id}", status_code=204)
async def delete_user(user_id: UserId, who: AdminUser, svc: AdminDep, ip: IpDep) -> Response:
    await svc.delete(who, user_id, ip)
    return Response(status_code=204)


@router.get("/users/{user_id}/sessions")
async def user_sessions(user_id: UserId, who: AdminUser, svc: AdminDep) -> SessionList:
    return SessionList(sessions=await svc.list_sessions(who, user_id))


@router.delete("/users/{user_id}/sessions", status_code=204)
async def end_user_sessions(user_id: UserId, who: AdminUser, svc: AdminDep, ip: IpDep) -> Response:
    await svc.end_sessions(who, user_id, None, ip)
    return Response(status_code=204)


@router.delete("/users/{user_id}/sessions/{session_id}", status_code=204)
async def end_user_session(
    user_id: UserId,
    session_id: Annotated[str, Path(min_length=1, max_length=64)],
    who: AdminUser,
    svc: AdminDep,
    ip: IpDep,
) -> Response:
    await svc.end_sessions(who, user_id, session_id, ip)
    return Response(status_code=204)


@router.get("/invites")
async def list_invites(_: AdminUser, svc: AdminDep) -> InviteList:
    return InviteList(invites=await svc.list_invites())


@router.post("/invites", status_code=201)
async def create_invite(
    body: CreateInviteRequest, who: AdminUser, svc: AdminDep, ip: IpDep
) -> CreatedInvite:
    return await svc.create_invite(
        who, role=body.role, expires_in_hours=body.expires_in_hours, note=body.note, ip=ip
    )


@router.delete("/invites/{invite_id}", status_code=204)
async def revoke_invite(invite_id: str, who: AdminUser, svc: AdminDep, ip: IpDep) -> Response:
    await svc.revoke_invite(who, invite_id, ip)
    return Response(status_code=204)


@router.get("/audit")
async def audit_log(
    _: AdminUser,
    svc: AdminDep,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditLog:
    return AuditLog(entries=await svc.audit_log(before_id=before_id, limit=limit))
