"""The WebSocket protocol against a real server over TLS with real clients (``websockets``).

Five properties:

1. The auth phase: ``auth_required`` first; a good ``auth`` frame gets ``auth_ok``; every bad
   one gets ``auth_invalid`` and close code 4001; silence gets 4002.
2. After auth, every bad frame gets one error result and the connection lives on (a ping after
   each one proves it). The command bodies come from the registry, so a command added later is
   covered without touching this file.
3. Fuzzing: arbitrary frames over one connection never close it, never crash the server, and
   never store anything but what the well-formed commands among them were acknowledged for.
4. A client that stops reading is disconnected (4008) instead of being buffered for without
   bound, while everyone else keeps receiving.
5. Ending a session (revocation, logout, a disabled account, a password change elsewhere)
   closes its live connections at once with 4003.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import logging
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.protocol import jsonframes
from server.protocol.errors import ErrorCode
from server.protocol.ws import (
    CLOSE_AUTH_FAILED,
    CLOSE_AUTH_TIMEOUT,
    CLOSE_SESSION_ENDED,
    CLOSE_TOO_SLOW,
)
from server.serve import RoostServer
from server.ws import handlers  # noqa: F401 - fills the registry
from server.ws.registry import HANDLERS
from tests.helpers.server import (
    PASSWORD,
    Running,
    Session,
    make_settings,
    running,
    running_in_thread,
    ssl_of,
)
from tests.helpers.ws import CommandFailed, WsClient

ERROR_CODES = {c.value for c in ErrorCode}
WS_PATH = "/api/v1/ws"
# What "at once" means for a revocation: far below the 15 s sweep that would catch it anyway.
AT_ONCE_S = 3.0


def ws_url(base_url: str) -> str:
    return base_url.replace("https://", "wss://") + WS_PATH


def check_error_result(frame: dict[str, Any], code: str, cmd_id: int | None, what: str) -> None:
    """``frame`` is an error result with ``code`` for ``cmd_id``, in the protocol's shape."""
    assert frame.get("type") == "result", f"{what}: {frame}"
    assert frame.get("success") is False, f"{what}: {frame}"
    assert frame.get("id") == cmd_id, f"{what}: {frame}"
    err = frame.get("error")
    assert isinstance(err, dict), f"{what}: {frame}"
    assert err.get("code") == code, f"{what}: {frame}"
    assert isinstance(err.get("message"), str), f"{what}: {frame}"
    assert err["message"], f"{what}: {frame}"
    assert set(frame) == {"id", "type", "success", "error"}, f"{what}: {frame}"


# --- 1. the auth phase -------------------------------------------------------------------------


async def open_raw(r: Running, **kwargs: Any) -> ClientConnection:
    """A connection that has read ``auth_required`` and sent nothing."""
    ws = await connect(
        ws_url(r.server.base_url), ssl=ssl_of(r), proxy=None, open_timeout=10, **kwargs
    )
    hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert hello["type"] == "auth_required", hello
    return ws


async def refused(r: Running, frame: str | bytes) -> tuple[dict[str, Any], int | None]:
    """Sends ``frame`` as the first frame; returns the ``auth_invalid`` error and the close code."""
    ws = await open_raw(r)
    try:
        await ws.send(frame)
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert reply["type"] == "auth_invalid", reply
        assert set(reply) == {"type", "error"}, reply
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        return reply["error"], ws.close_code
    finally:
        await ws.close()


def auth_frame(token: Any) -> str:
    return json.dumps({"type": "auth", "access_token": token})


async def test_auth_required_then_auth_ok(claimed: Running) -> None:
    owner = claimed.owner
    assert owner is not None
    ws = await connect(ws_url(claimed.server.base_url), ssl=ssl_of(claimed), proxy=None)
    try:
        # The client offered permessage-deflate (websockets' default); the server takes none.
        assert ws.protocol.extensions == []
        hello = json.loads(await ws.recv())
        assert hello["type"] == "auth_required"
        assert isinstance(hello["version"], str)
        assert isinstance(hello["protocol_version"], int)
        await ws.send(auth_frame(owner.access_token))
        ok = json.loads(await ws.recv())
        assert ok == {
            "type": "auth_ok",
            "user_id": owner.user_id,
            "session_id": owner.session_id,
        }
        await ws.send(json.dumps({"id": 1, "type": "ping"}))
        assert json.loads(await ws.recv()) == {
            "id": 1,
            "type": "result",
            "success": True,
            "result": {},
        }
    finally:
        await ws.close()


async def test_every_bad_auth_frame_is_refused_with_4001(claimed: Running) -> None:
    owner = claimed.owner
    assert owner is not None
    token = owner.access_token
    body, _, mac = token.partition(".")
    claims = json.loads(_unb64(body))
    assert claims["u"] == owner.user_id  # the token is what this test thinks it is
    forged = _b64(json.dumps({**claims, "u": claims["u"] + 1}).encode()) + "." + mac
    expired = claimed.rt.tokens._sign({**claims, "e": int(time.time()) - 60})

    cases: list[tuple[str, str | bytes, set[str]]] = [
        ("garbage token", auth_frame("garbage"), {"unauthenticated"}),
        ("forged claims", auth_frame(forged), {"unauthenticated"}),
        ("bad signature", auth_frame(body + "." + mac[::-1]), {"unauthenticated"}),
        ("refresh token", auth_frame(owner.refresh_token), {"unauthenticated"}),
        ("expired token", auth_frame(expired), {"token_expired"}),
        ("empty token", auth_frame(""), {"unauthenticated"}),
        ("token too long", auth_frame(token + "A" * 1100), {"invalid_frame"}),
        ("token not a string", auth_frame(12345), {"invalid_frame"}),
        ("token null", auth_frame(None), {"invalid_frame"}),
        ("invalid JSON", '{"type": "auth", "access_token": ', {"invalid_frame"}),
        ("empty text", "", {"invalid_frame"}),
        ("a JSON array", json.dumps(["auth", token]), {"invalid_frame"}),
        ("binary frame", b"\x00\x01\xfe\xff", {"invalid_frame"}),
        ("the auth frame as binary", auth_frame(token).encode(), {"invalid_frame"}),
        ("a command first", json.dumps({"id": 1, "type": "ping"}), {"invalid_frame"}),
        ("missing token", json.dumps({"type": "auth"}), {"invalid_frame"}),
        ("missing type", json.dumps({"access_token": token}), {"invalid_frame"}),
        (
            "wrong type",
            json.dumps({"type": "login", "access_token": token}),
            {"invalid_frame"},
        ),
        (
            "extra field",
            json.dumps({"type": "auth", "access_token": token, "id": 1}),
            {"invalid_frame"},
        ),
        (
            "lone surrogate in the token",
            '{"type": "auth", "access_token": "a\\ud800.b"}',
            {"invalid_frame", "unauthenticated"},
        ),
    ]
    for what, frame, codes in cases:
        error, close = await refused(claimed, frame)
        assert error["code"] in codes, f"{what}: {error}"
        assert isinstance(error["message"], str) and error["message"], f"{what}: {error}"
        assert close == CLOSE_AUTH_FAILED, f"{what}: closed with {close}"

    # None of that hurt the real token.
    ws = await open_raw(claimed)
    await ws.send(auth_frame(token))
    assert json.loads(await ws.recv())["type"] == "auth_ok"
    await ws.close()


