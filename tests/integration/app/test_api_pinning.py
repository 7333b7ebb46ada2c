"""The REST client against a real server: pinning, errors, the async facade, token refresh."""

from __future__ import annotations

import asyncio
import ssl
import time
from pathlib import Path

import pytest
import websockets.asyncio.client

from app.net.address import Address, parse_address
from app.net.api import ApiClient, AsyncApi
from app.net.errors import ApiError, CertificateChanged, Unreachable
from app.net.pinning import fetch_certificate_blocking, websocket_ssl
from app.net.signed_in import SessionEnded, SignedInApi, TokensRotated
from server.protocol.auth import LoginRequest, Tokens
from server.protocol.errors import ErrorCode
from tests.helpers.server import PASSWORD, Running, make_settings, running

WRONG_FP = "00" * 32


def _address(r: Running) -> Address:
    return Address("127.0.0.1", r.rt.bound_port)


def _fp(r: Running) -> str:
    assert r.rt.fingerprint is not None
    return str(r.rt.fingerprint)


async def test_fetch_certificate_gives_the_servers_fingerprint(srv: Running) -> None:
    peer = await asyncio.to_thread(fetch_certificate_blocking, "127.0.0.1", srv.rt.bound_port)
    assert peer.fingerprint == srv.rt.fingerprint
    assert peer.der.startswith(b"\x30")  # a DER SEQUENCE


async def test_pinned_client_talks_to_the_pinned_server(srv: Running) -> None:
    api = AsyncApi.connect(_address(srv), _fp(srv))
    info = await api.server_info()
    assert info.server_id == srv.rt.server_id
    assert info.state == "unclaimed"
    assert (await api.setup_state()).server_id == srv.rt.server_id
    await api.close()


async def test_the_certificate_does_not_name_the_lan_address_and_the_pin_still_works(
    srv: Running,
) -> None:
    """The certificate names 127.0.0.1 and host names only: reach it as 'localhost'
    and as 127.0.0.1 both work, because the pin replaces the host name check."""
    for host in ("localhost", "127.0.0.1"):
        api = AsyncApi.connect(Address(host, srv.rt.bound_port), _fp(srv))
        assert (await api.server_info()).server_id == srv.rt.server_id
        await api.close()
    # Without a pin, ordinary verification refuses the self-signed certificate.
    plain = AsyncApi.connect(_address(srv), None)
    with pytest.raises(Unreachable) as caught:
        await plain.server_info()
    assert "secure connection failed" in caught.value.reason
    await plain.close()


async def test_an_address_the_certificate_does_not_name_works_with_the_pin(
    tmp_path: Path,
) -> None:
    """Like a Pi's LAN address: 127.0.0.2 is not in the certificate (which names 127.0.0.1)."""
    async with running(make_settings(tmp_path, host="127.0.0.2")) as r:
        api = AsyncApi.connect(Address("127.0.0.2", r.rt.bound_port), _fp(r))
        assert (await api.server_info()).server_id == r.rt.server_id
        await api.close()


async def test_another_certificate_is_refused_with_certificate_changed(srv: Running) -> None:
    client = ApiClient(_address(srv), WRONG_FP)
    with pytest.raises(CertificateChanged) as caught:
        await asyncio.to_thread(client.server_info)
    assert caught.value.expected == WRONG_FP
    assert caught.value.actual == srv.rt.fingerprint
    client.close()


async def test_a_reinstalled_server_on_the_same_address_is_refused(tmp_path: Path) -> None:
    async with running(make_settings(tmp_path / "one")) as first:
        port, old_fp = first.rt.bound_port, _fp(first)
        api = AsyncApi.connect(Address("127.0.0.1", port), old_fp)
        await api.server_info()
    # The same port, a fresh data directory: a new certificate, as after a reinstall.
    async with running(make_settings(tmp_path / "two", port=port)) as second:
        assert _fp(second) != old_fp
        with pytest.raises(CertificateChanged) as caught:
            await api.server_info()
        assert caught.value.actual == _fp(second)
    await api.close()


async def test_nothing_listening_is_unreachable(tmp_path: Path) -> None:
    async with running(make_settings(tmp_path)) as r:
        port, fp = r.rt.bound_port, _fp(r)
    api = AsyncApi.connect(Address("127.0.0.1", port), fp, timeout=5)
    with pytest.raises(Unreachable) as caught:
        await api.server_info()
    assert caught.value.address == f"127.0.0.1:{port}"
    with pytest.raises(Unreachable):
        await asyncio.to_thread(fetch_certificate_blocking, "127.0.0.1", port, 5.0)
    await api.close()


