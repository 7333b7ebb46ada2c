"""A signed-in account: its server, its tokens, and what it can do before the chat exists."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from app.accounts.credentials import Credentials
from app.events import Emitter
from app.net.address import Address
from app.net.errors import NetError
from app.net.signed_in import SessionEnded, SignedInApi, SignedInEvent
from app.servers import KnownServers
from server.protocol.auth import Tokens, TotpEnrolment, UserInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SignedOut:
    """The account is signed out on this computer.

    Attributes:
        server_id: the server.
        username: the account.
        reason: ``"logout"`` when the user signed out, else the server's error code that
            ended the session (``session_revoked``, ``account_disabled``, ...).
    """

    server_id: str
    username: str
    reason: str


class Account:
    """One signed-in account on one server.

    Attributes:
        server_id: the server's id.
        server_name: its name.
        address: the address that answered.
        api: authenticated calls for this session (token refresh included); later features
            (chat, admin) build on it, and ``api.api`` is the unauthenticated facade.
        remembered: whether the sign-in is stored in the keyring.
        events: ``SignedOut``.
    """

    def __init__(
        self,
        *,
        server_id: str,
        server_name: str,
        address: Address,
        api: SignedInApi,
        servers: KnownServers,
        credentials: Credentials,
        remembered: bool,
    ) -> None:
        self.server_id = server_id
        self.server_name = server_name
        self.address = address
        self.api = api
        self.events: Emitter[SignedOut] = Emitter()
        self._servers = servers
        self._credentials = credentials
        self.remembered = False
        self._forget_task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] = api.events.subscribe(self._on_api_event)
        self._set_remembered(remembered)

    @property
    def user(self) -> UserInfo:
        return self.api.user

    @property
    def username(self) -> str:
        return self.api.user.username

    def _set_remembered(self, remembered: bool) -> None:
        self.remembered = remembered
        self.api.set_persist(self._persist if remembered else None)

    async def _persist(self, tokens: Tokens) -> None:
        """Stores a rotated refresh token before it is used (protocol 9.5)."""
        ok = await asyncio.to_thread(
            self._credentials.save_blocking, self.server_id, self.username, tokens.refresh_token
        )
        if not ok:
            # The keyring now holds a spent token: drop it rather than fail next start.
            await asyncio.to_thread(
                self._credentials.forget_blocking, self.server_id, self.username
            )
            self._servers.set_remembered(self.server_id, self.username, False)
            self._set_remembered(False)

    def _on_api_event(self, event: SignedInEvent) -> None:
        if isinstance(event, SessionEnded):
            # Listeners are synchronous and the keyring may block, so the clean-up runs as a
            # task; the UI reacts to SignedOut, which is emitted at once.
            if self.remembered:
                self._servers.set_remembered(self.server_id, self.username, False)
                self.remembered = False
                self._forget_task = asyncio.get_running_loop().create_task(
                    asyncio.to_thread(
                        self._credentials.forget_blocking, self.server_id, self.username
                    ),
                    name="forget-ended-session",
                )
            self.events.emit(SignedOut(self.server_id, self.username, str(event.code)))

    async def change_password(self, current: str, new: str) -> None:
        """Sets a new password; needed first when ``user.must_change_password`` is true.

        Raises:
            ApiError: ``wrong_password``, ``weak_password``.
        """
        await self.api.change_password(current, new)

    async def start_two_factor(self, password: str) -> TotpEnrolment:
        """Begins TOTP enrolment: show ``otpauth_uri`` as a QR code and ``secret`` as text."""
        return await self.api.totp_enrol(password)

    async def confirm_two_factor(self, code: str) -> list[str]:
        """Turns two-factor on with a code from the authenticator app.

        Returns:
            The ten recovery codes, shown to the user once.
        """
        return (await self.api.totp_confirm(code)).recovery_codes

    async def set_remembered(self, remember: bool) -> bool:
        """Turns "remember me" on or off for this account; returns whether it is on now."""
        if remember:
            ok = await asyncio.to_thread(
                self._credentials.save_blocking,
                self.server_id,
                self.username,
                self.api.refresh_token,
            )
        else:
            ok = False
            await asyncio.to_thread(
                self._credentials.forget_blocking, self.server_id, self.username
            )
        self._servers.set_remembered(self.server_id, self.username, ok)
        self._set_remembered(ok)
        return ok

    async def close(self) -> None:
        """Drops this account's connections, staying signed in (when the app quits)."""
        self._unsubscribe()
        await self.api.api.close()

    async def logout(self) -> bool:
        """Signs out here and, if the server answers, ends the session there too.

        Returns:
            True if the server confirmed; False if it could not be told (the session then
            ends on its own after 30 days without a refresh). Locally it is always done.
        """
        self._unsubscribe()  # this SignedOut is ours; a "session ended" answer is no news
        confirmed = True
        try:
            await self.api.logout()
        except NetError as exc:
            log.info("sign-out was not confirmed by the server: %s", exc)
            confirmed = False
        await asyncio.to_thread(self._credentials.forget_blocking, self.server_id, self.username)
        self._servers.set_remembered(self.server_id, self.username, False)
        self._set_remembered(False)
        await self.api.api.close()
        self.events.emit(SignedOut(self.server_id, self.username, "logout"))
        return confirmed