async def test_ended_sessions_and_unready_accounts_are_refused(claimed: Running) -> None:
    owner = claimed.owner
    assert owner is not None

    # A session signed out first.
    gone = await claimed.login(owner.username)
    r = await claimed.client.post("/api/v1/auth/logout", headers=gone.headers)
    assert r.status_code == 204, r.text
    error, close = await refused(claimed, auth_frame(gone.access_token))
    assert (error["code"], close) == ("session_revoked", CLOSE_AUTH_FAILED)

    # A disabled user (disabling also ends their sessions, so either code is right).
    mallory = await claimed.add_user("mallory")
    r = await claimed.client.post(
        f"/api/v1/admin/users/{mallory.user_id}/disable", headers=owner.headers
    )
    assert r.status_code == 200, r.text
    error, close = await refused(claimed, auth_frame(mallory.access_token))
    assert error["code"] in {"account_disabled", "session_revoked"}, error
    assert close == CLOSE_AUTH_FAILED

    # A user created by an admin who has not chosen their own password yet.
    r = await claimed.client.post(
        "/api/v1/admin/users",
        json={"username": "newbie", "display_name": "Newbie", "role": "member"},
        headers=owner.headers,
    )
    assert r.status_code == 201, r.text
    newbie = await claimed.login("newbie", r.json()["one_time_code"])
    error, close = await refused(claimed, auth_frame(newbie.access_token))
    assert (error["code"], close) == ("password_change_required", CLOSE_AUTH_FAILED)


async def test_no_auth_frame_in_time_closes_with_4002(tmp_path: Path) -> None:
    async with running(make_settings(tmp_path, ws_auth_timeout_s=0.5)) as r:
        ws = await open_raw(r)
        start = time.monotonic()
        try:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert reply["type"] == "auth_invalid", reply
            assert reply["error"]["code"] == "unauthenticated", reply
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
        finally:
            await ws.close()
        took = time.monotonic() - start
        assert ws.close_code == CLOSE_AUTH_TIMEOUT
        assert 0.3 < took < 5, took


# --- 2. envelopes and command bodies ------------------------------------------------------------


class Raw:
    """An authenticated connection sending frames exactly as given."""

    def __init__(self, ws: ClientConnection, max_frame: int) -> None:
        self.ws = ws
        self.max_frame = max_frame
        self.last_id = 0

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, r: Running, session: Session) -> AsyncIterator[Raw]:
        ws = await open_raw(r, max_size=None)
        try:
            await ws.send(auth_frame(session.access_token))
            ok = json.loads(await ws.recv())
            assert ok["type"] == "auth_ok", ok
            yield cls(ws, r.server.settings.ws_max_frame_bytes)
        finally:
            await ws.close()

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id

    async def answer(self, data: str | bytes) -> dict[str, Any]:
        """Sends one frame; returns the next result (events are skipped)."""
        await self.ws.send(data)
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            if frame.get("type") == "result":
                return dict(frame)

    async def command(self, type_: str, **body: Any) -> dict[str, Any]:
        cmd_id = self.next_id()
        frame = await self.answer(json.dumps({"id": cmd_id, "type": type_, **body}))
        assert frame["id"] == cmd_id, frame
        return frame

    async def alive(self, what: str) -> None:
        frame = await self.command("ping")
        assert frame["success"] is True, f"after {what}: {frame}"

    async def refuses(self, data: str | bytes, code: str, cmd_id: int | None, what: str) -> None:
        check_error_result(await self.answer(data), code, cmd_id, what)
        await self.alive(what)


