"""Request dependencies: the runtime, the services, the caller's address and identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.protocol.errors import ErrorCode
from server.runtime import Runtime
from server.services.accounts import Accounts, Principal
from server.services.admin import Admin
from server.services.chat import Chat
from server.services.errors import ApiError

TWO_FACTOR_REQUIRED_MESSAGE = (
    "an administrator requires two-step sign-in on this server: turn it on first "
    "(POST /api/v1/me/2fa/enrol, then /me/2fa/confirm)"
)


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def accounts(request: Request) -> Accounts:
    svc: Accounts = request.app.state.accounts
    return svc


def admin(request: Request) -> Admin:
    svc: Admin = request.app.state.admin
    return svc


def chat(request: Request) -> Chat:
    svc: Chat = request.app.state.chat
    return svc


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _principal(request: Request, svc: Accounts) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(ErrorCode.UNAUTHENTICATED, "sign in first (Authorization: Bearer <token>)")
    return await svc.authenticate(token.strip())


async def any_user(request: Request, svc: Annotated[Accounts, Depends(accounts)]) -> Principal:
    """Signed in, even if a password change is still owed (for /me and the change itself)."""
    return await _principal(request, svc)


async def enrolling_user(who: Annotated[Principal, Depends(any_user)]) -> Principal:
    """Signed in with the password changed; two-step sign-in may still be owed (enrolling)."""
    if who.must_change_password:
        raise ApiError(
            ErrorCode.PASSWORD_CHANGE_REQUIRED,
            "choose a new password first (POST /api/v1/me/password)",
        )
    return who


async def user(who: Annotated[Principal, Depends(enrolling_user)]) -> Principal:
    if who.two_factor_owed:
        raise ApiError(ErrorCode.TWO_FACTOR_REQUIRED, TWO_FACTOR_REQUIRED_MESSAGE)
    return who


async def admin_user(who: Annotated[Principal, Depends(user)]) -> Principal:
    if not who.is_admin:
        raise ApiError(ErrorCode.FORBIDDEN, "only an admin can do this")
    return who


RuntimeDep = Annotated[Runtime, Depends(runtime)]
AccountsDep = Annotated[Accounts, Depends(accounts)]
AdminDep = Annotated[Admin, Depends(admin)]
ChatDep = Annotated[Chat, Depends(chat)]
IpDep = Annotated[str | None, Depends(client_ip)]
AnyUser = Annotated[Principal, Depends(any_user)]
EnrollingUser = Annotated[Principal, Depends(enrolling_user)]
User = Annotated[Principal, Depends(user)]
AdminUser = Annotated[Principal, Depends(admin_user)]
