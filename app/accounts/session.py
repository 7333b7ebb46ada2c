"""The account flows the UI drives: claim a server, sign in, resume, register by invite."""

from __future__ import annotations

import asyncio
import logging
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from app.accounts.account import Account, SignedOut
from app.accounts.credentials import Credentials
from app.accounts.errors import NotRemembered, UnknownServer
from app.accounts.invite import Invite
from app.events import Emitter
from app.net.address import Address, parse_address
from app.net.api import DEFAULT_TIMEOUT_S, AsyncApi
from app.net.errors import (
    ApiError,
    BadResponse,
    CertificateChanged,
    NetError,
    ProtocolMismatch,
    Unreachable,
)
from app.net.models import build_request
from app.net.pinning import PeerCertificate, fetch_certificate_blocking, normalise_fingerprint
from app.net.signed_in import SESSION_OVER, SignedInApi
from app.servers import KnownServers
from app.wizard.forms import DEFAULT_PASSWORD_MIN, new_password_problems
from server.protocol import PROTOCOL_VERSION
from server.protocol.auth import (
    LoginRequest,
    RegisterRequest,
    SecondFactorRequest,
    SecondFactorRequired,
    Tokens,
)
from server.protocol.server import ClaimRequest, ServerInfo

log = logging.getLogger(__name__)


def default_device_name() -> str:
    """This computer's name, as the server's session list shows it."""
    name = " ".join(platform.node().split())[:64]
    return name or "Roost desktop"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """An account was signed in (by any flow)."""

    account: Account


@dataclass(frozen=True, slots=True)
class SecondFactorNeeded:
    """``SignIn.login`` needs a code next: call ``SignIn.second_factor``.

    Attributes:
        expires_in: seconds the password step stays valid.
    """

    expires_in: int


@dataclass(frozen=True, slots=True)
class EnrolmentNeeded:
    """The server requires two-step sign-in and the account has none yet (protocol 9.2).

    The password was right, but the session may only enrol: call ``SignIn.start_two_factor``,
    then ``confirm_two_factor``, then ``finish`` for the ``Account``. The app is told of the
    account (``SignedIn``) only after that, so nothing tries to use it half signed in.
    """


@dataclass(frozen=True, slots=True)
class NewPasswordNeeded:
    """The password was a one-time password from an administrator (protocol 10.2, 13.2).

    The session may do nothing else until the account has a password of its own: call
    ``SignIn.new_password`` (check it first with ``SignIn.new_password_problems``). As with
    ``EnrolmentNeeded``, the app is told of the account only once everything owed is done.
    """


AccountsEvent = SignedIn | SignedOut