async def test_bad_envelopes_get_an_error_and_the_connection_lives(claimed: Running) -> None:
    assert claimed.owner is not None
    async with Raw.open(claimed, claimed.owner) as raw:
        await raw.alive("opening")
        no_id = [
            ("invalid JSON", "{nope"),
            ("empty text", ""),
            ("whitespace", "  \n"),
            ("NaN", "NaN"),
            ("JSON array", "[]"),
            ("JSON array of a command", json.dumps([{"id": 99, "type": "ping"}])),
            ("JSON number", "42"),
            ("JSON string", '"ping"'),
            ("JSON null", "null"),
            ("JSON true", "true"),
            ("missing id", json.dumps({"type": "ping"})),
            ("id 0", json.dumps({"id": 0, "type": "ping"})),
            ("negative id", json.dumps({"id": -5, "type": "ping"})),
            ("string id", json.dumps({"id": "7", "type": "ping"})),
            ("boolean id true", json.dumps({"id": True, "type": "ping"})),
            ("boolean id false", json.dumps({"id": False, "type": "ping"})),
            ("float id", json.dumps({"id": 1000.0, "type": "ping"})),
            ("null id", json.dumps({"id": None, "type": "ping"})),
            ("list id", json.dumps({"id": [1000], "type": "ping"})),
            ("id above 2**62", json.dumps({"id": 2**62 + 1, "type": "ping"})),
            ("huge id", '{"id": 1' + "0" * 400 + ', "type": "ping"}'),
            ("deep nesting", "[" * 5000 + "]" * 5000),
            ("deep nesting, unclosed", "[" * 20_000),
            ("a command with a deep value", '{"id": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}"),
        ]
        for what, text in no_id:
            await raw.refuses(text, "invalid_frame", None, what)

        for what, data in [
            ("binary junk", b"\x00\xff\xfe\x80junk"),
            ("empty binary", b""),
            ("a valid command as binary", json.dumps({"id": 10**6, "type": "ping"}).encode()),
        ]:
            await raw.refuses(data, "invalid_frame", None, what)

        # Ids must increase: a repeat and a smaller one are refused, with their own id.
        top = raw.next_id()
        frame = await raw.answer(json.dumps({"id": top, "type": "ping"}))
        assert frame["success"] is True, frame
        for what, again in [("repeated id", top), ("decreasing id", top - 1)]:
            await raw.refuses(
                json.dumps({"id": again, "type": "ping"}), "id_not_increasing", again, what
            )
        # Gaps are fine, and a refused stale id did not move the counter back.
        jump = raw.last_id + 1000
        frame = await raw.answer(json.dumps({"id": jump, "type": "ping"}))
        assert frame["success"] is True, frame
        raw.last_id = jump
        await raw.refuses(
            json.dumps({"id": jump - 1, "type": "ping"}), "id_not_increasing", jump - 1, "below"
        )

        unknown: list[tuple[str, dict[str, Any]]] = [
            ("unknown type", {"type": "nope"}),
            ("type of another case", {"type": "PING"}),
            ("the auth frame again", {"type": "auth", "access_token": "x"}),
            ("missing type", {}),
            ("numeric type", {"type": 5}),
            ("null type", {"type": None}),
            ("list type", {"type": ["ping"]}),
        ]
        for what, obj in unknown:
            cmd_id = raw.next_id()
            await raw.refuses(json.dumps({"id": cmd_id, **obj}), "unknown_command", cmd_id, what)

        # A lone surrogate can only come escaped; it is not Unicode, so the frame is not
        # JSON the server reads, whatever field holds it. A proper pair ("\ud83d\ude00") is
        # just an emoji.
        for where in ("text", "client_id", "unknown_field"):
            cmd_id = raw.next_id()
            body = {"id": cmd_id, "type": "message/send", "conversation_id": 1, "client_id": "c"}
            await raw.refuses(
                json.dumps({**body, "text": "hi", where: "a\ud800b"}),
                "invalid_frame",
                None,
                f"lone surrogate in {where}",
            )
        frame = await raw.command("conversation/join", token="\ud83d\ude00")
        check_error_result(frame, "invalid_invite", raw.last_id, "an emoji as an invite token")


async def test_frames_above_the_limit_are_refused_by_size(claimed: Running) -> None:
    assert claimed.owner is not None
    async with Raw.open(claimed, claimed.owner) as raw:
        limit = raw.max_frame

        def padded(size: int, fill: str, cmd_id: int) -> str:
            """A ping frame of exactly ``size`` UTF-8 bytes, padded with ``fill``."""
            head = json.dumps({"id": cmd_id, "type": "ping", "pad": ""})
            room = size - len(head.encode())
            pad = fill * (room // len(fill.encode()))
            pad += "a" * (room - len(pad.encode()))
            text = head[:-2] + pad + head[-2:]
            assert len(text.encode()) == size
            return text

        await raw.refuses("x" * 100_000, "frame_too_large", None, "100 KB of text")
        await raw.refuses(
            json.dumps({"id": raw.last_id + 1, "type": "ping", "pad": "p" * 100_000}),
            "frame_too_large",
            None,
            "a 100 KB command",
        )
        for fill in ("a", "汉", "😀"):
            # One byte over: too large, however few characters that is.
            over = padded(limit + 1, fill, raw.last_id + 1)
            await raw.refuses(over, "frame_too_large", None, f"limit+1 {fill}")
            # At the limit: read, and refused only for its unknown field.
            cmd_id = raw.next_id()
            check_error_result(
                await raw.answer(padded(limit, fill, cmd_id)),
                "invalid_request",
                cmd_id,
                f"limit {fill}",
            )
            await raw.alive(f"limit {fill}")


# Valid values for every field name the commands use: a command added later with a new field
# name fails here until it gets one.
SAMPLE: dict[str, Any] = {
    "conversation_id": 1,
    "client_id": "c-1",
    "text": "hello",
    "reply_to": None,
    "attachments": [],
    "seq": 1,
    "emoji": "👍",
    "remove": False,
    "before": None,
    "after": None,
    "limit": 5,
    "cursors": {},
    "recent": 5,
    "user_id": 2,
    "user_ids": [2],
    "member_ids": [],
    "name": "Team",
    "topic": "",
    "avatar": "",
    "role": "member",
    "expires_in_hours": 1,
    "token": "tok",
    "subscription": 1,
}

# Values of the wrong type, for a field of each JSON type (wrong under pydantic's lax rules too:
# it would take "5" for an integer).
WRONG: dict[str, list[Any]] = {
    "integer": ["abc", 1.5, [1], {"n": 1}],
    "string": [12345, False, ["x"], {"s": "x"}],
    "boolean": ["perhaps", 2, [True]],
    "array": ["abc", {"a": 1}, [[]], 7],
    "object": [[1], "abc", {"k": [None]}],
    "enum": ["boss", 5, ["member"]],
}


def _field_types(model: type[BaseModel], name: str) -> set[str]:
    schema = model.model_json_schema()
    prop = schema["properties"][name]
    options = prop.get("anyOf", [prop])
    types: set[str] = set()
    for option in options:
        if "$ref" in option:
            option = schema["$defs"][option["$ref"].rsplit("/", 1)[1]]
        types.add("enum" if "enum" in option else option["type"])
    return types


def command_fields(type_name: str) -> tuple[dict[str, Any], list[str], list[str]]:
    """A minimal valid body, the required field names and all field names (id and type aside)."""
    model = HANDLERS[type_name][0]
    names = [n for n in model.model_fields if n not in ("id", "type")]
    required = [n for n in names if model.model_fields[n].is_required()]
    missing = [n for n in names if n not in SAMPLE]
    assert not missing, f"{type_name}: add a valid sample for {missing} to SAMPLE"
    body = {n: SAMPLE[n] for n in required}
    model.model_validate({"id": 1, "type": type_name, **body})  # the sample really is valid
    return body, required, names


@pytest.mark.parametrize("type_name", sorted(HANDLERS))
async def test_bad_command_bodies_get_invalid_request(claimed: Running, type_name: str) -> None:
    model = HANDLERS[type_name][0]
    body, required, names = command_fields(type_name)
    cases: list[tuple[str, dict[str, Any], str]] = []
    for name in required:
        cases.append((f"missing {name}", {k: v for k, v in body.items() if k != name}, name))
    for name in names:
        types = _field_types(model, name)
        wrong = [v for t in types - {"null"} for v in WRONG[t]]
        if "null" not in types:
            wrong.append(None)
        for value in wrong:
            bad = {**body, name: value}
            with pytest.raises(ValidationError):  # the test's own idea of "wrong"
                model.model_validate({"id": 1, "type": type_name, **bad})
            cases.append((f"{name}={value!r}", bad, name))
    cases.append(("an unknown field", {**body, "zzz": 1}, "zzz"))
    cases.append(("an unknown field named like a field", {**body, "Text": "x"}, "Text"))

    assert claimed.owner is not None
    async with Raw.open(claimed, claimed.owner) as raw:
        for what, bad, field_name in cases:
            cmd_id = raw.next_id()
            frame = await raw.answer(json.dumps({"id": cmd_id, "type": type_name, **bad}))
            check_error_result(frame, "invalid_request", cmd_id, f"{type_name} {what}")
            fields = [d["field"] for d in frame["error"]["details"]]
            assert any(f.split(".")[0] == field_name for f in fields), (what, frame)
            await raw.alive(f"{type_name} {what}")


# --- 3. fuzzing -------------------------------------------------------------------------------

TEXT_CHARS = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from("中文字符汉语你好\x00\x01\x07\x1b\x7f\u2028\u2029\ufeff\u200b\ud800\udfff"),
)
TEXTS = st.text(TEXT_CHARS, max_size=20)
# Lone surrogates: no text frame can carry one, but JSON can, escaped ("\ud800").
SURROGATES = st.text(st.sampled_from("a中\ud800\udbff\udc00\udfff"), min_size=1, max_size=4)
KEYS = TEXTS | SURROGATES
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-3, max_value=12)
    | st.floats(allow_nan=False)
    | TEXTS
    | SURROGATES
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def json_text(value: Any, *, ascii_only: bool = False) -> str:
    """JSON text that a text frame can carry: lone surrogates go as escapes."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        text.encode()
    except UnicodeEncodeError:
        text = json.dumps(value)
    return text


# Ids are given at send time: the next one up, the last one again, or one of these.
NEXT, STALE, ABSENT = "<next>", "<stale>", "<absent>"
BAD_IDS = [0, -1, "5", True, False, 1.5, None, [], {}, 2**62 + 1, 2**80]
# Every command, with those that store events more often.
COMMAND_TYPES = sorted(HANDLERS) + ["message/send"] * 8 + ["message/edit", "message/react"] * 3
GARBAGE_TYPES = ["", "PING", "message/", "message/send ", "auth", "event", "result", "../ping"]

# What each acknowledged command stores.
KIND_OF = {
    "message/send": "message",
    "message/edit": "edit",
    "message/delete": "delete",
    "message/react": "reaction",
    "conversation/add_members": "member_added",
    "conversation/remove_member": "member_removed",
    "conversation/leave": "member_left",
    "conversation/update": "updated",
    "conversation/set_role": "role_changed",
}


@dataclass(frozen=True)
class Shaped:
    """A frame shaped like a command: ``type``, ``id`` (given when sent) and fields."""

    type: Any
    id: Any
    fields: dict[str, Any]


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Binary:
    data: bytes


@dataclass
class Done:
    """A command the server answered with success."""

    type: str
    cmd: Any  # the validated model
    result: dict[str, Any]


@dataclass
class FuzzWorld:
    server: RoostServer
    http: httpx.Client
    loop: asyncio.AbstractEventLoop
    ws: ClientConnection
    fuzzer: int
    buddy: int
    owner: int
    group: int
    # The group as set up: seq -> (kind, sender); messages -> text.
    seeded: dict[int, tuple[str, int]]
    seeded_text: dict[int, str]
    headers: dict[str, str]
    last_id: int = 0
    done: list[Done] = field(default_factory=list)
    frames: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def _mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> Any:
    """``usual`` four times in five: plain ``|`` would split evenly."""
    return st.integers(0, 4).flatmap(lambda i: usual if i else odd)


def _fuzz_strategies(world: FuzzWorld) -> st.SearchStrategy[list[Shaped | Text | Binary]]:
    g = world.group
    conv_ids = _mostly(st.sampled_from([g, g, g, g + 1, g + 2]), st.integers(-1, 2**63))
    user_ids = _mostly(
        st.sampled_from([world.fuzzer, world.buddy, world.owner, 999]), st.integers(-1, 50)
    )
    seqs = _mostly(st.integers(0, 12), st.integers(-(2**64), 2**64))
    texts = st.text(TEXT_CHARS, min_size=1, max_size=20)
    good: dict[str, st.SearchStrategy[Any]] = {
        "conversation_id": conv_ids,
        "client_id": _mostly(st.text("abc12._:-", min_size=1, max_size=3), TEXTS),
        "text": _mostly(
            texts,
            SURROGATES | st.sampled_from(["", "  ", "\n", "你好，世界", "x" * 4001, "😀" * 4000]),
        ),
        "reply_to": _mostly(st.none(), seqs),
        # Ids of uploads nobody made: never usable.
        "attachments": _mostly(
            st.just([]), st.lists(st.text("abcXYZ019_-", min_size=16), max_size=2)
        ),
        "seq": seqs,
        "emoji": _mostly(st.sampled_from(["👍", "❤️", "x"]), TEXTS),
        "remove": st.booleans(),
        "before": st.none() | seqs,
        "after": st.none() | seqs,
        "limit": st.integers(-1, 250),
        "cursors": st.dictionaries(st.integers(-1, 5).map(str), st.integers(-1, 20), max_size=3),
        "recent": st.integers(-1, 1001),
        "user_id": user_ids,
        "user_ids": st.lists(user_ids, max_size=3),
        "member_ids": st.lists(user_ids, max_size=3),
        "name": _mostly(st.sampled_from(["Team", " Spaced ", "新群"]), TEXTS),
        "topic": st.none() | TEXTS,
        "role": st.sampled_from(["owner", "admin", "member", "boss"]),
        "expires_in_hours": st.integers(-1, 24 * 31),
        "token": TEXTS,
    }

    @st.composite
    def shaped(draw: st.DrawFn) -> Shaped:
        # Mostly real commands with the next id, so that many get past the envelope.
        pick = draw(st.integers(0, 9))
        type_: Any = draw(
            st.sampled_from(COMMAND_TYPES)
            if pick < 8
            else st.sampled_from(GARBAGE_TYPES)
            if pick == 8
            else SCALARS
        )
        pick = draw(st.integers(0, 9))
        id_: Any = (
            NEXT
            if pick < 7
            else STALE
            if pick == 7
            else ABSENT
            if pick == 8
            else draw(st.sampled_from(BAD_IDS))
        )
        model = HANDLERS[type_][0] if isinstance(type_, str) and type_ in HANDLERS else None
        names = [n for n in model.model_fields if n not in ("id", "type")] if model else []
        fields: dict[str, Any] = {}
        for name in names:
            pick = draw(st.integers(0, 19))
            if pick == 0:
                continue  # left out
            fields[name] = draw(JSON_VALUES if pick == 1 else good.get(name, JSON_VALUES))
        if draw(st.integers(0, 19)) == 0:
            fields.update(draw(st.dictionaries(KEYS, JSON_VALUES, min_size=1, max_size=2)))
        if draw(st.integers(0, 19)) == 0:
            type_ = ABSENT
        return Shaped(None if type_ == ABSENT else type_, id_, fields)

    others = st.one_of(
        JSON_VALUES.map(lambda v: Text(json_text(v, ascii_only=True))),
        JSON_VALUES.map(lambda v: Text(json_text(v))),
        TEXTS.map(Text),
        st.binary(max_size=64).map(Binary),
    )
    frame = st.integers(0, 9).flatmap(lambda i: shaped() if i < 7 else others)
    return st.lists(frame, min_size=1, max_size=12)


def _materialise(world: FuzzWorld, frame: Shaped | Text | Binary) -> str | bytes:
    if isinstance(frame, Binary):
        return frame.data
    if isinstance(frame, Text):
        return frame.text
    obj: dict[str, Any] = {}
    if frame.id == NEXT:
        obj["id"] = world.last_id + 1
    elif frame.id == STALE:
        obj["id"] = world.last_id
    elif frame.id != ABSENT:
        obj["id"] = frame.id
    if frame.type is not None:
        obj["type"] = frame.type
    obj.update(frame.fields)
    return json_text(obj)


def _expect(world: FuzzWorld, data: str | bytes) -> tuple[str | None, int | None, Any]:
    """What the server must answer, from the protocol's validation order: (error code, or None
    for "the command runs"; the id of the answer; the validated command)."""
    if isinstance(data, bytes):
        return "invalid_frame", None, None
    if len(data.encode()) > world.server.settings.ws_max_frame_bytes:
        return "frame_too_large", None, None
    try:
        obj = jsonframes.loads(data)  # the server's reader: lone surrogates are not JSON to it
    except ValueError:
        return "invalid_frame", None, None
    cmd_id = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(cmd_id, int) or isinstance(cmd_id, bool) or not 1 <= cmd_id <= 2**62:
        return "invalid_frame", None, None
    assert isinstance(obj, dict)
    if cmd_id <= world.last_id:
        return "id_not_increasing", cmd_id, None
    world.last_id = cmd_id
    type_name = obj.get("type")
    if not isinstance(type_name, str) or type_name not in HANDLERS:
        return "unknown_command", cmd_id, None
    try:
        cmd = HANDLERS[type_name][0].model_validate(obj)
    except ValidationError:
        return "invalid_request", cmd_id, None
    return None, cmd_id, cmd


def _exchange(world: FuzzWorld, frame: Shaped | Text | Binary) -> None:
    data = _materialise(world, frame)
    code, cmd_id, cmd = _expect(world, data)
    try:
        answer = world.loop.run_until_complete(_next_result(world.ws, data))
    except ConnectionClosed as exc:
        raise AssertionError(f"the server closed the connection after {data!r}") from exc
    world.frames += 1
    what = f"{data!r} -> {answer}"
    assert answer["id"] == cmd_id, what
    if code is not None:
        check_error_result(answer, code, cmd_id, what)
        world.outcomes[code] = world.outcomes.get(code, 0) + 1
        return
    if answer["success"]:
        assert set(answer) == {"id", "type", "success", "result"}, what
        world.done.append(Done(cmd.type, cmd, answer["result"]))
        key = f"ok {cmd.type}"
    else:
        err = answer["error"]
        assert err["code"] in ERROR_CODES, what
        assert err["code"] != "internal_error", what
        key = f"refused {cmd.type}: {err['code']}"
    world.outcomes[key] = world.outcomes.get(key, 0) + 1


def _events(world: FuzzWorld, conv: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = 0
    while True:
        r = world.http.get(
            f"/api/v1/conversations/{conv}/events",
            params={"after": after, "limit": 200},
            headers=world.headers,
        )
        assert r.status_code == 200, r.text
        page = r.json()
        out.extend(page["events"])
        if not page["has_more"]:
            return out
        after = out[-1]["seq"]


@dataclass
class _Msg:
    sender: int
    text: str
    reply_to: int | None = None
    edited: bool = False
    deleted: bool = False
    reactions: dict[str, set[int]] = field(default_factory=dict)


def _check_store(world: FuzzWorld) -> None:
    """Every stored event was acknowledged to a well-formed command (or set up by the test), and
    every acknowledged command stored exactly what it said."""
    me = world.fuzzer
    base: dict[int, set[int]] = {world.group: set(world.seeded)}
    created: dict[int, dict[str, Any]] = {}  # conversation -> content of its created event
    acked: dict[int, dict[int, Done]] = {}
    repeats: list[Done] = []
    msgs: dict[tuple[int, int], _Msg] = {
        (world.group, s): _Msg(world.seeded[s][1], t) for s, t in world.seeded_text.items()
    }
    edits_of: dict[tuple[int, int], list[int]] = {}
    members: dict[int, set[int]] = {world.group: {me, world.buddy, world.owner}}
    added: dict[tuple[int, int], list[int]] = {}  # who each member_added event names
    for d in world.done:
        c, res = d.cmd, d.result
        if d.type == "conversation/create_group":
            members_ids = sorted({me, *c.member_ids})
            created[res["id"]] = {
                "kind": "group",
                "name": c.name,
                "topic": c.topic,
                "member_ids": members_ids,
            }
            members[res["id"]] = set(members_ids)
        elif d.type == "conversation/create_direct":
            pair = sorted({me, c.user_id})
            created.setdefault(
                res["id"], {"kind": "direct", "name": "", "topic": "", "member_ids": pair}
            )
            members.setdefault(res["id"], set(pair))
        elif d.type in KIND_OF:
            assert set(res) == {"conversation_id", "seq", "created_at", "duplicate"}, d
            if res["duplicate"]:
                # A repeated client_id: nothing new, the first ack again.
                assert d.type.startswith("message/"), d
                repeats.append(d)
                continue
            conv, seq = res["conversation_id"], res["seq"]
            assert conv == c.conversation_id, d
            assert seq not in acked.setdefault(conv, {}), d
            acked[conv][seq] = d
    for conv in created:
        base[conv] = {1}
    # Replay the acknowledged commands in commit order to get each message's final state.
    for conv in sorted(acked):
        for seq in sorted(acked[conv]):
            d = acked[conv][seq]
            c = d.cmd
            if d.type == "message/send":
                msgs[(conv, seq)] = _Msg(me, c.text, c.reply_to)
            elif d.type == "message/edit":
                target = msgs[(conv, c.seq)]
                assert not target.deleted and target.sender == me, d
                target.text, target.edited = c.text, True
                edits_of.setdefault((conv, c.seq), []).append(seq)
            elif d.type == "message/delete":
                target = msgs[(conv, c.seq)]
                assert not target.deleted, d
                target.deleted, target.reactions = True, {}
            elif d.type == "conversation/add_members":
                added[(conv, seq)] = sorted(set(c.user_ids) - members[conv])
                assert added[(conv, seq)], d  # adding nobody new is refused
                members[conv] |= set(c.user_ids)
            elif d.type == "conversation/remove_member":
                assert c.user_id in members[conv], d
                members[conv].discard(c.user_id)
            elif d.type == "conversation/leave":
                members[conv].discard(me)
            elif d.type == "message/react":
                target = msgs[(conv, c.seq)]
                assert not target.deleted, d
                users = target.reactions.setdefault(c.emoji, set())
                if c.remove:
                    users.discard(me)
                else:
                    users.add(me)
    scrubbed = {(c, e) for (c, s), es in edits_of.items() if msgs[(c, s)].deleted for e in es}

    r = world.http.get("/api/v1/conversations", headers=world.headers)
    assert r.status_code == 200, r.text
    visible = {c["id"] for c in r.json()["conversations"]}
    assert visible == set(base), (visible, set(base))
    everything: dict[tuple[int, int], dict[str, Any]] = {}
    for conv in sorted(visible):
        stored = _events(world, conv)
        everything.update({(conv, e["seq"]): e for e in stored})
        seqs = [e["seq"] for e in stored]
        expected = sorted(base[conv] | set(acked.get(conv, {})))
        assert seqs == expected, f"conversation {conv}: stored {seqs}, acknowledged {expected}"
        for e in stored:
            seq = e["seq"]
            what = f"conversation {conv} event {e}"
            msg = msgs.get((conv, seq))
            if msg is not None:
                assert e["kind"] == "message", what
                assert e["sender_id"] == msg.sender, what
                assert e["deleted"] is msg.deleted, what
                if msg.deleted:
                    assert e["content"] is None, what
                else:
                    want: dict[str, Any] = {"text": msg.text}
                    if msg.reply_to is not None:
                        want["reply_to"] = msg.reply_to
                    assert e["content"] == want, what
                    assert (e["edited_at"] is not None) is msg.edited, what
                reactions = {k: sorted(v) for k, v in msg.reactions.items() if v}
                assert e["reactions"] == reactions, what
                continue
            assert e["reactions"] == {}, what
            if seq in base[conv]:
                if conv in created:
                    assert e["kind"] == "created", what
                    assert e["sender_id"] == me, what
                    assert e["content"] == created[conv], what
                else:
                    assert (e["kind"], e["sender_id"]) == world.seeded[seq], what
                continue
            d = acked[conv][seq]
            c = d.cmd
            assert e["kind"] == KIND_OF[d.type], what
            assert e["sender_id"] == me, what
            content: dict[str, Any] | None
            if d.type == "message/edit":
                assert (e["client_id"], e["target_seq"]) == (c.client_id, c.seq), what
                content = None if (conv, seq) in scrubbed else {"text": c.text}
            elif d.type == "message/delete":
                assert (e["client_id"], e["target_seq"]) == (c.client_id, c.seq), what
                content = {}
            elif d.type == "message/react":
                assert (e["client_id"], e["target_seq"]) == (c.client_id, c.seq), what
                content = {"emoji": c.emoji, "op": "remove" if c.remove else "add"}
            else:
                assert e["client_id"] is None, what
                if d.type == "conversation/add_members":
                    content = {"user_ids": added[(conv, seq)]}
                elif d.type == "conversation/remove_member":
                    content = {"user_id": c.user_id}
                elif d.type == "conversation/leave":
                    content = {"user_id": me}
                elif d.type == "conversation/set_role":
                    content = {"user_id": c.user_id, "role": c.role.value}
                else:
                    assert d.type == "conversation/update", what
                    content = {
                        k: v for k, v in (("name", c.name), ("topic", c.topic)) if v is not None
                    }
            assert e["content"] == content, what
            assert e["deleted"] is ((conv, seq) in scrubbed), what
    for d in repeats:
        first = everything[(d.result["conversation_id"], d.result["seq"])]
        assert (first["sender_id"], first["client_id"]) == (me, d.cmd.client_id), (d, first)


def _signed_in(http: httpx.Client, username: str, password: str) -> dict[str, Any]:
    r = http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _fuzz_user(http: httpx.Client, owner: dict[str, str], username: str) -> dict[str, Any]:
    r = http.post(
        "/api/v1/admin/users",
        json={"username": username, "display_name": username.title(), "role": "member"},
        headers=owner,
    )
    assert r.status_code == 201, r.text
    first = _signed_in(http, username, r.json()["one_time_code"])
    r = http.post(
        "/api/v1/me/password",
        json={"current_password": r.json()["one_time_code"], "new_password": PASSWORD},
        headers={"Authorization": f"Bearer {first['access_token']}"},
    )
    assert r.status_code == 200, r.text
    return first


async def _next_result(ws: ClientConnection, data: str | bytes) -> dict[str, Any]:
    """Sends one frame; returns the next result (events, after a sync, are skipped)."""
    await ws.send(data)
    async with asyncio.timeout(15):
        while True:
            answer = json.loads(await ws.recv())
            if answer.get("type") == "result":
                return dict(answer)
            assert answer.get("type") == "event", answer


async def _signed_in_ws(srv: RoostServer, token: str) -> ClientConnection:
    ws = await connect(ws_url(srv.base_url), ssl=ssl_of(srv), proxy=None, ping_interval=None)
    assert json.loads(await ws.recv())["type"] == "auth_required"
    await ws.send(auth_frame(token))
    assert json.loads(await ws.recv())["type"] == "auth_ok"
    return ws


async def _call(ws: ClientConnection, cmd_id: int, type_: str, **body: Any) -> dict[str, Any]:
    frame = await _next_result(ws, json.dumps({"id": cmd_id, "type": type_, **body}))
    assert frame["id"] == cmd_id and frame["success"], frame
    return dict(frame["result"])


async def _seed(srv: RoostServer, fuzzer: str, buddy: str, members: list[int]) -> Any:
    """The group: the fuzzer owns it; three messages of theirs and one of buddy's. Returns the
    fuzzer's open connection, the group's id, and its messages by seq."""
    ws = await _signed_in_ws(srv, fuzzer)
    group = await _call(ws, 1, "conversation/create_group", name="Fuzz", member_ids=members)
    g = group["id"]
    texts: dict[int, tuple[str, str]] = {}
    for i in range(3):
        body = {"conversation_id": g, "client_id": f"seed{i}", "text": f"seed {i}"}
        ack = await _call(ws, 2 + i, "message/send", **body)
        texts[ack["seq"]] = ("fuzzer", f"seed {i}")
    bws = await _signed_in_ws(srv, buddy)
    try:
        ack = await _call(bws, 1, "message/send", conversation_id=g, client_id="b", text="hi")
        texts[ack["seq"]] = ("buddy", "hi")
    finally:
        await bws.close()
    return ws, g, texts


@contextlib.contextmanager
def fuzz_world(tmp_path: Path) -> Iterator[FuzzWorld]:
    conf = make_settings(tmp_path, send_rate_per_s=100_000, send_burst=100_000)
    with (
        running_in_thread(conf) as srv,
        httpx.Client(base_url=srv.base_url, verify=ssl_of(srv), timeout=20) as http,
    ):
        r = http.post(
            "/api/v1/setup/claim",
            json={
                "setup_code": srv.rt.read_setup_code_blocking(),
                "server_name": "Family",
                "admin": {"username": "owner", "display_name": "Owner", "password": PASSWORD},
            },
        )
        assert r.status_code == 200, r.text
        owner = r.json()["tokens"]
        owner_headers = {"Authorization": f"Bearer {owner['access_token']}"}
        _fuzz_user(http, owner_headers, "fuzzer")
        _fuzz_user(http, owner_headers, "buddy")
        fuzzer = _signed_in(http, "fuzzer", PASSWORD)
        buddy = _signed_in(http, "buddy", PASSWORD)
        f_id, b_id, o_id = fuzzer["user"]["id"], buddy["user"]["id"], owner["user"]["id"]

        # The client side runs on a private event loop, driven from this thread. (Not the
        # websockets sync client: it reads and writes one TLS socket from two threads, which
        # OpenSSL does not allow, and now and then its opening handshake hangs.)
        loop = asyncio.new_event_loop()
        ws, g, texts = loop.run_until_complete(
            _seed(srv, fuzzer["access_token"], buddy["access_token"], [b_id, o_id])
        )
        try:
            ids = {"fuzzer": f_id, "buddy": b_id}
            seeded = {1: ("created", f_id)} | {
                s: ("message", ids[w]) for s, (w, _) in texts.items()
            }
            assert sorted(seeded) == list(range(1, len(seeded) + 1))
            yield FuzzWorld(
                server=srv,
                http=http,
                loop=loop,
                ws=ws,
                fuzzer=f_id,
                buddy=b_id,
                owner=o_id,
                group=g,
                seeded=seeded,
                seeded_text={s: t for s, (_, t) in texts.items()},
                headers={"Authorization": f"Bearer {fuzzer['access_token']}"},
                last_id=4,
            )
        finally:
            loop.run_until_complete(ws.close())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()


def test_fuzzed_frames_never_close_crash_or_store_anything_unacknowledged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with fuzz_world(tmp_path) as world:
        at_g = {"conversation_id": world.group}

        @settings(
            max_examples=200,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(frames=_fuzz_strategies(world))
        # Commands that store events, whatever the draw: the store check always has some.
        @example(frames=[Shaped("message/send", NEXT, {**at_g, "client_id": "e1", "text": "x"})])
        @example(
            frames=[
                Shaped("message/edit", NEXT, {**at_g, "client_id": "e2", "seq": 2, "text": "y"}),
                Shaped("message/react", NEXT, {**at_g, "client_id": "e3", "seq": 3, "emoji": "👍"}),
                Shaped("message/delete", NEXT, {**at_g, "client_id": "e4", "seq": 4}),
                Shaped(
                    "message/send", NEXT, {**at_g, "client_id": "e5", "text": "z", "reply_to": 2}
                ),
            ]
        )
        def fuzz(frames: list[Shaped | Text | Binary]) -> None:
            for frame in frames:
                _exchange(world, frame)

        fuzz()

        # The membership commands, through the same checks: a group handed over and left.
        _exchange(world, Shaped("conversation/create_group", NEXT, {"name": "Later"}))
        later = {"conversation_id": world.done[-1].result["id"]}
        script: list[tuple[str, dict[str, Any]]] = [
            ("conversation/add_members", {"user_ids": [world.buddy, world.owner]}),
            ("conversation/remove_member", {"user_id": world.owner}),
            ("conversation/update", {"topic": "handing over"}),
            ("message/send", {"client_id": "later", "text": "bye"}),
            ("conversation/set_role", {"user_id": world.buddy, "role": "owner"}),
            ("conversation/leave", {}),
        ]
        for type_, body in script:
            _exchange(world, Shaped(type_, NEXT, {**later, **body}))
            assert world.done[-1].type == type_, world.done[-1]

        # Alive: a ping on the same connection, and the health check.
        world.loop.run_until_complete(_call(world.ws, world.last_id + 1, "ping"))
        world.last_id += 1
        assert world.http.get("/healthz").status_code == 200
        _check_store(world)
        logging.getLogger(__name__).info(
            "fuzzing: %d frames; %s", world.frames, sorted(world.outcomes.items())
        )
        # The fuzzing reached the commands' bodies, not just the envelope checks.
        assert world.outcomes.get("invalid_request", 0) > 10, world.outcomes

        # The server ends the connection, not the client: uvicorn's shutdown trips over a
        # connection whose client began the closing handshake a moment before (InvalidState).
        r = world.http.post("/api/v1/auth/logout", headers=world.headers)
        assert r.status_code == 204, r.text
        world.loop.run_until_complete(asyncio.wait_for(world.ws.wait_closed(), 10))
        assert world.ws.close_code == CLOSE_SESSION_ENDED
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


# --- 4. a slow client ----------------------------------------------------------------------------

FLOOD_BATCH = 20


def _has_messages(client: WsClient, conv: int, n: int, _events: object) -> bool:
    return len(client.messages(conv)) >= n


async def _stalled(r: Running, session: Session) -> tuple[ClientConnection, dict[str, Any]]:
    """A synced client that then stops reading: a small receive buffer, no compression
    (repetitive text would shrink to nothing), and websockets pauses reading from the socket
    once ``max_queue`` frames wait unread. Returns it and its ``auth_ok``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", r.rt.bound_port))
    ws = await connect(
        ws_url(r.server.base_url),
        sock=sock,
        ssl=ssl_of(r),
        proxy=None,
        compression=None,
        max_queue=1,
        max_size=None,
        ping_interval=None,
    )
    assert json.loads(await ws.recv())["type"] == "auth_required"
    await ws.send(auth_frame(session.access_token))
    ok = json.loads(await ws.recv())
    assert ok["type"] == "auth_ok", ok
    await ws.send(json.dumps({"id": 1, "type": "sync"}))
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("type") == "result":
            assert frame["success"], frame
            break
    assert ok["session_id"] in r.rt.hub.sessions()
    return ws, ok


