"""The account flows against a real server: claim, sign in (with 2FA), invites, remember-me."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import keyring.backends.fail
import pyotp
import pytest

from app.accounts.account import Account, SignedOut
from app.accounts.credentials import SERVICE, Credentials, account_key
from app.accounts.errors import NotRemembered
from app.accounts.invite import parse_invite
from app.accounts.session import AccountFlows, NewPasswordNeeded, SecondFactorNeeded, SignedIn
from app.net.address import Address
from app.net.errors import ApiError, CertificateChanged, ProtocolMismatch, Unreachable
from app.net.explain import explain
from app.paths import AppPaths
from app.servers import KnownServers
from server.protocol.errors import ErrorCode
from tests.helpers.keyring_memory import MemoryKeyring, active_keyring
from tests.helpers.server import PASSWORD, Running, make_settings, running


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    with active_keyring(backend):
        yield backend


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths(config=tmp_path / "app" / "config", data=tmp_path / "app" / "data").ensure()


@pytest.fixture
def flows(paths: AppPaths, memory_keyring: MemoryKeyring) -> AccountFlows:
    return AccountFlows(KnownServers(paths), Credentials(), device_name="Test laptop")


def _addr(r: Running) -> Address:
    return Address("127.0.0.1", r.rt.bound_port)


def _fp(r: Running) -> str:
    assert r.rt.fingerprint is not None
    return str(r.rt.fingerprint)


async def _claim(flows: AccountFlows, srv: Running, *, remember: bool = False) -> Account:
    return await flows.claim(
        _addr(srv),
        _fp(srv),
        srv.setup_code().lower(),
        "Chen family",
        "Mum",
        "Mum 妈妈",
        PASSWORD,
        remember=remember,
    )


async def test_claim_pins_records_and_signs_in_then_login_works(
    srv: Running, flows: AccountFlows, paths: AppPaths
) -> None:
    seen: list[object] = []
    flows.events.subscribe(seen.append)
    account = await flows.claim(
        str(_addr(srv)), _fp(srv), srv.setup_code(), "Chen family", "Mum", "Mum", PASSWORD
    )
    assert account.user.username == "mum"
    assert account.user.role == "owner"
    assert account.server_name == "Chen family"
    assert seen == [SignedIn(account)]
    known = flows.servers.get(srv.rt.server_id)
    assert known is not None
    assert known.fingerprint == srv.rt.fingerprint
    assert known.addresses == (str(_addr(srv)),)
    assert [a.username for a in known.accounts] == ["mum"]
    assert (await account.api.me()).display_name == "Mum"

    # A fresh app start: the store on disk knows the server; sign in by its id.
    again = AccountFlows(KnownServers(paths), Credentials(), device_name="Test laptop")
    sign_in = again.sign_in(srv.rt.server_id)
    assert (await sign_in.server_info()).name == "Chen family"
    peer = await again.fetch_certificate(str(_addr(srv)))  # what a first-use dialog shows
    assert peer.fingerprint == known.fingerprint
    result = await sign_in.login("MUM", PASSWORD)
    assert not isinstance(result, SecondFactorNeeded)
    assert result.user.username == "mum"
    assert sign_in.step == "done"
    await result.logout()
    await account.logout()


async def test_claim_refusals_are_explained_and_change_nothing(
    srv: Running, flows: AccountFlows
) -> None:
    with pytest.raises(ApiError) as caught:
        await flows.claim(_addr(srv), _fp(srv), "AAAA-BBBB-CCCC", "Family", "mum", "Mum", PASSWORD)
    assert caught.value.code == ErrorCode.INVALID_SETUP_CODE
    assert "setup code is not right" in explain(caught.value)
    with pytest.raises(ApiError) as caught:
        await flows.claim(_addr(srv), _fp(srv), srv.setup_code(), "Family", "x y", "Mum", PASSWORD)
    assert caught.value.status == 0  # refused before anything was sent
    assert "username must be 3 to 32" in explain(caught.value)
    assert flows.servers.all() == []
    code = srv.setup_code()
    account = await flows.claim(_addr(srv), _fp(srv), code, "Family", "mum", "Mum", PASSWORD)
    with pytest.raises(ApiError) as caught:
        await flows.claim(_addr(srv), _fp(srv), code, "Family", "dad", "Dad", PASSWORD)
    assert caught.value.code == ErrorCode.ALREADY_CLAIMED
    assert "already been set up" in explain(caught.value)
    await account.close()


async def test_wrong_password_is_explained(claimed: Running, flows: AccountFlows) -> None:
    sign_in = flows.sign_in(address=_addr(claimed), fingerprint=_fp(claimed))
    with pytest.raises(ApiError) as caught:
        await sign_in.login("owner", "not the password")
    assert caught.value.code == ErrorCode.INVALID_CREDENTIALS
    assert "username or password is not right" in explain(caught.value)
    assert sign_in.step == "password"
    account = await sign_in.login("owner", PASSWORD)  # the same sign-in may try again
    assert not isinstance(account, SecondFactorNeeded)
    await account.logout()


async def test_two_factor_enrolment_then_sign_in_with_a_code_and_a_recovery_code(
    srv: Running, flows: AccountFlows
) -> None:
    owner = await flows.claim(
        _addr(srv), _fp(srv), srv.setup_code(), "Family", "mum", "Mum", PASSWORD
    )
    enrolment = await owner.start_two_factor(PASSWORD)
    assert enrolment.otpauth_uri.startswith("otpauth://totp/")
    totp = pyotp.TOTP(enrolment.secret)
    now = time.time()
    near = {totp.at(now + d) for d in (-60, -30, 0, 30, 60)}
    wrong = next(
        c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in near
    )
    with pytest.raises(ApiError) as caught:
        await owner.confirm_two_factor(wrong)
    assert caught.value.code == ErrorCode.INVALID_SECOND_FACTOR
    assert "code is not right" in explain(caught.value)
    code = totp.now()
    codes = await owner.confirm_two_factor(f" {code[:3]} {code[3:]} ")  # spaces are dropped
    assert len(codes) == 10
    assert owner.user.totp_enabled

    sign_in = flows.sign_in(srv.rt.server_id)
    step = await sign_in.login("mum", PASSWORD)
    assert isinstance(step, SecondFactorNeeded)
    assert sign_in.step == "second_factor"
    with pytest.raises(ApiError) as caught:
        await sign_in.second_factor("12345678")
    assert caught.value.code == ErrorCode.INVALID_SECOND_FACTOR
    # The TOTP code of the enrolment step was used already; a recovery code always works.
    account = await sign_in.second_factor(codes[0].lower())
    assert account.user.username == "mum"
    assert account.user.totp_enabled

    # And a fresh authenticator code on a new sign-in (the next 30 s step: codes are single-use).
    sign_in = flows.sign_in(srv.rt.server_id)
    assert isinstance(await sign_in.login("mum", PASSWORD), SecondFactorNeeded)
    account2 = await sign_in.second_factor(totp.at(time.time() + 30))
    assert account2.user.username == "mum"
    for a in (owner, account, account2):
        await a.logout()


async def test_certificate_change_of_a_known_server_is_refused(
    tmp_path: Path, flows: AccountFlows
) -> None:
    async with running(make_settings(tmp_path / "pi")) as first:
        await (await _claim(flows, first)).close()
        server_id, port = first.rt.server_id, first.rt.bound_port
    # The Pi is reinstalled: the same address, a new data directory and certificate.
    async with running(make_settings(tmp_path / "reinstalled", port=port)) as second:
        sign_in = flows.sign_in(server_id)
        with pytest.raises(CertificateChanged) as caught:
            await sign_in.login("mum", PASSWORD)
        assert caught.value.actual == second.rt.fingerprint
        text = explain(caught.value)
        assert "not the server you connected to before" in text
        assert "Don't continue" in text
    known = flows.servers.get(server_id)
    assert known is not None and known.fingerprint != second.rt.fingerprint


async def test_invite_registration_end_to_end(
    claimed: Running, flows: AccountFlows, memory_keyring: MemoryKeyring
) -> None:
    assert claimed.owner is not None
    r = await claimed.client.post(
        "/api/v1/admin/invites", json={"role": "member"}, headers=claimed.owner.headers
    )
    assert r.status_code == 201, r.text
    link = r.json()["link"]
    # Pasted from a mail, wrapped and indented, with a dead address tried first.
    dead = f"127.0.0.1%3A{_unused_port()}"
    pasted = "  \n" + link.replace("addr=", f"addr={dead}&addr=", 1)[:40] + "\n   "
    pasted += link.replace("addr=", f"addr={dead}&addr=", 1)[40:] + "\n"
    invite = parse_invite(pasted)
    assert invite.fingerprint == claimed.rt.fingerprint
    assert len(invite.addresses) == 2

    account = await flows.register_with_invite(
        invite, "Grandma", "Grandma 奶奶", "knitting needles 1950", remember=True
    )
    assert account.user.username == "grandma"
    assert account.user.role == "member"
    assert account.remembered
    assert memory_keyring.store[(SERVICE, account_key(claimed.rt.server_id, "grandma"))] == (
        account.api.refresh_token
    )
    known = flows.servers.get(claimed.rt.server_id)
    assert known is not None
    assert known.fingerprint == claimed.rt.fingerprint
    assert known.addresses[0] == f"127.0.0.1:{claimed.rt.bound_port}"

    with pytest.raises(ApiError) as caught:
        await flows.register_with_invite(invite, "grandpa", "Grandpa", "knitting needles 1950")
    assert caught.value.code == ErrorCode.INVALID_INVITE
    assert "invite can't be used any more" in explain(caught.value)
    await account.logout()


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_invite_with_a_wrong_fingerprint_is_refused(
    claimed: Running, flows: AccountFlows
) -> None:
    link = (
        f"roost://join?name=Family&token=abcdefghijklmnop&fp={'ab' * 32}"
        f"&addr=127.0.0.1%3A{claimed.rt.bound_port}"
    )
    with pytest.raises(CertificateChanged):
        await flows.register_with_invite(parse_invite(link), "eve", "Eve", PASSWORD)
    assert flows.servers.all() == []


async def test_remember_me_resumes_with_a_rotated_token(
    srv: Running, flows: AccountFlows, paths: AppPaths, memory_keyring: MemoryKeyring
) -> None:
    account = await _claim(flows, srv, remember=True)
    key = (SERVICE, account_key(srv.rt.server_id, "mum"))
    first_token = memory_keyring.store[key]

    # The next start of the app: nothing in memory but the store and the keyring.
    later = AccountFlows(KnownServers(paths), Credentials(), device_name="Test laptop")
    known = later.servers.get(srv.rt.server_id)
    assert known is not None and known.accounts[0].remembered
    resumed = await later.resume(srv.rt.server_id, "mum")
    assert resumed.user.username == "mum"
    assert memory_keyring.store[key] == resumed.api.refresh_token != first_token

    # A refresh while signed in stores the newest token before using it.
    await resumed.api.refresh()
    assert memory_keyring.store[key] == resumed.api.refresh_token

    # Signing out forgets it.
    ended: list[object] = []
    later.events.subscribe(ended.append)
    assert await resumed.logout() is True
    assert key not in memory_keyring.store
    assert ended == [SignedOut(srv.rt.server_id, "mum", "logout")]
    with pytest.raises(NotRemembered) as not_remembered:
        await later.resume(srv.rt.server_id, "mum")
    assert "sign in again" in explain(not_remembered.value)
    await account.close()


async def test_resume_with_a_revoked_session_drops_the_token(
    srv: Running, flows: AccountFlows, memory_keyring: MemoryKeyring
) -> None:
    account = await _claim(flows, srv, remember=True)
    key = (SERVICE, account_key(srv.rt.server_id, "mum"))
    # The token is spent by someone else (a copy): the stored one becomes a reuse.
    stolen = memory_keyring.store[key]
    await account.api.api.refresh(stolen)
    with pytest.raises(ApiError) as caught:
        await flows.resume(srv.rt.server_id, "mum")
    assert caught.value.code == ErrorCode.REFRESH_TOKEN_REUSED
    assert "signed out" in explain(caught.value)
    assert key not in memory_keyring.store
    known = flows.servers.get(srv.rt.server_id)
    assert known is not None and not known.accounts[0].remembered
    await account.close()


async def test_without_a_keyring_nothing_is_remembered_and_the_ui_is_told(
    srv: Running, paths: AppPaths, tmp_path: Path
) -> None:
    with active_keyring(keyring.backends.fail.Keyring()):  # type: ignore[no-untyped-call]
        credentials = Credentials()
        status = credentials.status()
        assert not status.available
        assert "can't remember you" in status.explanation
        flows = AccountFlows(KnownServers(paths), credentials, device_name="Test laptop")
        account = await _claim(flows, srv, remember=True)
        assert account.remembered is False
        known = flows.servers.get(srv.rt.server_id)
        assert known is not None and not known.accounts[0].remembered
        with pytest.raises(NotRemembered):
            await flows.resume(srv.rt.server_id, "mum")
    # And nothing secret was written anywhere under the app's or the test's directories.
    token = account.api.refresh_token
    await account.close()
    assert await asyncio.to_thread(_files_containing, tmp_path, token.encode()) == []


def _files_containing(root: Path, secret: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret in p.read_bytes()]


async def test_unreachable_server_is_explained(flows: AccountFlows) -> None:
    port = _unused_port()
    sign_in = flows.sign_in(address=f"127.0.0.1:{port}", fingerprint="ab" * 32)
    with pytest.raises(Unreachable) as caught:
        await sign_in.login("mum", PASSWORD)
    text = explain(caught.value)
    assert f"127.0.0.1:{port}" in text
    assert "switched on" in text and "same network" in text


async def test_a_server_with_another_protocol_version_is_explained(
    srv: Running, flows: AccountFlows, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This app pretends to be from the future: the server is the older one.
    monkeypatch.setattr("app.accounts.session.PROTOCOL_VERSION", 2)
    with pytest.raises(ProtocolMismatch) as caught:
        await flows.sign_in(address=_addr(srv), fingerprint=_fp(srv)).server_info()
    assert not caught.value.server_is_newer
    assert "older version of Roost" in explain(caught.value)


async def test_session_ended_elsewhere_signs_out_and_forgets(
    claimed: Running, flows: AccountFlows, memory_keyring: MemoryKeyring
) -> None:
    sign_in = flows.sign_in(address=_addr(claimed), fingerprint=_fp(claimed))
    account = await sign_in.login("owner", PASSWORD, remember=True)
    assert not isinstance(account, SecondFactorNeeded)
    events: list[object] = []
    account.events.subscribe(events.append)
    # The owner signs this device out from another one.
    other = await claimed.login("owner")
    r = await claimed.client.delete(
        f"/api/v1/me/sessions/{account.api.session_id}", headers=other.headers
    )
    assert r.status_code == 204
    with pytest.raises(ApiError):
        await account.api.me()
    assert events == [SignedOut(claimed.rt.server_id, "owner", "session_revoked")]
    # The keyring clean-up runs as a named task (keyrings may block); wait for it.
    cleanups = [t for t in asyncio.all_tasks() if t.get_name() == "forget-ended-session"]
    assert len(cleanups) == 1
    await cleanups[0]
    assert memory_keyring.store == {}
    await account.close()


async def test_a_one_time_password_from_an_admin_must_be_changed(
    claimed: Running, flows: AccountFlows
) -> None:
    assert claimed.owner is not None
    r = await claimed.client.post(
        "/api/v1/admin/users",
        json={"username": "dad", "display_name": "Dad"},
        headers=claimed.owner.headers,
    )
    assert r.status_code == 201, r.text
    one_time = r.json()["one_time_code"]
    sign_in = flows.sign_in(address=_addr(claimed), fingerprint=_fp(claimed))
    assert isinstance(await sign_in.login("dad", one_time), NewPasswordNeeded)
    with pytest.raises(RuntimeError):
        await sign_in.start_two_factor()  # not before the password is dad's own
    with pytest.raises(ApiError) as caught:
        await sign_in.new_password("dad")
    assert caught.value.code == ErrorCode.WEAK_PASSWORD
    assert "stronger password" in explain(caught.value)
    assert sign_in.step == "new_password"
    account = await sign_in.new_password("dad's long password")
    assert isinstance(account, Account) and not account.user.must_change_password
    with pytest.raises(ApiError) as caught:
        await account.change_password("not it", "dad's even longer password")
    assert caught.value.code == ErrorCode.WRONG_PASSWORD
    await account.logout()
