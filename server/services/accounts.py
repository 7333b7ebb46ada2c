"""Signing in and staying signed in: logins, second factor, device sessions, tokens, passwords."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pyotp
from sqlalchemy import Row

from server.protocol.auth import (
    SecondFactorRequired,
    SessionInfo,
    Tokens,
    TotpEnrolment,
    UserInfo,
)
from server.protocol.common import Role
from server.protocol.errors import ErrorCode
from server.runtime import Runtime
from server.services.errors import ApiError
from server.services.ratelimit import SlidingWindow
from server.services.secrets import (
    Passwords,
    human_code,
    normalise_code,
    random_id,
    random_token,
    token_hash,
)
from server.services.tokens import AccessClaims
from server.storage import accounts as q
from server.storage import audit
from server.storage.aio import AsyncConnection
from server.storage.session_lookup import NotNow, SessionRow

CHALLENGE_TTL_S = 300
CHALLENGE_TRIES = 5
SECOND_FACTOR_FAILURES = 10  # per account per 10 minutes
SECOND_FACTOR_CODE = "second_factor"
RECOVERY_CODE_COUNT = 10
# Writing last_seen on every request would turn every read into a write.
TOUCH_EVERY_S = 60.0
TOTP_STEP_S = 30


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the user and the device session the access token belongs to."""

    user_id: int
    session_id: str
    username: str
    role: Role
    must_change_password: bool
    totp_enabled: bool = False
    # The server requires two-step sign-in and this account has none yet: the session may
    # only enrol (protocol 9.4), so that an admin's "require" cannot be sidestepped.
    two_factor_owed: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)


def user_info(row: Row[Any], *, require_2fa: bool = False) -> UserInfo:
    """The account as its owner sees it; ``require_2fa`` is the server's setting in force."""
    return UserInfo(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        totp_enabled=bool(row.totp_enabled),
        must_change_password=bool(row.must_change_password),
        two_factor_required=require_2fa and not row.totp_enabled,
    )


def check_password_strength(password: str, username: str) -> None:
    """Raises ApiError(WEAK_PASSWORD) with a reason a person can act on."""
    if len(password) < Passwords.MIN_LENGTH:
        raise ApiError(
            ErrorCode.WEAK_PASSWORD,
            f"the password needs at least {Passwords.MIN_LENGTH} characters",
        )
    if password.lower() == username.lower() or len(set(password)) < 3:
        raise ApiError(ErrorCode.WEAK_PASSWORD, "the password is too easy to guess")


def _invalid_credentials() -> ApiError:
    return ApiError(ErrorCode.INVALID_CREDENTIALS, "wrong username or password")