async def _flood(sender: WsClient, conv: int, first: int) -> int:
    """One batch of big messages (4000 characters, 12 KB each); returns how many."""
    batch = [
        sender.call(
            "message/send",
            conversation_id=conv,
            client_id=f"m{first + i}",
            text=f"{first + i:06d}" + "汉字" * 1997,
        )
        for i in range(FLOOD_BATCH)
    ]
    for ack in await asyncio.gather(*batch):
        assert ack["duplicate"] is False
    return len(batch)


async def test_a_client_that_stops_reading_is_disconnected(tmp_path: Path) -> None:
    conf = make_settings(tmp_path, ws_queue_frames=50, send_rate_per_s=100_000, send_burst=100_000)
    async with running(conf) as r:
        owner = await r.claim()
        slow_user = await r.add_user("slowpoke")
        other = await r.add_user("other")
        ctx = ssl_of(r)
        sender = await WsClient.open(r.server.base_url, owner.access_token, ctx)
        watcher = await WsClient.open(r.server.base_url, other.access_token, ctx)
        group = await sender.call(
            "conversation/create_group",
            name="Flood",
            member_ids=[slow_user.user_id, other.user_id],
        )
        g = group["id"]
        await watcher.call("sync")

        slow, ok = await _stalled(r, slow_user)
        try:
            # Flood until the server lets the slow client go: big texts fill the TCP buffers
            # quickly. Batches stay well below the queue limit and the watcher keeps up after
            # each one: a queue of 50 frames is not room for more.
            sent = 0
            started = time.monotonic()
            while ok["session_id"] in r.rt.hub.sessions():
                assert sent < 6_000, "the slow client was never disconnected"
                sent += await _flood(sender, g, sent)
                # Everyone else gets every message as it comes.
                await watcher.wait_for(functools.partial(_has_messages, watcher, g, sent + 1))
            flood_s = time.monotonic() - started

            seqs = [e["seq"] for e in watcher.messages(g)]
            assert seqs == list(range(1, sent + 2)), seqs[:5]
            assert not watcher.closed.done() and not sender.closed.done()
            await sender.call("ping")
            await watcher.call("ping")

            # The slow client finds, once it reads again, what the TCP buffers held and then the
            # end: 4008, or a dropped connection.
            got = await _read_until_closed(slow)
            assert slow.close_code in (CLOSE_TOO_SLOW, 1006), slow.close_code
            assert got < sent, (got, sent)
            logging.getLogger(__name__).info(
                "slow client: dropped after %d messages in %.1f s; it read %d, then %s",
                sent,
                flood_s,
                got,
                slow.close_code,
            )
        finally:
            await slow.close()
            await sender.close()
            await watcher.close()