async def test_error_envelope_becomes_api_error(claimed: Running) -> None:
    api = AsyncApi.connect(_address(claimed), _fp(claimed))
    with pytest.raises(ApiError) as caught:
        await api.login(LoginRequest(username="owner", password="wrong password"))
    assert caught.value.code == ErrorCode.INVALID_CREDENTIALS
    assert caught.value.status == 401
    with pytest.raises(ApiError) as caught:
        await api.setup_state()
    assert caught.value.code == ErrorCode.ALREADY_CLAIMED
    with pytest.raises(ApiError) as caught:
        await api.request("POST", "/auth/login", body={"username": "owner"})
    assert caught.value.code == ErrorCode.INVALID_REQUEST
    assert any(d.get("field") == "password" for d in caught.value.details)
    await api.close()


async def _signed_in(r: Running) -> tuple[AsyncApi, Tokens]:
    api = AsyncApi.connect(_address(r), _fp(r))
    tokens = await api.login(LoginRequest(username="owner", password=PASSWORD))
    assert isinstance(tokens, Tokens)
    return api, tokens


def _expired_copy(r: Running, tokens: Tokens) -> Tokens:
    """The same session with an access token the server minted already expired."""
    claims = {"t": "a", "u": tokens.user.id, "s": tokens.session_id, "e": int(time.time()) - 60}
    return tokens.model_copy(update={"access_token": r.rt.tokens._sign(claims)})


async def test_expired_access_token_is_refreshed_once_and_the_call_repeated(
    claimed: Running,
) -> None:
    api, tokens = await _signed_in(claimed)
    persisted: list[str] = []

    async def persist(new: Tokens) -> None:
        persisted.append(new.refresh_token)

    signed_in = SignedInApi(api, _expired_copy(claimed, tokens), persist=persist)
    events: list[object] = []
    signed_in.events.subscribe(events.append)
    me = await signed_in.me()
    assert me.username == "owner"
    assert persisted == [signed_in.refresh_token]
    assert signed_in.refresh_token != tokens.refresh_token
    assert events == [TokensRotated(tokens.session_id)]
    # The old refresh token is spent: presenting it again is reuse and ends the session.
    with pytest.raises(ApiError) as caught:
        await api.refresh(tokens.refresh_token)
    assert caught.value.code == ErrorCode.REFRESH_TOKEN_REUSED
    with pytest.raises(ApiError) as caught:
        await signed_in.me()
    assert caught.value.code == ErrorCode.SESSION_REVOKED
    assert events[-1] == SessionEnded(ErrorCode.SESSION_REVOKED)
    await api.close()


async def test_concurrent_expired_calls_refresh_only_once(claimed: Running) -> None:
    api, tokens = await _signed_in(claimed)
    signed_in = SignedInApi(api, _expired_copy(claimed, tokens))
    rotations: list[object] = []
    signed_in.events.subscribe(rotations.append)
    results = await asyncio.gather(*(signed_in.me() for _ in range(4)))
    assert {m.username for m in results} == {"owner"}
    assert rotations == [TokensRotated(tokens.session_id)]  # one refresh, no reuse
    await api.close()


async def test_a_token_due_for_refresh_is_refreshed_before_use(claimed: Running) -> None:
    api, tokens = await _signed_in(claimed)
    now = [1000.0]
    signed_in = SignedInApi(api, tokens, clock=lambda: now[0])
    assert await signed_in.access_token() == tokens.access_token
    now[0] += tokens.access_expires_in  # past the margin
    fresh = await signed_in.access_token()
    # A rotation happened (access tokens minted in the same second may be equal).
    assert signed_in.refresh_token != tokens.refresh_token
    assert (await api.me(fresh)).username == "owner"
    await api.close()


async def test_logout_ends_the_session(claimed: Running) -> None:
    api, tokens = await _signed_in(claimed)
    signed_in = SignedInApi(api, tokens)
    await signed_in.logout()
    with pytest.raises(ApiError) as caught:
        await api.me(tokens.access_token)
    assert caught.value.code == ErrorCode.SESSION_REVOKED
    await api.close()


async def test_websocket_helper_pins_the_certificate(claimed: Running) -> None:
    url = f"wss://127.0.0.1:{claimed.rt.bound_port}/api/v1/ws"
    ctx, check = websocket_ssl(_fp(claimed))
    assert isinstance(ctx, ssl.SSLContext)
    async with websockets.asyncio.client.connect(url, ssl=ctx) as ws:
        check(ws.transport)  # the right certificate passes
    ctx, check = websocket_ssl(WRONG_FP)
    async with websockets.asyncio.client.connect(url, ssl=ctx) as ws:
        with pytest.raises(CertificateChanged) as caught:
            check(ws.transport)
    assert caught.value.actual == claimed.rt.fingerprint


def test_parse_address_is_used_for_urls() -> None:
    assert parse_address("[::1]:8443").base_url == "https://[::1]:8443"