class Accounts:
    """The account operations every user has (admins' extra powers live in ``admin``)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        self._challenge_tries: dict[str, tuple[int, float]] = {}
        self.second_factor_failures = SlidingWindow(SECOND_FACTOR_FAILURES, 600)

    def _user_info(self, row: Row[Any]) -> UserInfo:
        return user_info(row, require_2fa=self.rt.options.current.require_2fa)

    # --- tokens and sessions ----------------------------------------------------------------

    async def issue_txn(
        self,
        conn: AsyncConnection,
        user: Row[Any],
        *,
        device_name: str,
        ip: str | None,
        now: float,
    ) -> Tokens:
        """Open a device session for ``user`` inside the caller's transaction."""
        new, refresh = self._new_session(user, device_name=device_name, ip=ip, now=now)
        await q.open_session_txn(conn, new)
        return self._tokens(user, new.session_id, refresh)

    def _new_session(
        self,
        user: Row[Any],
        *,
        device_name: str,
        ip: str | None,
        now: float,
        clear_failures: bool = False,
    ) -> tuple[q.NewSession, str]:
        """The rows of a new session, and its refresh token (only its hash is stored)."""
        refresh = random_token()
        new = q.NewSession(
            session_id=random_id(),
            user_id=user.id,
            device_name=device_name,
            ip=ip,
            now=now,
            expires_at=now + self.rt.settings.refresh_token_ttl_days * 86_400,
            refresh_hash=token_hash(refresh),
            clear_failures=clear_failures,
        )
        return new, refresh

    def _tokens(self, user: Row[Any], session_id: str, refresh: str) -> Tokens:
        return Tokens(
            access_token=self.rt.tokens.access(user.id, session_id),
            access_expires_in=self.rt.tokens.access_ttl_s,
            refresh_token=refresh,
            session_id=session_id,
            user=self._user_info(user),
        )

    async def authenticate(self, access_token: str) -> Principal:
        """Check an access token and that its session and user are still in good standing."""
        claims = self.rt.tokens.verify_access(access_token)
        row = await self.rt.session_lookup.get(claims.session_id)
        now = time.time()
        row = _in_good_standing(claims, row, now)
        if now - row.last_seen_at > TOUCH_EVERY_S:
            async with self.rt.engine.begin() as conn:
                await q.touch_session_txn(conn, claims.session_id, now)
        return self._principal(row)

    def authenticate_now(self, access_token: str) -> Principal | None:
        """``authenticate`` without leaving the event loop, or None where it would have to wait
        (the session read on a thread, the session's last-seen time to write): then call
        ``authenticate``. Spares a WebSocket's auth a task (docs/performance.md, step 30)."""
        claims = self.rt.tokens.verify_access(access_token)
        try:
            row = self.rt.session_lookup.get_now(claims.session_id)
        except NotNow:
            return None
        now = time.time()
        row = _in_good_standing(claims, row, now)
        if now - row.last_seen_at > TOUCH_EVERY_S:
            return None
        return self._principal(row)

    def _principal(self, row: SessionRow) -> Principal:
        return Principal(
            user_id=row.user_id,
            session_id=row.session_id,
            username=row.username,
            role=Role(row.role),
            must_change_password=bool(row.must_change_password),
            totp_enabled=bool(row.totp_enabled),
            two_factor_owed=self.rt.options.current.require_2fa and not row.totp_enabled,
        )

    # --- login ------------------------------------------------------------------------------

    def _check_address(self, ip: str | None, *, count: bool = False) -> bool:
        """Returns whether ``ip`` is allowlisted; raises if the address is over its budget.

        Args:
            count: count this attempt as a failure now, before the slow check (and with no
                await in between), so parallel attempts cannot overshoot the budget; the
                caller hands it back with ``release`` if the attempt succeeds.
        """
        allowlisted = ip in self.rt.allowlist
        if not allowlisted:
            wait = self.rt.address_failures.retry_after(ip or "?")
            if wait is not None:
                raise ApiError(
                    ErrorCode.RATE_LIMITED,
                    f"too many failed sign-ins from this address; try again in {wait} s",
                    retry_after=wait,
                )
            if count:
                self.rt.address_failures.hit(ip or "?")
        return allowlisted

    def _check_lock(self, user: Row[Any] | None, allowlisted: bool, now: float) -> None:
        if user is None or allowlisted or not user.locked_until or user.locked_until <= now:
            return
        wait = max(1, int(user.locked_until - now + 0.999))
        raise ApiError(
            ErrorCode.ACCOUNT_LOCKED,
            f"too many failed sign-ins for this account; try again in {wait} s",
            retry_after=wait,
        )

    async def _record_failure(
        self, user: Row[Any] | None, ip: str | None, allowlisted: bool, now: float
    ) -> None:
        """Failures from allowlisted addresses lock nothing: a family's own LAN never locks
        the family out (argon2's cost is the brake there). The address was counted already."""
        self.rt.login_failures.hit()  # every failure counts towards the failed-logins alert
        if allowlisted or user is None:
            return
        s = self.rt.settings
        failures = user.failed_logins + 1
        locked_until = None
        if failures >= s.lockout_threshold:
            delay = min(s.lockout_base_s * 2 ** (failures - s.lockout_threshold), s.lockout_max_s)
            locked_until = now + delay
        async with self.rt.engine.begin() as conn:
            await q.update_user_txn(
                conn, user.id, failed_logins=failures, locked_until=locked_until
            )
            if failures == s.lockout_threshold:
                await audit.record_txn(
                    conn, at=now, action="login.locked", target_id=user.id, ip=ip
                )

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, key: str) -> AsyncIterator[None]:
        """Attempts on one account run one after another, so that a burst of parallel
        guesses cannot all read "not locked yet" before any of them is counted."""
        entry = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        lock, users = entry
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]

    async def login(
        self, *, username: str, password: str, device_name: str, ip: str | None
    ) -> Tokens | SecondFactorRequired:
        async with self._one_at_a_time(f"user:{username}"):
            allowlisted = self._check_address(ip, count=True)
            now = time.time()
            async with self.rt.reader.connect() as conn:
                user = await q.get_user_by_name_txn(conn, username)
            try:
                self._check_lock(user, allowlisted, now)
            except ApiError:
                if not allowlisted:
                    self.rt.address_failures.release(ip or "?")
                raise
            ok = await self.rt.passwords.verify(user.password_hash if user else None, password)
            if not ok or user is None:
                await self._record_failure(user, ip, allowlisted, now)
                raise _invalid_credentials()
            if not allowlisted:
                self.rt.address_failures.release(ip or "?")
            return await self._after_password(user, device_name, ip, now)

    async def _after_password(
        self, user: Row[Any], device_name: str, ip: str | None, now: float
    ) -> Tokens | SecondFactorRequired:
        if user.disabled:
            raise ApiError(ErrorCode.ACCOUNT_DISABLED, "this account is disabled; ask an admin")
        clear_failures = bool(user.failed_logins or user.locked_until)
        second_factor = bool(user.totp_enabled)
        if not second_factor:  # an admin may have given a one-time code instead
            async with self.rt.reader.connect() as conn:
                second_factor = await q.has_one_time_code_txn(
                    conn, user.id, SECOND_FACTOR_CODE, now
                )
        if second_factor:
            if clear_failures:
                async with self.rt.engine.begin() as conn:
                    await q.update_user_txn(conn, user.id, failed_logins=0, locked_until=None)
            return SecondFactorRequired(
                challenge=self.rt.tokens.challenge(user.id, CHALLENGE_TTL_S, device_name),
                expires_in=CHALLENGE_TTL_S,
            )
        new, refresh = self._new_session(
            user, device_name=device_name, ip=ip, now=now, clear_failures=clear_failures
        )
        # In the event writer's next group commit: a storm of sign-ins on the async engine
        # held SQLite's write lock across trips to the busy loop, and the chat's commits waited
        # for it (docs/performance.md, step 27).
        writer = self.rt.writer
        if writer is None:
            raise ApiError(ErrorCode.INTERNAL_ERROR, "the server is not serving; try again")
        await writer.run(lambda conn, _now: q.open_session_blocking(conn, new))
        return self._tokens(user, new.session_id, refresh)

    def _spend_challenge_attempt(self, nonce: str, user_id: int) -> None:
        """Six digits fall to guessing fast: each challenge allows a few tries and each account
        a few more per window, from every address (the allowlist does not apply here, as the
        cost of a guess is not slowed by argon2)."""
        now = time.monotonic()
        if len(self._challenge_tries) > 10_000:
            self._challenge_tries = {
                k: v for k, v in self._challenge_tries.items() if v[1] > now - CHALLENGE_TTL_S
            }
        tries, first = self._challenge_tries.get(nonce, (0, now))
        if tries >= CHALLENGE_TRIES:
            raise ApiError(
                ErrorCode.INVALID_SECOND_FACTOR,
                "too many wrong codes for this sign-in; start again with your password",
            )
        wait = self.second_factor_failures.retry_after(str(user_id))
        if wait is not None:
            raise ApiError(
                ErrorCode.RATE_LIMITED,
                f"too many wrong codes for this account; try again in {wait} s",
                retry_after=wait,
            )
        self._challenge_tries[nonce] = (tries + 1, first)

    async def second_factor(self, *, challenge: str, code: str, ip: str | None) -> Tokens:
        user_id, device_name, nonce = self.rt.tokens.verify_challenge(challenge)
        async with self._one_at_a_time(f"uid:{user_id}"):
            allowlisted = self._check_address(ip, count=True)
            self._spend_challenge_attempt(nonce, user_id)
            now = time.time()
            async with self.rt.engine.begin() as conn:
                user = await q.get_user_txn(conn, user_id)
                if user is None or user.deleted_at is not None:
                    raise ApiError(
                        ErrorCode.INVALID_SECOND_FACTOR, "start again with your password"
                    )
                self._check_lock(user, allowlisted, now)
                if user.disabled:
                    raise ApiError(ErrorCode.ACCOUNT_DISABLED, "this account is disabled")
                if await self._use_second_factor_txn(conn, user, code, now):
                    # A challenge signs in once.
                    self._challenge_tries[nonce] = (CHALLENGE_TRIES, time.monotonic())
                    if not allowlisted:
                        self.rt.address_failures.release(ip or "?")
                    return await self.issue_txn(conn, user, device_name=device_name, ip=ip, now=now)
            self.second_factor_failures.hit(str(user_id))
            await self._record_failure(user, ip, allowlisted, now)
            raise ApiError(ErrorCode.INVALID_SECOND_FACTOR, "that code is not right; try again")

    async def _use_second_factor_txn(
        self, conn: AsyncConnection, user: Row[Any], code: str, now: float
    ) -> bool:
        digits = code.strip().replace(" ", "")
        if user.totp_enabled and digits.isdigit() and len(digits) == 6:
            step = self._totp_step(user, digits, now)
            if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
                return False  # wrong, or replayed within its window
            await q.update_user_txn(conn, user.id, totp_last_step=step)
            return True
        h = token_hash(normalise_code(code))
        if user.totp_enabled and await q.use_recovery_code_txn(conn, user.id, h, now):
            await audit.record_txn(conn, at=now, action="2fa.recovery_code_used", actor_id=user.id)
            return True
        return await q.use_one_time_code_txn(
            conn, user_id=user.id, purpose=SECOND_FACTOR_CODE, code_hash=h, now=now
        )

    def _totp_secret(self, user: Row[Any]) -> str:
        return self.rt.data_key.open(user.totp_secret, f"totp:{user.id}".encode()).decode()

    def _totp_step(self, user: Row[Any], code: str, now: float) -> int | None:
        """The time step ``code`` belongs to (one step of clock skew either way), or None."""
        totp = pyotp.TOTP(self._totp_secret(user))
        base = int(now // TOTP_STEP_S)
        for step in (base - 1, base, base + 1):
            if hmac.compare_digest(totp.at(step * TOTP_STEP_S), code):
                return step
        return None

    # --- refresh, logout, sessions ----------------------------------------------------------

    async def refresh(self, refresh_token: str) -> Tokens:
        h = token_hash(refresh_token)
        now = time.time()
        async with self.rt.engine.begin() as conn:
            tok = await q.get_refresh_token_txn(conn, h)
            if tok is None:
                raise ApiError(ErrorCode.INVALID_REFRESH_TOKEN, "sign in again")
            row = await q.get_session_with_user_txn(conn, tok.session_id)
            assert row is not None  # foreign key
            if row.revoked_at is not None:
                raise ApiError(ErrorCode.SESSION_REVOKED, "this device was signed out")
            if tok.spent_at is not None or not await q.spend_refresh_token_txn(conn, h, now):
                reuse = True
            else:
                reuse = False
            if reuse:
                # A spent token came back: either it was stolen or the owner's copy was. Either
                # way nobody can tell which holder is genuine, so the session ends for both.
                await q.revoke_sessions_txn(
                    conn,
                    user_id=row.user_id,
                    only=row.session_id,
                    now=now,
                    reason="refresh_reused",
                )
                await audit.record_txn(
                    conn,
                    at=now,
                    action="session.refresh_reused",
                    target_id=row.user_id,
                    detail={"session_id": row.session_id},
                )
        if reuse:
            self.rt.sessions_ended(row.user_id, only=row.session_id)
            raise ApiError(
                ErrorCode.REFRESH_TOKEN_REUSED,
                "this sign-in was used from two places; it has been ended. Sign in again",
            )
        async with self.rt.engine.begin() as conn:
            if row.expires_at <= now or row.deleted_at is not None:
                raise ApiError(ErrorCode.INVALID_REFRESH_TOKEN, "sign in again")
            if row.disabled:
                raise ApiError(ErrorCode.ACCOUNT_DISABLED, "this account is disabled")
            new = random_token()
            await q.add_refresh_token_txn(conn, token_hash(new), row.session_id, now)
            await q.touch_session_txn(
                conn,
                row.session_id,
                now,
                expires_at=now + self.rt.settings.refresh_token_ttl_days * 86_400,
            )
            user = await q.get_user_txn(conn, row.user_id)
            assert user is not None
        return self._tokens(user, row.session_id, new)

    async def revoke_session(self, who: Principal, session_id: str, *, reason: str) -> None:
        async with self.rt.engine.begin() as conn:
            n = await q.revoke_sessions_txn(
                conn, user_id=who.user_id, only=session_id, now=time.time(), reason=reason
            )
        if n == 0:
            raise ApiError(ErrorCode.NOT_FOUND, "no such session")
        self.rt.sessions_ended(who.user_id, only=session_id)

    async def list_sessions(self, who: Principal) -> list[SessionInfo]:
        async with self.rt.reader.connect() as conn:
            rows = await q.list_sessions_txn(conn, who.user_id, time.time())
        return [
            SessionInfo(
                id=r.id,
                device_name=r.device_name,
                ip=r.ip,
                created_at=r.created_at,
                last_seen_at=r.last_seen_at,
                current=r.id == who.session_id,
            )
            for r in rows
        ]

    async def me(self, who: Principal) -> UserInfo:
        async with self.rt.reader.connect() as conn:
            user = await q.get_user_txn(conn, who.user_id)
        assert user is not None
        return self._user_info(user)

    async def change_password(
        self, who: Principal, *, current: str, new: str, ip: str | None
    ) -> UserInfo:
        async with self.rt.reader.connect() as conn:
            user = await q.get_user_txn(conn, who.user_id)
        assert user is not None
        if not await self.rt.passwords.verify(user.password_hash, current):
            raise ApiError(ErrorCode.WRONG_PASSWORD, "the current password is not right")
        check_password_strength(new, user.username)
        if new == current:
            raise ApiError(ErrorCode.WEAK_PASSWORD, "choose a password different from the old one")
        hashed = await self.rt.passwords.hash(new)
        now = time.time()
        async with self.rt.engine.begin() as conn:
            await q.update_user_txn(
                conn, who.user_id, password_hash=hashed, must_change_password=False
            )
            await q.revoke_sessions_txn(
                conn, user_id=who.user_id, keep=who.session_id, now=now, reason="password_changed"
            )
            await audit.record_txn(
                conn, at=now, action="password.changed", actor_id=who.user_id, ip=ip
            )
            user = await q.get_user_txn(conn, who.user_id)
        assert user is not None
        self.rt.sessions_ended(who.user_id, keep=who.session_id)
        return self._user_info(user)

    # --- two-factor -------------------------------------------------------------------------

    async def _user_with_password(self, who: Principal, password: str) -> Row[Any]:
        async with self.rt.reader.connect() as conn:
            user = await q.get_user_txn(conn, who.user_id)
        assert user is not None
        if not await self.rt.passwords.verify(user.password_hash, password):
            raise ApiError(ErrorCode.WRONG_PASSWORD, "the password is not right")
        return user

    async def enrol_totp(self, who: Principal, password: str) -> TotpEnrolment:
        user = await self._user_with_password(who, password)
        if user.totp_enabled:
            raise ApiError(ErrorCode.TWO_FACTOR_ALREADY_ENABLED, "two-factor sign-in is on already")
        secret = pyotp.random_base32()
        sealed = self.rt.data_key.seal(secret.encode(), f"totp:{user.id}".encode())
        async with self.rt.engine.begin() as conn:
            await q.update_user_txn(conn, user.id, totp_secret=sealed, totp_last_step=None)
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=self.rt.name)
        return TotpEnrolment(secret=secret, otpauth_uri=uri)

    async def confirm_totp(self, who: Principal, code: str) -> list[str]:
        now = time.time()
        async with self.rt.engine.begin() as conn:
            user = await q.get_user_txn(conn, who.user_id)
            assert user is not None
            if user.totp_enabled:
                raise ApiError(ErrorCode.TWO_FACTOR_ALREADY_ENABLED, "two-factor is on already")
            if user.totp_secret is None:
                raise ApiError(ErrorCode.TWO_FACTOR_NOT_PENDING, "start the enrolment first")
            step = self._totp_step(user, code.strip(), now)
            if step is None:
                raise ApiError(
                    ErrorCode.INVALID_SECOND_FACTOR,
                    "that code is not right; check the clock of the phone and try again",
                )
            codes = [human_code(groups=2, size=5) for _ in range(RECOVERY_CODE_COUNT)]
            await q.replace_recovery_codes_txn(
                conn, user.id, [token_hash(normalise_code(c)) for c in codes]
            )
            await q.update_user_txn(conn, user.id, totp_enabled=True, totp_last_step=step)
            await audit.record_txn(conn, at=now, action="2fa.enabled", actor_id=user.id)
        return codes

    async def disable_totp(self, who: Principal, *, password: str, code: str) -> None:
        if self.rt.options.current.require_2fa:
            raise ApiError(
                ErrorCode.TWO_FACTOR_REQUIRED,
                "an administrator requires two-step sign-in on this server; it cannot be "
                "turned off",
            )
        user = await self._user_with_password(who, password)
        if not user.totp_enabled:
            raise ApiError(ErrorCode.TWO_FACTOR_NOT_ENABLED, "two-factor sign-in is off already")
        now = time.time()
        async with self.rt.engine.begin() as conn:
            if not await self._use_second_factor_txn(conn, user, code, now):
                raise ApiError(ErrorCode.INVALID_SECOND_FACTOR, "that code is not right")
            await clear_totp_txn(conn, user.id)
            await audit.record_txn(conn, at=now, action="2fa.disabled", actor_id=user.id)


def _in_good_standing(claims: AccessClaims, row: SessionRow | None, now: float) -> SessionRow:
    """``row``, if it is the token's session, still open, of a user still allowed in."""
    if row is None or row.user_id != claims.user_id:
        raise ApiError(ErrorCode.UNAUTHENTICATED, "the token is not valid; sign in again")
    if row.revoked_at is not None or row.expires_at <= now:
        raise ApiError(ErrorCode.SESSION_REVOKED, "this device was signed out; sign in again")
    if row.deleted_at is not None:
        raise ApiError(ErrorCode.UNAUTHENTICATED, "this account no longer exists")
    if row.disabled:
        raise ApiError(ErrorCode.ACCOUNT_DISABLED, "this account is disabled")
    return row


async def clear_totp_txn(conn: AsyncConnection, user_id: int) -> None:
    await q.update_user_txn(
        conn, user_id, totp_enabled=False, totp_secret=None, totp_last_step=None
    )
    await q.replace_recovery_codes_txn(conn, user_id, [])