async def _read_until_closed(ws: ClientConnection) -> int:
    """Reads until the connection ends; returns how many events came."""
    got = 0
    async with asyncio.timeout(30):
        while True:
            try:
                frame = json.loads(await ws.recv())
            except ConnectionClosed:
                return got
            got += frame.get("type") == "event"


async def test_ending_the_session_of_a_stalled_client_drops_it(tmp_path: Path) -> None:
    """The server's send to a client that stopped reading never completes; ending the session
    must not wait for it."""
    conf = make_settings(tmp_path, send_rate_per_s=100_000, send_burst=100_000)
    async with running(conf) as r:
        owner = await r.claim()
        slow_user = await r.add_user("slowpoke")
        sender = await WsClient.open(r.server.base_url, owner.access_token, ssl_of(r))
        group = await sender.call(
            "conversation/create_group", name="Flood", member_ids=[slow_user.user_id]
        )
        slow, ok = await _stalled(r, slow_user)
        try:
            # ~7 MB: more than the TCP buffers hold, far less than the queue's 2000 frames.
            sent = 0
            while sent < 600:
                sent += await _flood(sender, group["id"], sent)
            r2 = await r.client.delete(
                f"/api/v1/me/sessions/{ok['session_id']}", headers=slow_user.headers
            )
            assert r2.status_code == 204, r2.text
            # At once, give or take the 2 s the server allows for a last flush.
            for _ in range(100):
                if ok["session_id"] not in r.rt.hub.sessions():
                    break
                await asyncio.sleep(0.05)
            assert ok["session_id"] not in r.rt.hub.sessions(), "still connected after 5 s"
            got = await _read_until_closed(slow)
            assert slow.close_code in (CLOSE_SESSION_ENDED, 1006), slow.close_code
            assert got < sent, (got, sent)
        finally:
            await slow.close()
            await sender.close()