class AccountFlows:
    """Starts every flow that ends with a signed-in ``Account``.

    Args:
        servers: the known servers (pins, addresses, accounts).
        credentials: the keyring for "remember me".
        device_name: shown in the server's session list; defaults to this computer's name.
        timeout: seconds per connection attempt.

    Attributes:
        events: ``SignedIn`` from every flow, ``SignedOut`` from every account.
    """

    def __init__(
        self,
        servers: KnownServers,
        credentials: Credentials,
        *,
        device_name: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.servers = servers
        self.credentials = credentials
        self.device_name = device_name or default_device_name()
        self.timeout = timeout
        self.events: Emitter[AccountsEvent] = Emitter()

    # -- connecting --------------------------------------------------------------------------

    async def fetch_certificate(self, address: Address | str) -> PeerCertificate:
        """The certificate a server presents, for the owner to compare with the Pi's console
        before trusting it (when no fingerprint came from discovery, an invite or SSH)."""
        addr = parse_address(address) if isinstance(address, str) else address
        return await asyncio.to_thread(
            fetch_certificate_blocking, addr.host, addr.port, self.timeout
        )

    async def connect(
        self, addresses: Sequence[Address | str], fingerprint: str | None
    ) -> tuple[AsyncApi, ServerInfo]:
        """Tries each address in order with the pin; the first server that answers wins.

        An address that presents another certificate is skipped (it may be another machine
        that took the Pi's old address); only when none answers is that reported.

        Raises:
            CertificateChanged: no address answered with the pinned certificate, and at
                least one answered with another.
            Unreachable: nothing answered.
            ApiError, BadResponse: something answered, but not as a Roost server does.
            ProtocolMismatch: the server speaks another protocol version.
            InvalidAddress, InvalidFingerprint: malformed input.
        """
        fp = normalise_fingerprint(fingerprint) if fingerprint is not None else None
        parsed = [parse_address(a) if isinstance(a, str) else a for a in addresses]
        if not parsed:
            raise Unreachable("", "no address to try")
        changed: CertificateChanged | None = None
        stranger: NetError | None = None
        last: Unreachable | None = None
        for address in parsed:
            api = AsyncApi.connect(address, fp, timeout=self.timeout)
            try:
                info = await api.server_info()
            except CertificateChanged as exc:
                log.warning("%s presented another certificate: %s", address, exc)
                changed = changed or exc
            except Unreachable as exc:
                last = exc
            except (ApiError, BadResponse) as exc:  # something answers, but not a Roost server
                log.info("%s is not a Roost server: %s", address, exc)
                stranger = stranger or exc
            except BaseException:
                await api.close()
                raise
            else:
                if info.protocol_version != PROTOCOL_VERSION:
                    await api.close()
                    raise ProtocolMismatch(info.protocol_version, PROTOCOL_VERSION)
                return api, info
            await api.close()
        if changed is not None:
            raise changed
        if stranger is not None:
            raise stranger
        tried = ", ".join(str(a) for a in parsed)
        raise Unreachable(
            tried, last.reason if last else "no answer", timed_out=bool(last and last.timed_out)
        )

    async def _finish(
        self,
        api: AsyncApi,
        info: ServerInfo,
        tokens: Tokens,
        *,
        remember: bool,
        signed: SignedInApi | None = None,
    ) -> Account:
        """Records the server and the account, stores the token if asked; emits SignedIn.

        Args:
            signed: the session already in use (an enrolment may have refreshed its tokens,
                spending ``tokens.refresh_token``); made from ``tokens`` when None.
        """
        signed = signed or SignedInApi(api, tokens)
        if api.fingerprint is not None:
            self.servers.pin(info.server_id, api.fingerprint)
        self.servers.record(info.server_id, info.name, str(api.address), api.fingerprint)
        remembered = False
        if remember:
            remembered = await asyncio.to_thread(
                self.credentials.save_blocking,
                info.server_id,
                signed.user.username,
                signed.refresh_token,
            )
        self.servers.add_account(info.server_id, signed.user.username, remembered=remembered)
        account = Account(
            server_id=info.server_id,
            server_name=info.name,
            address=api.address,
            api=signed,
            servers=self.servers,
            credentials=self.credentials,
            remembered=remembered,
        )
        account.events.subscribe(self.events.emit)
        self.events.emit(SignedIn(account))
        return account

    # -- flows -------------------------------------------------------------------------------

    async def claim(
        self,
        address: Address | str,
        fingerprint: str,
        setup_code: str,
        server_name: str,
        username: str,
        display_name: str,
        password: str,
        *,
        remember: bool = False,
    ) -> Account:
        """Claims a new server: names it and creates the owner, signed in; pins its certificate.

        Raises:
            ApiError: ``already_claimed``, ``invalid_setup_code``, ``rate_limited``,
                ``weak_password``, ``invalid_request`` (a bad name or username).
            and the errors of ``connect``.
        """
        api, info = await self.connect([address], fingerprint)
        try:
            self.servers.check_pin(info.server_id, api.fingerprint)
            result = await api.claim(
                build_request(
                    ClaimRequest,
                    setup_code=setup_code,
                    server_name=server_name,
                    admin={
                        "username": username,
                        "display_name": display_name,
                        "password": password,
                    },
                    device_name=self.device_name,
                )
            )
        except BaseException:
            await api.close()
            raise
        return await self._finish(api, result.server, result.tokens, remember=remember)

    def sign_in(
        self,
        server_id: str | None = None,
        *,
        address: Address | str | None = None,
        fingerprint: str | None = None,
    ) -> SignIn:
        """A sign-in to a known server (by id) or to a new one (by address and fingerprint).

        Raises:
            UnknownServer: ``server_id`` is not known.
            ValueError: neither a server id nor an address was given.
        """
        if server_id is not None:
            known = self.servers.get(server_id)
            if known is None:
                raise UnknownServer(server_id)
            return SignIn(self, list(known.addresses), known.fingerprint, server_id)
        if address is None:
            raise ValueError("sign_in needs a known server id or an address")
        return SignIn(self, [address], fingerprint, None)

    async def resume(self, server_id: str, username: str) -> Account:
        """Signs in with the refresh token remembered in the keyring.

        Raises:
            NotRemembered: nothing stored (or the keyring is gone): sign in with the password.
            ApiError: the server ended that session (the stored token is dropped then).
            and the errors of ``connect`` (the token is kept: try again later).
        """
        known = self.servers.get(server_id)
        if known is None:
            raise UnknownServer(server_id)
        token = await asyncio.to_thread(self.credentials.load_blocking, server_id, username)
        if token is None:
            self.servers.set_remembered(server_id, username, False)
            raise NotRemembered(server_id, username)
        api, info = await self.connect(list(known.addresses), known.fingerprint)
        try:
            tokens = await api.refresh(token)
        except ApiError as exc:
            await api.close()
            if exc.code in SESSION_OVER:
                await asyncio.to_thread(self.credentials.forget_blocking, server_id, username)
                self.servers.set_remembered(server_id, username, False)
            raise
        except BaseException:
            await api.close()
            raise
        # The old token is spent: the new one must be stored before anything else happens.
        return await self._finish(api, info, tokens, remember=True)

    async def register_with_invite(
        self,
        invite: Invite,
        username: str,
        display_name: str,
        password: str,
        *,
        remember: bool = False,
    ) -> Account:
        """Creates an account with an invite (protocol 11.2), signed in.

        Raises:
            ApiError: ``invalid_invite``, ``username_taken``, ``weak_password``,
                ``invalid_request``.
            CertificateChanged: the server is known here with another certificate, or no
                address presented the invite's certificate.
            and the errors of ``connect``.
        """
        api, info = await self.connect(list(invite.addresses), invite.fingerprint)
        try:
            self.servers.check_pin(info.server_id, api.fingerprint)
            tokens = await api.register(
                build_request(
                    RegisterRequest,
                    invite=invite.token,
                    username=username,
                    display_name=display_name,
                    password=password,
                    device_name=self.device_name,
                )
            )
        except BaseException:
            await api.close()
            raise
        return await self._finish(api, info, tokens, remember=remember)


class SignIn:
    """A password sign-in, with the second step when the account has two-factor on.

    ``login`` returns the ``Account``, or ``SecondFactorNeeded``; then ``second_factor`` with a
    code from the authenticator app (or a recovery code) returns the ``Account``. A wrong code
    raises ``ApiError(invalid_second_factor)`` and another code may be tried.

    Either may return ``NewPasswordNeeded`` instead, when the password was a one-time password
    from an administrator: ``new_password`` replaces it and returns the ``Account`` or, when
    that is owed too, ``EnrolmentNeeded``.

    ``EnrolmentNeeded`` comes when the server requires two-step sign-in and the account has
    none: ``start_two_factor``, ``confirm_two_factor`` (the recovery codes), then ``finish``
    returns the ``Account`` (an ``Enrolment``, like the claim wizard).

    Attributes:
        step: ``"password"``, ``"second_factor"``, ``"new_password"``, ``"enrol"`` or
            ``"done"``.
    """

    def __init__(
        self,
        flows: AccountFlows,
        addresses: Sequence[Address | str],
        fingerprint: str | None,
        server_id: str | None,
    ) -> None:
        self._flows = flows
        self._addresses = list(addresses)
        self._fingerprint = fingerprint
        self._server_id = server_id
        self.step: Literal["password", "second_factor", "new_password", "enrol", "done"] = (
            "password"
        )
        self._api: AsyncApi | None = None
        self._info: ServerInfo | None = None
        self._challenge: str | None = None
        self._remember = False
        # Replacing a one-time password needs it again (protocol 10.2), and so does enrolling
        # (10.5): kept only until they are done.
        self._password = ""
        # The session of a sign-in that still owes a step: it may only do that step.
        self._owing: tuple[SignedInApi, Tokens] | None = None

    async def _connected(self) -> tuple[AsyncApi, ServerInfo]:
        if self._api is None or self._info is None:
            api, info = await self._flows.connect(self._addresses, self._fingerprint)
            try:
                self._flows.servers.check_pin(info.server_id, api.fingerprint)
                if self._server_id is not None and info.server_id != self._server_id:
                    # The pin matched, so this is the same certificate: only a copied data
                    # directory does this. Treat it as the stranger it is.
                    raise CertificateChanged(self._fingerprint or "", api.fingerprint or "")
            except BaseException:
                await api.close()
                raise
            self._api, self._info = api, info
        return self._api, self._info

    async def server_info(self) -> ServerInfo:
        """Connects (if not yet) and describes the server: show its name before the password."""
        return (await self._connected())[1]

    async def login(
        self, username: str, password: str, *, remember: bool = False
    ) -> Account | SecondFactorNeeded | NewPasswordNeeded | EnrolmentNeeded:
        """The password step.

        Raises:
            ApiError: ``invalid_credentials``, ``account_locked``, ``rate_limited``,
                ``account_disabled``, ``invalid_request``.
            and the errors of ``AccountFlows.connect``.
        """
        if self.step == "done":
            raise RuntimeError("this sign-in is finished; start a new one")
        api, info = await self._connected()
        result = await api.login(
            build_request(
                LoginRequest,
                username=username,
                password=password,
                device_name=self._flows.device_name,
            )
        )
        self._remember = remember
        self._password = password
        if isinstance(result, SecondFactorRequired):
            self._challenge = result.challenge
            self.step = "second_factor"
            return SecondFactorNeeded(result.expires_in)
        return await self._done(api, info, result)

    async def second_factor(self, code: str) -> Account | NewPasswordNeeded | EnrolmentNeeded:
        """The code step (TOTP, recovery code, or a one-time code from an admin).

        Raises:
            ApiError: ``invalid_second_factor`` (wrong code, or the step expired: the
                explanation says to start again), ``account_locked``, ``rate_limited``.
            RuntimeError: ``login`` did not ask for a code.
        """
        if self.step != "second_factor" or self._challenge is None:
            raise RuntimeError("no second factor was asked for")
        api, info = await self._connected()
        tokens = await api.second_factor(
            build_request(SecondFactorRequest, challenge=self._challenge, code=code.strip())
        )
        return await self._done(api, info, tokens)

    async def _done(
        self, api: AsyncApi, info: ServerInfo, tokens: Tokens
    ) -> Account | NewPasswordNeeded | EnrolmentNeeded:
        self._challenge = None
        # The server accepts enrolment only once the password is the user's own (deps.py),
        # so a new password comes first.
        if tokens.user.must_change_password:
            self.step = "new_password"
            self._owing = (SignedInApi(api, tokens), tokens)
            return NewPasswordNeeded()
        if tokens.user.two_factor_required:
            # The password is kept for enrol; the code of an admin's 2FA reset (a second
            # factor without TOTP) also lands here.
            self.step = "enrol"
            self._owing = (SignedInApi(api, tokens), tokens)
            return EnrolmentNeeded()
        self.step = "done"
        self._password = ""
        return await self._flows._finish(api, info, tokens, remember=self._remember)

    def _owed(self, step: Literal["new_password", "enrol"]) -> SignedInApi:
        if self.step != step or self._owing is None:
            if step == "new_password":
                raise RuntimeError("the server did not ask for a new password")
            raise RuntimeError("the server did not ask for two-step sign-in to be turned on")
        return self._owing[0]

    def new_password_problems(self, new: str, repeat: str) -> dict[str, str]:
        """What is wrong with a new password before it is sent, by field ("password",
        "repeat"); empty when the server should take it (it checks again)."""
        info = self._info
        return new_password_problems(
            new,
            repeat,
            username=self._owing[0].user.username if self._owing else "",
            current=self._password,
            min_length=info.limits.password_min_length if info else DEFAULT_PASSWORD_MIN,
        )

    async def new_password(self, new: str) -> Account | EnrolmentNeeded:
        """Replaces the one-time password (after ``NewPasswordNeeded``); it works no more.

        Returns:
            The ``Account``, or ``EnrolmentNeeded`` when two-step sign-in is owed as well (the
            new password is what enrolling asks for then).

        Raises:
            ApiError: ``weak_password`` (nothing changed: try another).
            RuntimeError: no new password was asked for.
        """
        signed = self._owed("new_password")
        await signed.change_password(self._password, new)
        self._password = new
        if signed.user.two_factor_required:
            self.step = "enrol"
            return EnrolmentNeeded()
        return await self._announce(signed)

    async def _announce(self, signed: SignedInApi) -> Account:
        """Tells the app of the account whose owed steps are done."""
        api, info = await self._connected()
        assert self._owing is not None
        tokens = self._owing[1]
        self.step = "done"
        self._owing = None
        self._password = ""
        return await self._flows._finish(api, info, tokens, remember=self._remember, signed=signed)

    def _enrolment(self) -> SignedInApi:
        return self._owed("enrol")

    async def start_two_factor(self) -> tuple[str, str]:
        """Begins enrolment (after ``EnrolmentNeeded``).

        Returns:
            The key (for typing into an authenticator) and the ``otpauth://`` URI (for a QR).
        """
        enrolment = await self._enrolment().totp_enrol(self._password)
        return enrolment.secret, enrolment.otpauth_uri

    async def confirm_two_factor(self, code: str) -> list[str]:
        """Turns two-step sign-in on with a code from the app.

        Returns:
            The ten recovery codes, shown once.

        Raises:
            ApiError: ``invalid_second_factor`` (a wrong code; try another),
                ``two_factor_not_pending`` (``start_two_factor`` first).
        """
        signed = self._enrolment()
        codes = (await signed.totp_confirm(code)).recovery_codes
        self._password = ""
        await signed.me()  # the account as it is now: no longer owing two-step sign-in
        return codes

    async def finish(self) -> Account:
        """The account, once enrolled (the user has seen the recovery codes).

        Raises:
            RuntimeError: two-step sign-in is not on yet.
        """
        signed = self._enrolment()
        if signed.user.two_factor_required:
            raise RuntimeError("confirm two-step sign-in first")
        return await self._announce(signed)

    async def cancel(self) -> None:
        """Drops the connection of an unfinished sign-in (and its session, if one was opened
        that still owes a new password or enrolment: the app never used it, and the session
        list should not show it)."""
        owing, self._owing = self._owing, None
        self._password = ""
        if owing is not None:
            try:
                await owing[0].logout()
            except (ApiError, NetError) as exc:
                log.info("could not end the unfinished sign-in's session: %s", exc)
        if self._api is not None and self.step != "done":
            await self._api.close()
        self._api = None
