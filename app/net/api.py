"""The REST client: a blocking core over ``requests`` and an async facade for the event loop.

``ApiClient`` does one HTTPS request per call and blocks; ``AsyncApi`` runs the same calls in a
worker thread so the Qt/asyncio loop never waits on the network. Both raise only the errors in
``app.net.errors``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ParamSpec, TypeVar

import requests
import urllib3
from pydantic import BaseModel

from app.net.address import Address
from app.net.errors import ApiError, BadResponse, ClientClosed, NetError, Unreachable
from app.net.models import build_request, parse_model
from app.net.pinning import PinnedAdapter, certificate_changed_from
from server.protocol.auth import (
    ChangePasswordRequest,
    LoginRequest,
    PasswordConfirm,
    RecoveryCodes,
    RefreshRequest,
    RegisterRequest,
    SecondFactorRequest,
    SecondFactorRequired,
    Tokens,
    TotpConfirmRequest,
    TotpEnrolment,
    UserInfo,
)
from server.protocol.errors import ErrorCode
from server.protocol.server import ClaimRequest, ClaimResult, ServerInfo, SetupState

P = ParamSpec("P")
T = TypeVar("T")

API = "/api/v1"
DEFAULT_TIMEOUT_S = 10.0


def _error_code(raw: object) -> ErrorCode | str:
    try:
        return ErrorCode(str(raw))
    except ValueError:
        return str(raw)  # a code from a newer server: callers fall back to the HTTP status


def _api_error(response: requests.Response) -> ApiError:
    """The error envelope of a 4xx/5xx answer; a body without one still becomes an ApiError."""
    try:
        body = response.json()
        err = body["error"]
        retry_after = err.get("retry_after")
        details = err.get("details")
        return ApiError(
            _error_code(err["code"]),
            str(err.get("message", "")),
            response.status_code,
            retry_after=int(retry_after) if isinstance(retry_after, int | float) else None,
            details=details if isinstance(details, list) else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        # Not our envelope: a proxy's error page, or not a Roost server at all.
        code = ErrorCode.INTERNAL_ERROR if response.status_code >= 500 else ""
        return ApiError(code, response.text[:200], response.status_code)


def _outcome(response: requests.Response, what: str) -> tuple[Any, NetError | None]:
    """The decoded answer, or the error it stands for."""
    if response.status_code >= 400:
        return None, _api_error(response)
    if response.status_code == 204 or not response.content:
        return None, None
    try:
        return response.json(), None
    except ValueError:
        return None, BadResponse(f"{what}: the answer is not JSON")


class ApiClient:
    """Blocking HTTPS client for one server address, pinned to one certificate.

    Every method blocks the calling thread; from the event loop use ``AsyncApi``.

    Args:
        address: where the server listens.
        fingerprint: the pinned certificate's SHA-256 (hex). None only for a server behind a
            TLS proxy with a CA-signed certificate (no ``fp`` in its invite): then the usual
            CA and host name checks apply.
        timeout: seconds to wait for the connection and for each read.
    """

    def __init__(
        self, address: Address, fingerprint: str | None, *, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self.address = address
        self.fingerprint = fingerprint
        self.timeout = timeout
        self._session = requests.Session()
        self._closed = False
        # Proxy settings from the environment would send LAN traffic to a proxy that cannot
        # reach the Pi; the app only ever talks to addresses the user or the server gave it.
        self._session.trust_env = False
        if fingerprint is not None:
            adapter = PinnedAdapter(fingerprint)
            self.fingerprint = adapter.fingerprint
            self._session.mount("https://", adapter)
        self._session.mount("http://", _RefuseAdapter())

    def drop_connections(self) -> None:
        """Closes the pooled connections; the next call opens a new one (after the network
        changed, or before the server is known to go away)."""
        self._session.close()

    def close(self) -> None:
        """Closes pooled connections; later calls raise ``ClientClosed``."""
        self._closed = True
        self._session.close()

    def _send(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        headers: dict[str, str] | None = None,
        json: Any = None,
        data: bytes | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """One request, with the transport's failures as ``app.net.errors``."""
        if self._closed:
            # A requests session reopens its pools when used after close(): a socket nobody
            # would close again.
            raise ClientClosed(str(self.address))
        url = self.address.base_url + (
            path if path.startswith(API) or path == "/healthz" else API + path
        )
        sent = {"Accept": "application/json", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        try:
            return self._session.request(
                method,
                url,
                json=json,
                data=data,
                headers=sent,
                timeout=self.timeout,
                allow_redirects=False,
                stream=stream,
            )
        except requests.exceptions.SSLError as exc:
            changed = certificate_changed_from(exc, self.fingerprint) if self.fingerprint else None
            if changed is not None:
                raise changed from None
            raise Unreachable(str(self.address), f"secure connection failed: {exc}") from exc
        except requests.exceptions.Timeout as exc:
            raise Unreachable(str(self.address), str(exc), timed_out=True) from exc
        except requests.exceptions.RequestException as exc:
            raise Unreachable(str(self.address), str(exc)) from exc

    def send_bytes(
        self, method: str, path: str, data: bytes, *, token: str, headers: dict[str, str]
    ) -> Any:
        """A request whose body is raw bytes (an upload's chunk); returns the JSON answer.

        Raises:
            The same errors as ``request``.
        """
        response = self._send(method, path, token=token, headers=headers, data=data)
        try:
            value, error = _outcome(response, f"{method} {path}")
        finally:
            response.close()
            del response
        if error is not None:
            raise error
        return value

    def open_stream(
        self, path: str, *, token: str, headers: dict[str, str] | None = None, method: str = "GET"
    ) -> Streamed:
        """A download whose body is read piece by piece (attachments, thumbnails).

        The caller must close the result. Error answers raise before it is returned.

        Raises:
            The same errors as ``request``.
        """
        response = self._send(method, path, token=token, headers=headers, stream=True)
        if response.status_code >= 400:
            try:
                response.content  # noqa: B018 - reads the small error body before closing
                error = _api_error(response)
            finally:
                response.close()
                del response
            raise error
        return Streamed(response, str(self.address))

    def request(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | dict[str, Any] | None = None,
        token: str | None = None,
    ) -> Any:
        """One request; returns the decoded JSON answer (None for 204).

        Args:
            method: HTTP method.
            path: path under ``/api/v1`` (``/server``) or absolute from the root (``/healthz``).
            body: a protocol request model or a plain dict, sent as JSON.
            token: an access token for ``Authorization: Bearer``.

        Raises:
            ApiError: the server answered with an error.
            Unreachable: no answer.
            CertificateChanged: the server's certificate is not the pinned one.
            BadResponse: a success answer that is not JSON.
        """
        payload: Any = None
        if isinstance(body, BaseModel):
            payload = body.model_dump(mode="json", exclude_unset=False)
        elif body is not None:
            payload = body
        response = self._send(method, path, token=token, json=payload)
        # Read the answer into plain values and drop the Response before raising: a traceback
        # that keeps the Response alive keeps its socket open (the file object made from it
        # holds a reference), and the server then waits for that connection at shutdown.
        try:
            value, error = _outcome(response, f"{method} {path}")
        finally:
            response.close()
            del response
        if error is not None:
            raise error
        return value

    # -- endpoints (docs/protocol.md sections 7 to 11) ---------------------------------------

    def server_info(self) -> ServerInfo:
        """``GET /server``: what the server is; call it first, after pinning."""
        return parse_model(ServerInfo, self.request("GET", "/server"))

    def setup_state(self) -> SetupState:
        """``GET /setup``: answers only while unclaimed (else ApiError ``already_claimed``)."""
        return parse_model(SetupState, self.request("GET", "/setup"))

    def claim(self, request: ClaimRequest) -> ClaimResult:
        """``POST /setup/claim``: names the server and creates its owner, signed in."""
        return parse_model(ClaimResult, self.request("POST", "/setup/claim", body=request))

    def login(self, request: LoginRequest) -> Tokens | SecondFactorRequired:
        """``POST /auth/login``: tokens, or a challenge when a second factor is needed."""
        data = self.request("POST", "/auth/login", body=request)
        if isinstance(data, dict) and data.get("status") == "second_factor_required":
            return parse_model(SecondFactorRequired, data)
        return parse_model(Tokens, data)

    def second_factor(self, request: SecondFactorRequest) -> Tokens:
        """``POST /auth/login/second-factor``."""
        return parse_model(Tokens, self.request("POST", "/auth/login/second-factor", body=request))

    def refresh(self, refresh_token: str) -> Tokens:
        """``POST /auth/refresh``: new access AND refresh token; the old refresh token is spent."""
        body = build_request(RefreshRequest, refresh_token=refresh_token)
        return parse_model(Tokens, self.request("POST", "/auth/refresh", body=body))

    def logout(self, access_token: str) -> None:
        """``POST /auth/logout``: ends this device session on the server."""
        self.request("POST", "/auth/logout", token=access_token)

    def register(self, request: RegisterRequest) -> Tokens:
        """``POST /auth/register``: a new account from an invite, signed in."""
        return parse_model(Tokens, self.request("POST", "/auth/register", body=request))

    def me(self, access_token: str) -> UserInfo:
        """``GET /me``."""
        return parse_model(UserInfo, self.request("GET", "/me", token=access_token))

    def change_password(self, access_token: str, current: str, new: str) -> UserInfo:
        """``POST /me/password``: ends every other session of the account; this one stays."""
        body = build_request(ChangePasswordRequest, current_password=current, new_password=new)
        return parse_model(
            UserInfo, self.request("POST", "/me/password", body=body, token=access_token)
        )

    def totp_enrol(self, access_token: str, password: str) -> TotpEnrolment:
        """``POST /me/2fa/enrol``: a secret and an ``otpauth://`` URI for a QR code."""
        body = build_request(PasswordConfirm, password=password)
        return parse_model(
            TotpEnrolment, self.request("POST", "/me/2fa/enrol", body=body, token=access_token)
        )

    def totp_confirm(self, access_token: str, code: str) -> RecoveryCodes:
        """``POST /me/2fa/confirm``: turns two-factor on; returns the recovery codes."""
        body = build_request(TotpConfirmRequest, code=code)
        return parse_model(
            RecoveryCodes, self.request("POST", "/me/2fa/confirm", body=body, token=access_token)
        )


class Streamed:
    """An answer whose body has not been read yet (``ApiClient.open_stream``).

    Attributes:
        status: the HTTP status (200, 206, 304).
        headers: the answer's headers (names are case-insensitive).
    """

    def __init__(self, response: requests.Response, address: str) -> None:
        self._response = response
        self._address = address
        self.status = response.status_code
        self.headers: Mapping[str, str] = response.headers

    def chunks(self, size: int = 64 * 1024) -> Iterator[bytes]:
        """The body in pieces of at most ``size`` bytes; blocks while they arrive.

        Raises:
            Unreachable: the connection broke or stalled before the end.
        """
        try:
            yield from self._response.iter_content(size)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise Unreachable(self._address, f"the download broke off: {exc}") from exc

    def close(self) -> None:
        self._response.close()


class _RefuseAdapter(requests.adapters.BaseAdapter):
    """Plain HTTP is never used: a redirect or a typo must not send a password in clear."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        raise requests.exceptions.InvalidSchema("the app only speaks HTTPS")

    def close(self) -> None:
        pass


class AsyncApi:
    """The same endpoints as ``ApiClient``, awaited: each call runs in a worker thread.

    Attributes:
        client: the blocking client underneath (its ``address`` and ``fingerprint``).
    """

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    @classmethod
    def connect(
        cls, address: Address, fingerprint: str | None, *, timeout: float = DEFAULT_TIMEOUT_S
    ) -> AsyncApi:
        """A facade over a new ``ApiClient`` (no connection is made until the first call)."""
        return cls(ApiClient(address, fingerprint, timeout=timeout))

    @property
    def address(self) -> Address:
        return self.client.address

    @property
    def fingerprint(self) -> str | None:
        return self.client.fingerprint

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Runs a blocking call in a worker thread (for the endpoints of later issues)."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def close(self) -> None:
        await self.run(self.client.close)

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | dict[str, Any] | None = None,
        token: str | None = None,
    ) -> Any:
        return await self.run(self.client.request, method, path, body=body, token=token)

    async def server_info(self) -> ServerInfo:
        return await self.run(self.client.server_info)

    async def setup_state(self) -> SetupState:
        return await self.run(self.client.setup_state)

    async def claim(self, request: ClaimRequest) -> ClaimResult:
        return await self.run(self.client.claim, request)

    async def login(self, request: LoginRequest) -> Tokens | SecondFactorRequired:
        return await self.run(self.client.login, request)

    async def second_factor(self, request: SecondFactorRequest) -> Tokens:
        return await self.run(self.client.second_factor, request)

    async def refresh(self, refresh_token: str) -> Tokens:
        return await self.run(self.client.refresh, refresh_token)

    async def logout(self, access_token: str) -> None:
        await self.run(self.client.logout, access_token)

    async def register(self, request: RegisterRequest) -> Tokens:
        return await self.run(self.client.register, request)

    async def me(self, access_token: str) -> UserInfo:
        return await self.run(self.client.me, access_token)

    async def change_password(self, access_token: str, current: str, new: str) -> UserInfo:
        return await self.run(self.client.change_password, access_token, current, new)

    async def totp_enrol(self, access_token: str, password: str) -> TotpEnrolment:
        return await self.run(self.client.totp_enrol, access_token, password)

    async def totp_confirm(self, access_token: str, code: str) -> RecoveryCodes:
        return await self.run(self.client.totp_confirm, access_token, code)