# --- 5. revocation ------------------------------------------------------------------------------


async def _synced(r: Running, session: Session) -> WsClient:
    client = await WsClient.open(r.server.base_url, session.access_token, ssl_of(r))
    await client.call("sync")
    return client


async def _closed_at_once(client: WsClient, what: str) -> None:
    try:
        code, _ = await asyncio.wait_for(asyncio.shield(client.closed), AT_ONCE_S)
    except TimeoutError:
        raise AssertionError(f"{what}: still connected after {AT_ONCE_S} s") from None
    assert code == CLOSE_SESSION_ENDED, f"{what}: closed with {code}"


async def _still_open(client: WsClient, what: str) -> None:
    await client.call("ping")
    assert not client.closed.done(), what


@contextlib.asynccontextmanager
async def _clients(*clients: WsClient) -> AsyncIterator[None]:
    try:
        yield
    finally:
        for c in clients:
            await c.close()


async def test_revoking_a_session_closes_its_socket(claimed: Running) -> None:
    phone = await claimed.add_user("alice")
    laptop = await claimed.login("alice")
    a, b = await _synced(claimed, phone), await _synced(claimed, laptop)
    async with _clients(a, b):
        r = await claimed.client.delete(
            f"/api/v1/me/sessions/{laptop.session_id}", headers=phone.headers
        )
        assert r.status_code == 204, r.text
        await _closed_at_once(b, "revoked session")
        await _still_open(a, "the revoking session")
        with pytest.raises(CommandFailed, match="session_revoked"):
            await WsClient.open(claimed.server.base_url, laptop.access_token, ssl_of(claimed))


