"""Signing in and out, tokens, registration by invite, and the caller's own account."""

from fastapi import APIRouter, Response

from server.http.deps import AccountsDep, AdminDep, AnyUser, EnrollingUser, IpDep, User
from server.protocol.auth import (
    ChangePasswordRequest,
    LoginRequest,
    PasswordConfirm,
    RecoveryCodes,
    RefreshRequest,
    RegisterRequest,
    SecondFactorRequest,
    SecondFactorRequired,
    SessionList,
    Tokens,
    TotpConfirmRequest,
    TotpDisableRequest,
    TotpEnrolment,
    UserInfo,
)

router = APIRouter(prefix="/api/v1")


@router.post("/auth/login", tags=["auth"])
async def login(body: LoginRequest, svc: AccountsDep, ip: IpDep) -> Tokens | SecondFactorRequired:
    return await svc.login(
        username=body.username, password=body.password, device_name=body.device_name, ip=ip
    )


@router.post("/auth/login/second-factor", tags=["auth"])
async def second_factor(body: SecondFactorRequest, svc: AccountsDep, ip: IpDep) -> Tokens:
    return await svc.second_factor(challenge=body.challenge, code=body.code, ip=ip)


@router.post("/auth/refresh", tags=["auth"])
async def refresh(body: RefreshRequest, svc: AccountsDep) -> Tokens:
    return await svc.refresh(body.refresh_token)


@router.post("/auth/logout", status_code=204, tags=["auth"])
async def logout(who: AnyUser, svc: AccountsDep) -> Response:
    await svc.revoke_session(who, who.session_id, reason="logout")
    return Response(status_code=204)


@router.post("/auth/register", tags=["auth"])
async def register(body: RegisterRequest, svc: AdminDep, ip: IpDep) -> Tokens:
    return await svc.register(
        invite=body.invite,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        device_name=body.device_name,
        ip=ip,
    )


@router.get("/me", tags=["me"])
async def me(who: AnyUser, svc: AccountsDep) -> UserInfo:
    return await svc.me(who)


@router.post("/me/password", tags=["me"])
async def change_password(
    body: ChangePasswordRequest, who: AnyUser, svc: AccountsDep, ip: IpDep
) -> UserInfo:
    return await svc.change_password(
        who, current=body.current_password, new=body.new_password, ip=ip
    )


@router.get("/me/sessions", tags=["me"])
async def sessions(who: User, svc: AccountsDep) -> SessionList:
    return SessionList(sessions=await svc.list_sessions(who))


@router.delete("/me/sessions/{session_id}", status_code=204, tags=["me"])
async def revoke_session(session_id: str, who: User, svc: AccountsDep) -> Response:
    await svc.revoke_session(who, session_id, reason="revoked")
    return Response(status_code=204)


@router.post("/me/2fa/enrol", tags=["me"])
async def enrol_totp(body: PasswordConfirm, who: EnrollingUser, svc: AccountsDep) -> TotpEnrolment:
    return await svc.enrol_totp(who, body.password)


@router.post("/me/2fa/confirm", tags=["me"])
async def confirm_totp(
    body: TotpConfirmRequest, who: EnrollingUser, svc: AccountsDep
) -> RecoveryCodes:
    return RecoveryCodes(recovery_codes=await svc.confirm_totp(who, body.code))


@router.post("/me/2fa/disable", status_code=204, tags=["me"])
async def disable_totp(body: TotpDisableRequest, who: User, svc: AccountsDep) -> Response:
    await svc.disable_totp(who, password=body.password, code=body.code)
    return Response(status_code=204)
