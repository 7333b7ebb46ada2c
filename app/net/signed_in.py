"""Authenticated calls for one device session: tokens kept fresh, refreshed once on expiry."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from app.events import Emitter
from app.net.api import AsyncApi
from app.net.errors import ApiError
from server.protocol.auth import RecoveryCodes, Tokens, TotpEnrolment, UserInfo
from server.protocol.errors import ErrorCode

log = logging.getLogger(__name__)

T = TypeVar("T")

# Refresh this long before the access token runs out, so a request never races its expiry.
REFRESH_MARGIN_S = 30.0

# Codes after which this session cannot go on: the user must sign in again (protocol 6.2).
SESSION_OVER = frozenset(
    {
        ErrorCode.UNAUTHENTICATED,
        ErrorCode.SESSION_REVOKED,
        ErrorCode.INVALID_REFRESH_TOKEN,
        ErrorCode.REFRESH_TOKEN_REUSED,
        ErrorCode.ACCOUNT_DISABLED,
    }
)


@dataclass(frozen=True, slots=True)
class TokensRotated:
    """A refresh gave this session a new refresh token (already handed to ``persist``)."""

    session_id: str


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """The server no longer accepts this session; the user has to sign in again.

    Attributes:
        code: why (``session_revoked``, ``account_disabled``, ...).
    """

    code: ErrorCode | str


SignedInEvent = TokensRotated | SessionEnded
Persist = Callable[[Tokens], Awaitable[None]]


class SignedInApi:
    """Calls the API as one signed-in device session.

    The access token is refreshed shortly before it expires, or when the server says
    ``token_expired`` (then the call is repeated once). Refreshes are serialised: two in flight
    with the same refresh token would count as reuse and end the session (protocol 9.5). A
    new refresh token is handed to ``persist`` before the new access token is used, so a crash
    in between cannot leave only a spent token on disk.

    Attributes:
        api: the unauthenticated facade underneath (address, pinned fingerprint).
        events: ``TokensRotated`` and ``SessionEnded``.
    """

    def __init__(
        self,
        api: AsyncApi,
        tokens: Tokens,
        *,
        persist: Persist | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.events: Emitter[SignedInEvent] = Emitter()
        self._persist = persist
        self._clock = clock
        self._lock = asyncio.Lock()
        self._take(tokens)

    def _take(self, tokens: Tokens) -> None:
        self._tokens = tokens
        self._expires_at = self._clock() + tokens.access_expires_in

    @property
    def user(self) -> UserInfo:
        """The account as the server last described it."""
        return self._tokens.user

    @property
    def session_id(self) -> str:
        return self._tokens.session_id

    @property
    def refresh_token(self) -> str:
        """The current (unspent) refresh token."""
        return self._tokens.refresh_token

    def set_persist(self, persist: Persist | None) -> None:
        """Where new refresh tokens go (the keyring when "remember me" is on, else nowhere)."""
        self._persist = persist

    async def access_token(self) -> str:
        """A current access token (for the WebSocket's auth frame), refreshing if due."""
        if self._clock() >= self._expires_at - REFRESH_MARGIN_S:
            await self.refresh(self._tokens.access_token)
        return self._tokens.access_token

    async def refresh(self, stale_access_token: str | None = None) -> None:
        """Rotates the tokens.

        Args:
            stale_access_token: the token the caller found expired. If another caller has
                refreshed meanwhile, the tokens are new already and nothing is sent.

        Raises:
            ApiError: the session is over (``SessionEnded`` was emitted first), or another
                refusal.
            Unreachable, CertificateChanged: as for any call.
        """
        async with self._lock:
            if stale_access_token is not None and stale_access_token != self._tokens.access_token:
                return
            try:
                tokens = await self.api.refresh(self._tokens.refresh_token)
            except ApiError as exc:
                self._check_over(exc)
                raise
            if self._persist is not None:
                await self._persist(tokens)
            self._take(tokens)
        self.events.emit(TokensRotated(tokens.session_id))

    def _check_over(self, exc: ApiError) -> None:
        if exc.code in SESSION_OVER:
            self.events.emit(SessionEnded(exc.code))

    async def call(self, fn: Callable[[str], T]) -> T:
        """Runs a blocking call that takes the access token, in a worker thread.

        On ``token_expired`` the tokens are refreshed and the call repeated, once.
        """
        token = await self.access_token()
        try:
            return await asyncio.to_thread(fn, token)
        except ApiError as exc:
            if exc.code != ErrorCode.TOKEN_EXPIRED:
                self._check_over(exc)
                raise
        await self.refresh(token)
        try:
            return await asyncio.to_thread(fn, self._tokens.access_token)
        except ApiError as exc:
            self._check_over(exc)
            raise

    async def request(
        self, method: str, path: str, *, body: BaseModel | dict[str, Any] | None = None
    ) -> Any:
        """Any authenticated endpoint; returns the decoded JSON (for later features)."""
        client = self.api.client
        return await self.call(lambda t: client.request(method, path, body=body, token=t))

    async def me(self) -> UserInfo:
        """``GET /me``; also updates ``user``."""
        info = await self.call(self.api.client.me)
        self._tokens = self._tokens.model_copy(update={"user": info})
        return info

    async def change_password(self, current: str, new: str) -> UserInfo:
        """Changes the password (also how a one-time password from an admin is replaced)."""
        client = self.api.client
        info = await self.call(lambda t: client.change_password(t, current, new))
        self._tokens = self._tokens.model_copy(update={"user": info})
        return info

    async def totp_enrol(self, password: str) -> TotpEnrolment:
        """Starts two-factor enrolment: a secret and an ``otpauth://`` URI for a QR code."""
        client = self.api.client
        return await self.call(lambda t: client.totp_enrol(t, password))

    async def totp_confirm(self, code: str) -> RecoveryCodes:
        """Confirms enrolment with a code from the authenticator; returns recovery codes.

        A wrong code raises ``ApiError(invalid_second_factor)``; the session stays valid.
        """
        digits = "".join(code.split())
        client = self.api.client
        codes = await self.call(lambda t: client.totp_confirm(t, digits))
        self._tokens = self._tokens.model_copy(
            update={"user": self._tokens.user.model_copy(update={"totp_enabled": True})}
        )
        return codes

    async def logout(self) -> None:
        """Ends this session on the server (refreshing first if the access token expired)."""
        await self.call(self.api.client.logout)