async def test_logging_out_closes_that_sessions_socket(claimed: Running) -> None:
    phone = await claimed.add_user("alice")
    laptop = await claimed.login("alice")
    a, b = await _synced(claimed, phone), await _synced(claimed, laptop)
    async with _clients(a, b):
        r = await claimed.client.post("/api/v1/auth/logout", headers=laptop.headers)
        assert r.status_code == 204, r.text
        await _closed_at_once(b, "logged out")
        await _still_open(a, "another session of the same user")


async def test_disabling_a_user_closes_all_their_sockets(claimed: Running) -> None:
    assert claimed.owner is not None
    phone = await claimed.add_user("alice")
    laptop = await claimed.login("alice")
    bob = await claimed.add_user("bob")
    a, b, c = (
        await _synced(claimed, phone),
        await _synced(claimed, laptop),
        await _synced(claimed, bob),
    )
    async with _clients(a, b, c):
        r = await claimed.client.post(
            f"/api/v1/admin/users/{phone.user_id}/disable", headers=claimed.owner.headers
        )
        assert r.status_code == 200, r.text
        await _closed_at_once(a, "disabled user, first session")
        await _closed_at_once(b, "disabled user, second session")
        await _still_open(c, "another user")


async def test_changing_the_password_closes_the_other_sessions_sockets(claimed: Running) -> None:
    phone = await claimed.add_user("alice")
    laptop = await claimed.login("alice")
    bob = await claimed.add_user("bob")
    a, b, c = (
        await _synced(claimed, phone),
        await _synced(claimed, laptop),
        await _synced(claimed, bob),
    )
    async with _clients(a, b, c):
        group = await c.call("conversation/create_group", name="G", member_ids=[phone.user_id])
        r = await claimed.client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "a new horse battery"},
            headers=phone.headers,
        )
        assert r.status_code == 200, r.text
        await _closed_at_once(b, "the other session")
        await _still_open(a, "the session that changed the password")
        # ... and it still gets live events.
        await c.call("message/send", conversation_id=group["id"], client_id="x", text="hi")
        await a.wait_for(lambda ev: any(e.get("kind") == "message" for e in ev))


async def test_revocation_closes_a_socket_that_has_not_synced(claimed: Running) -> None:
    """Authenticated but not synced yet: the session's end must close it all the same, or a
    revoked device keeps sending."""
    phone = await claimed.add_user("alice")
    laptop = await claimed.login("alice")
    a = await WsClient.open(claimed.server.base_url, laptop.access_token, ssl_of(claimed))
    async with _clients(a):
        await a.call("ping")
        r = await claimed.client.delete(
            f"/api/v1/me/sessions/{laptop.session_id}", headers=phone.headers
        )
        assert r.status_code == 204, r.text
        await _closed_at_once(a, "revoked, never synced")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
