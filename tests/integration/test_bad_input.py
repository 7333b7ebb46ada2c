"""Bad input anywhere gets a 4xx with ``{"error": {"code", "message"}}``, never a 500, and changes
nothing.

The operations come from the served OpenAPI document, so an endpoint added later is covered
without touching this file. Path parameters are real ids (a member, another of the owner's
sessions, an open invite) and valid-looking bodies carry real secrets (the owner's password and
refresh token, an invite token, the setup code): if the server ever accepted a bad variant it
would act for real, and the before/after comparison would show it.

Body-shape cases go only to operations that declare a request body: one without ignores its
body by design (``POST /auth/logout`` with a junk body still logs out). The size limit applies to
every operation.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.protocol.common import Request
from server.protocol.errors import ErrorCode
from tests.helpers.server import (
    PASSWORD,
    Running,
    Session,
    make_settings,
    pinned_context,
    running_in_thread,
)

ERROR_CODES = {c.value for c in ErrorCode}
JSON = {"Content-Type": "application/json"}
WRITES = ("post", "put", "delete")
HUGE = "99999999999999999999999"

# --- what every refusal looks like -------------------------------------------------------------


def error_of(r: httpx.Response, what: str) -> dict[str, Any]:
    """Asserts that ``r`` is a 4xx in the protocol's error shape; returns its ``error``."""
    assert 400 <= r.status_code < 500, f"{what}: {r.status_code} {r.text}"
    assert r.headers.get("content-type", "").startswith("application/json"), f"{what}: {r.text}"
    body = r.json()
    assert isinstance(body, dict), f"{what}: {r.text}"
    assert set(body) == {"error"}, f"{what}: {r.text}"
    err = body["error"]
    assert err["code"] in ERROR_CODES, f"{what}: {r.text}"
    assert isinstance(err["message"], str), f"{what}: {r.text}"
    assert err["message"], f"{what}: {r.text}"
    return dict(err)


def never_5xx(r: httpx.Response, what: str) -> None:
    assert r.status_code < 500, f"{what}: {r.status_code} {r.text}"
    if r.status_code >= 400:
        error_of(r, what)


@dataclass(frozen=True)
class Probe:
    """One bad request and the refusal it must get (``status`` None: any 4xx will do; ``lenient``:
    any answer but a 5xx)."""

    what: str
    method: str
    path: str
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None
    chunked: bool = False
    status: int | None = None
    code: str | None = None
    in_details: str | None = None  # a field the error's details must name
    lenient: bool = False


async def _pieces(data: bytes, size: int = 8192) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def check(client: httpx.AsyncClient, p: Probe) -> None:
    # as bytes, so that a header may carry what is not ASCII
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in p.headers.items()]
    content = _pieces(p.content) if p.chunked and p.content is not None else p.content
    try:
        r = await client.request(
            p.method, p.path, content=content, headers=headers, params=p.params
        )
    except httpx.TransportError as exc:  # a reset instead of an answer is a failure too
        raise AssertionError(f"{p.what}: no answer ({exc!r})") from exc
    if p.chunked:
        assert r.request.headers["transfer-encoding"] == "chunked", p.what
        assert "content-length" not in r.request.headers, p.what
    if p.lenient:
        never_5xx(r, p.what)
        return
    err = error_of(r, p.what)
    if p.status is not None:
        assert (r.status_code, err["code"]) == (p.status, p.code), f"{p.what}: {r.text}"
    if p.in_details is not None:
        assert p.in_details in [d["field"] for d in err.get("details", [])], f"{p.what}: {r.text}"


async def check_all(client: httpx.AsyncClient, probes: list[Probe], at_once: int = 16) -> None:
    """The probes are independent, so they run a few at a time to keep the barrage quick. All of
    them finish (none is cancelled half-way); then the first failure, if any, is raised."""
    assert probes
    gate = asyncio.Semaphore(at_once)

    async def one(p: Probe) -> None:
        async with gate:
            await check(client, p)

    results = await asyncio.gather(*(one(p) for p in probes), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        failures[0].add_note(f"{len(failures)} of {len(probes)} probes failed")
        raise failures[0]


# --- the served OpenAPI document -------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    path: str  # the template with plausible values in it
    body: dict[str, Any] | None  # the request body's JSON schema, if the operation takes one
    params: tuple[dict[str, Any], ...]
    # Takes raw bytes (upload chunks) under their own limit, upload_chunk_bytes, which
    # tests/integration/test_files.py checks; max_body_bytes is for JSON.
    raw: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


class Spec:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].removeprefix("#/components/schemas/")
            schema = self.doc["components"]["schemas"][name]
        return schema

    def is_integer(self, schema: dict[str, Any]) -> bool:
        options = schema.get("anyOf", [schema])
        return any(self.resolve(o).get("type") == "integer" for o in options)

    def placeholder(self, schema: dict[str, Any]) -> str:
        """A well-formed id for a path parameter the test has no real value for."""
        return "424242" if self.is_integer(schema) else "0123456789abcdef01234567"

    def operations(
        self, path_values: dict[str, str], methods: tuple[str, ...] = WRITES
    ) -> list[Operation]:
        ops = []
        for template, item in self.doc["paths"].items():
            for method, op in item.items():
                if method not in methods:
                    continue
                params = tuple(op.get("parameters", ()))
                path = template
                for p in params:
                    if p["in"] == "path":
                        value = path_values.get(p["name"]) or self.placeholder(p["schema"])
                        path = path.replace("{" + p["name"] + "}", value)
                content = op.get("requestBody", {}).get("content", {})
                media = content.get("application/json")
                body = self.resolve(media["schema"]) if media else None
                raw = "application/octet-stream" in content
                ops.append(Operation(method.upper(), template, path, body, params, raw))
        return ops

    def sample(self, schema: dict[str, Any], name: str, known: dict[str, Any]) -> Any:
        """A value that passes validation, preferring the real values in ``known``."""
        if name in known:
            return known[name]
        if "default" in schema:
            return schema["default"]
        s = self.resolve(schema)
        if "anyOf" in s:
            options = [o for o in s["anyOf"] if self.resolve(o).get("type") != "null"]
            return self.sample(options[0], name, known)
        if "enum" in s:
            return s["enum"][0]
        kind = s.get("type")
        if kind == "object":
            return {k: self.sample(v, k, known) for k, v in s.get("properties", {}).items()}
        if kind == "string":
            size = max(s.get("minLength", 1), min(s.get("maxLength", 64), 8))
            return ("valid123" * 8)[:size]
        if kind == "integer":
            return int(s.get("minimum", 1))
        if kind == "boolean":
            return True
        if kind == "array":
            return [self.sample(s.get("items", {}), name, known)]
        raise AssertionError(f"no sample value for {name!r}: {s}")

    def valid_body(self, op: Operation, known: dict[str, Any]) -> dict[str, Any]:
        assert op.body is not None
        body = self.sample(op.body, "", known)
        assert isinstance(body, dict)
        return body


async def fetch_spec(client: httpx.AsyncClient) -> Spec:
    r = await client.get("/api/v1/openapi.json")
    assert r.status_code == 200, r.text
    return Spec(r.json())


# --- bad variants of a valid-looking body ----------------------------------------------------


def _fields(value: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k), v
            yield from _fields(v, (*prefix, k))


def _with(body: dict[str, Any], where: tuple[str, ...], value: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(body))
    target = out
    for k in where[:-1]:
        target = target[k]
    target[where[-1]] = value
    return out


def _wrong_types(value: Any) -> list[Any]:
    """Numbers where strings go, strings where objects go, and so on: none of these coerce."""
    if isinstance(value, bool):
        return ["maybe"]
    if isinstance(value, str):
        return [12345, None, {"x": "y"}]
    if isinstance(value, int):
        return ["twelve", 1.5, None]
    if isinstance(value, dict):
        return ["x", [1, 2]]
    return ["x", None]


def body_probes(op: Operation, valid: dict[str, Any], headers: dict[str, str]) -> list[Probe]:
    """Every malformed variant of ``valid``, each with the refusal it must get."""
    raw = json.dumps(valid).encode()
    shapes = [
        ("invalid JSON", b"{bad", JSON),
        ("a JSON array", b"[1,2]", JSON),
        ("a JSON string", b'"x"', JSON),
        ("JSON null", b"null", JSON),
        ("a JSON number", b"1e999", JSON),
        ("an empty body", b"", JSON),
        ("a body that is not UTF-8", b'{"x": "\xff\xfe"}', JSON),
        ("a valid body but no Content-Type", raw, {}),
        ("a valid body as text/plain", raw, {"Content-Type": "text/plain"}),
    ]
    probes = [
        Probe(
            f"{op} with {label}",
            op.method,
            op.path,
            content,
            {**headers, **h},
            status=400,
            code="invalid_json",
        )
        for label, content, h in shapes
    ]
    objects = [(), *(where for where, v in _fields(valid) if isinstance(v, dict))]
    for where in objects:
        extra = _with({"_": valid}, ("_", *where, "unexpected_field"), 1)["_"]
        name = ".".join((*where, "unexpected_field"))
        probes.append(
            Probe(
                f"{op} with an unknown field {name}",
                op.method,
                op.path,
                json.dumps(extra).encode(),
                {**headers, **JSON},
                status=422,
                code="invalid_request",
                in_details=name,
            )
        )
    for where, value in _fields(valid):
        name = ".".join(where)
        for wrong in _wrong_types(value):
            probes.append(
                Probe(
                    f"{op} with {name}={wrong!r}",
                    op.method,
                    op.path,
                    json.dumps(_with(valid, where, wrong)).encode(),
                    {**headers, **JSON},
                    status=422,
                    code="invalid_request",
                    in_details=name,
                )
            )
    return probes


# --- "changes nothing" -----------------------------------------------------------------------


async def state_of(r: Running, owner: Session) -> dict[str, Any]:
    c, h = r.client, owner.headers
    users = await c.get("/api/v1/admin/users", headers=h)
    invites = await c.get("/api/v1/admin/invites", headers=h)
    audit = await c.get("/api/v1/admin/audit", params={"limit": 500}, headers=h)
    sessions = await c.get("/api/v1/me/sessions", headers=h)
    server = await c.get("/api/v1/server")
    for resp in (users, invites, audit, sessions, server):
        assert resp.status_code == 200, resp.text
    return {
        "users": users.json()["users"],
        "invites": invites.json()["invites"],
        "audit": audit.json()["entries"],
        # last_seen_at moves by itself; which sessions exist must not
        "sessions": sorted(s["id"] for s in sessions.json()["sessions"]),
        "server": server.json(),
    }


@contextlib.asynccontextmanager
async def changes_nothing(r: Running, owner: Session) -> AsyncIterator[None]:
    before = await state_of(r, owner)
    yield
    health = await r.client.get("/healthz")
    assert health.status_code == 200, health.text
    assert health.json() == {"status": "ok"}
    after = await state_of(r, owner)
    for key in before:
        assert after[key] == before[key], key


@dataclass
class World:
    """A claimed server with things to aim at: a member, an open invite, a second session."""

    r: Running
    owner: Session
    spec: Spec
    path_values: dict[str, str]
    known: dict[str, Any]

    @property
    def client(self) -> httpx.AsyncClient:
        return self.r.client


@pytest.fixture
async def world(claimed: Running) -> World:
    owner = claimed.owner
    assert owner is not None
    member = await claimed.add_user("target")
    other = await claimed.login(owner.username)
    invite = await claimed.client.post(
        "/api/v1/admin/invites", json={"note": "for the test"}, headers=owner.headers
    )
    assert invite.status_code == 201, invite.text
    return World(
        claimed,
        owner,
        await fetch_spec(claimed.client),
        path_values={
            "user_id": str(member.user_id),
            "session_id": other.session_id,
            "invite_id": invite.json()["invite"]["id"],
        },
        known={
            "setup_code": "AAAA-BBBB-CCCC",
            "username": "newcomer",
            "display_name": "Newcomer",
            "password": PASSWORD,
            "current_password": PASSWORD,
            "new_password": "a different good password",
            "refresh_token": owner.refresh_token,
            "invite": invite.json()["token"],
            "role": "admin",
            "code": "123456",
        },
    )


# --- the barrage -----------------------------------------------------------------------------


async def test_the_document_lists_what_the_barrage_must_cover(world: World) -> None:
    ops = world.spec.operations(world.path_values)
    names = {str(op) for op in ops}
    # a floor, not the list: the tests below take whatever the document says
    assert {
        "POST /api/v1/setup/claim",
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/logout",
        "POST /api/v1/me/password",
        "POST /api/v1/admin/users",
        "PUT /api/v1/admin/users/{user_id}/role",
        "DELETE /api/v1/admin/users/{user_id}",
        "DELETE /api/v1/admin/invites/{invite_id}",
        "DELETE /api/v1/me/sessions/{session_id}",
    } <= names
    assert sum(op.body is not None for op in ops) >= 10
    assert all("{" not in op.path for op in ops)


async def test_malformed_bodies_get_4xx_and_change_nothing(world: World) -> None:
    probes = []
    for op in world.spec.operations(world.path_values):
        if op.body is not None:
            valid = world.spec.valid_body(op, world.known)
            probes += body_probes(op, valid, world.owner.headers)
    async with changes_nothing(world.r, world.owner):
        await check_all(world.client, probes)
    # had a refresh above gone through, this token would be spent and its session ended
    r = await world.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": world.owner.refresh_token}
    )
    assert r.status_code == 200, r.text


async def test_oversized_bodies_get_413_with_or_without_content_length(world: World) -> None:
    limit = (await world.client.get("/api/v1/server")).json()["limits"]["max_body_bytes"]
    assert isinstance(limit, int)
    probes = []
    for op in world.spec.operations(world.path_values):
        if op.raw:
            continue
        for size in (limit + 1, 2 * limit):
            # valid JSON, so that the size is all there is to refuse
            data = b'{"pad": "' + b"x" * (size - 11) + b'"}'
            assert len(data) == size
            for chunked in (False, True):
                how = "chunked" if chunked else "with Content-Length"
                probes.append(
                    Probe(
                        f"{op} with {size} bytes {how}",
                        op.method,
                        op.path,
                        data,
                        {**world.owner.headers, **JSON},
                        chunked=chunked,
                        status=413,
                        code="body_too_large",
                    )
                )
    async with changes_nothing(world.r, world.owner):
        await check_all(world.client, probes)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forged(claims: dict[str, Any], mac: bytes = b"\x00" * 32) -> str:
    """An access token made like the server's, but signed with no key at all."""
    return f"{_b64(json.dumps(claims, separators=(',', ':')).encode())}.{_b64(mac)}"


async def test_bad_tokens_get_401_wherever_a_token_is_needed(world: World) -> None:
    owner = world.owner
    token = owner.access_token
    payload, mac = token.rsplit(".", 1)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["u"] == owner.user_id  # the tokens are what this test thinks they are
    tampered = _forged({**claims, "u": claims["u"] + 1}).split(".")[0] + "." + mac
    expired = world.r.rt.tokens._sign({**claims, "e": int(time.time()) - 60})
    bad = [
        ("garbage", "garbage"),
        ("scheme only", "Bearer"),
        ("basic auth", "Basic b3duZXI6Y29ycmVjdCBob3JzZQ=="),
        ("bare token", token),
        ("lower-case scheme, junk", "bearer junk"),
        ("random", "Bearer " + _b64(bytes(range(48)))),
        ("forged", "Bearer " + _forged({**claims, "e": int(time.time()) + 600})),
        ("forged, expired-looking", "Bearer " + _forged({**claims, "e": 1})),
        ("tampered", "Bearer " + tampered),
        ("truncated", "Bearer " + token[:-6]),
        ("halved", "Bearer " + token[: len(token) // 2]),
        ("padded", "Bearer " + token + "A" * 2000),
        ("one dot more", "Bearer " + token + ".x"),
        ("refresh token", "Bearer " + owner.refresh_token),
        ("not ASCII", "Bearer \xff\xfe.\xc3\xa9"),
    ]
    async with changes_nothing(world.r, owner):
        await check_all(world.client, await _token_probes(world, bad, expired))


async def _token_probes(world: World, bad: list[tuple[str, str]], expired: str) -> list[Probe]:
    """Finds the operations that need a token (they refuse ``{}`` without one with a 401) and
    aims every bad token at each."""
    ops = world.spec.operations(world.path_values, methods=("get", *WRITES))
    needs_auth = []
    for op in ops:
        # {} cannot succeed anywhere: every public operation has required fields
        r = await world.client.request(op.method, op.path, json={})
        if r.status_code == 401:
            assert error_of(r, f"{op} without a token")["code"] == "unauthenticated"
            needs_auth.append(op)
    for op in ops:
        if op.template.startswith(("/api/v1/admin/", "/api/v1/me")) or op.template.endswith(
            "/logout"
        ):
            assert op in needs_auth, f"{op} answers without a token"
    probes = []
    for op in needs_auth:
        body = world.spec.valid_body(op, world.known) if op.body is not None else None
        content = json.dumps(body).encode() if body is not None else None
        for label, value in bad:
            probes.append(
                Probe(
                    f"{op} with a {label} token",
                    op.method,
                    op.path,
                    content,
                    {**JSON, "Authorization": value},
                    status=401,
                    code="unauthenticated",
                )
            )
        probes.append(
            Probe(
                f"{op} with an expired token",
                op.method,
                op.path,
                content,
                {**JSON, "Authorization": "Bearer " + expired},
                status=401,
                code="token_expired",
            )
        )
    return probes


def _bad_integers(schema: dict[str, Any]) -> list[tuple[str, bool]]:
    """Values for an integer parameter, each with whether it must get a 422 (as opposed to merely
    no 5xx): not integers at all, or past a bound the parameter declares."""
    lo, hi = schema.get("minimum"), schema.get("maximum")
    values = [(v, True) for v in ("abc", "1.5", "1e3", "0x10", "\u0661")]
    if lo is not None:
        values.append((str(int(lo) - 1), True))
    if hi is not None:
        values.append((str(int(hi) + 1), True))
    values.append(("-1", lo is not None and lo > -1))
    values.append((HUGE, hi is not None))  # beyond any 64-bit column, bound or not
    return values


async def test_ids_of_the_wrong_type_or_range_get_422(world: World) -> None:
    spec, probes = world.spec, []
    for op in spec.operations(world.path_values, methods=("get", *WRITES)):
        for p in op.params:
            options = [spec.resolve(o) for o in p["schema"].get("anyOf", [p["schema"]])]
            integer = next((o for o in options if o.get("type") == "integer"), None)
            if integer is None:
                continue
            # a valid body, so that the parameter is all there is to refuse
            body = None if op.body is None else spec.valid_body(op, world.known)
            content = None if body is None else json.dumps(body).encode()
            headers = {**world.owner.headers, **JSON}
            for wrong, strict in _bad_integers(integer):
                what = f"{op} with {p['in']} {p['name']}={wrong!r}"
                path, params = op.path, None
                if p["in"] == "path":
                    path = op.template.replace("{" + p["name"] + "}", wrong)
                    for q in op.params:
                        if q["in"] == "path":
                            value = world.path_values.get(q["name"]) or spec.placeholder(
                                q["schema"]
                            )
                            path = path.replace("{" + q["name"] + "}", value)
                else:
                    params = {p["name"]: wrong}
                probes.append(
                    Probe(what, op.method, path, content, headers, params, lenient=True)
                    if not strict
                    else Probe(
                        what,
                        op.method,
                        path,
                        content,
                        headers,
                        params,
                        status=422,
                        code="invalid_request",
                        in_details=f"{p['in']}.{p['name']}",
                    )
                )
    names = {p.what.split(" with ")[0] for p in probes}
    assert "POST /api/v1/admin/users/{user_id}/disable" in names
    assert "GET /api/v1/admin/audit" in names
    async with changes_nothing(world.r, world.owner):
        await check_all(world.client, probes)


async def test_unknown_paths_get_404(srv: Running) -> None:
    paths = [
        "/nope",
        "/api",
        "/api/v1",
        "/api/v1/nope",
        "/api/v2/server",
        "/api/v1/admin",
        "/api/v1/admin/users/1/explode",
        "/api/v1/me/sessions/a/b",
        "/api/v1/%00",
        "/api/v1/%E9%99%88",
        "/..%2f..%2fetc/passwd",
        "/healthz/extra",
    ]
    await check_all(
        srv.client,
        [
            Probe(f"{method} {path}", method, path, b"{}", JSON, status=404, code="not_found")
            for path in paths
            for method in ("GET", "POST", "PUT", "DELETE", "PATCH")
        ],
    )


async def test_wrong_methods_get_405(srv: Running) -> None:
    spec = await fetch_spec(srv.client)
    probes = []
    for template, item in spec.doc["paths"].items():
        path = re.sub(r"\{[^}]+\}", "1", template)
        for method in {"GET", "POST", "PUT", "DELETE", "PATCH"} - {m.upper() for m in item}:
            probes.append(
                Probe(
                    f"{method} {template}",
                    method,
                    path,
                    b"{}",
                    JSON,
                    status=405,
                    code="method_not_allowed",
                )
            )
    assert len(probes) >= 3 * len(spec.doc["paths"])
    await check_all(srv.client, probes)


async def test_bad_input_on_an_unclaimed_server_changes_nothing(srv: Running) -> None:
    """Without a token most operations stop at 401, but the public ones (the claim above all,
    with the real setup code in its valid-looking bodies) are validated in full."""
    spec = await fetch_spec(srv.client)
    code = srv.setup_code()
    known = {"setup_code": code, "password": PASSWORD, "username": "owner"}
    limit = (await srv.client.get("/api/v1/server")).json()["limits"]["max_body_bytes"]
    probes = []
    for op in spec.operations({}):
        # the operations that need a token stop there, whatever the body
        public = (await srv.client.request(op.method, op.path, json={})).status_code != 401
        if op.raw:
            assert not public
            continue
        if op.body is not None and public:
            # any 4xx will do: on a server nobody owns yet, some answers differ (409 not_claimed)
            probes += [
                Probe(p.what, p.method, p.path, p.content, p.headers)
                for p in body_probes(op, spec.valid_body(op, known), {})
            ]
        for chunked in (False, True):
            probes.append(
                Probe(
                    f"{op} too large",
                    op.method,
                    op.path,
                    b"x" * (2 * limit),
                    JSON,
                    chunked=chunked,
                    status=413,
                    code="body_too_large",
                )
            )
    await check_all(srv.client, probes)
    assert (await srv.client.get("/healthz")).status_code == 200
    assert (await srv.client.get("/api/v1/server")).json()["state"] == "unclaimed"
    assert (await srv.client.get("/api/v1/setup")).status_code == 200
    assert srv.setup_code() == code
    # the junk spent none of the wrong-code budget, and left nothing in the audit log
    owner = await srv.claim()
    audit = await srv.client.get("/api/v1/admin/audit", headers=owner.headers)
    assert [e["action"] for e in audit.json()["entries"]] == ["setup.claim"]


# --- property-based: arbitrary JSON and bytes, at every endpoint of a set --------------------


def _request_fields() -> list[str]:
    names: set[str] = set()
    todo: list[type[Request]] = [Request]
    while todo:
        cls = todo.pop()
        names.update(cls.model_fields)
        todo.extend(cls.__subclasses__())
    return sorted(names)


FIELD_NAMES = _request_fields()
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from("陈家你好世界中文\x00\x01\x07\x1b\x7f\x85\u200b\u2028\u202e\ufeff"),
        st.characters(categories=["Cs"]),  # lone surrogates (json.dumps escapes them)
    ),
    max_size=40,
)
# Real field names get past the unknown-field check to the field validators behind it.
KEYS = st.one_of(st.sampled_from(FIELD_NAMES), TEXT)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | TEXT
    | st.sampled_from(["owner", "admin", "member", "Family", "123456", "x" * 300]),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=20,
)
BODIES = st.one_of(JSON_VALUES, st.dictionaries(KEYS, JSON_VALUES, max_size=6))
INPUTS = st.one_of(BODIES.map(lambda v: json.dumps(v).encode()), st.binary(max_size=300))
PUBLIC = [
    "/api/v1/auth/login",
    "/api/v1/auth/login/second-factor",
    "/api/v1/auth/refresh",
    "/api/v1/auth/register",
    "/api/v1/setup/claim",
]
SIGNED_IN = ["/api/v1/admin/users", "/api/v1/admin/invites", "/api/v1/me/password"]
FUZZ = settings(
    max_examples=150,
    deadline=None,
    # too_slow: generation time on a busy machine is no reason to fail the run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@dataclass(frozen=True)
class Target:
    label: str
    client: httpx.Client = field(repr=False)
    path: str
    headers: dict[str, str] = field(repr=False)

    def post(self, content: bytes) -> None:
        r = self.client.post(self.path, content=content, headers={**self.headers, **JSON})
        never_5xx(r, f"POST {self.path} ({self.label}) {content!r}")


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Target]]]:
    """Endpoint groups on two servers on their own loops: the public endpoints of an unclaimed
    and of a claimed server, and the signed-in ones of the claimed server with its owner's token
    (so that they get as far as validating the body)."""
    with contextlib.ExitStack() as stack:
        groups: dict[str, list[Target]] = {"public": [], "signed-in": []}
        for label in ("unclaimed", "claimed"):
            server = stack.enter_context(
                running_in_thread(make_settings(tmp_path_factory.mktemp(label)))
            )
            assert server.rt.cert_path is not None
            verify = pinned_context(server.rt.cert_path)
            client = stack.enter_context(
                httpx.Client(base_url=server.base_url, verify=verify, timeout=20)
            )
            groups["public"] += [Target(label, client, path, {}) for path in PUBLIC]
            if label == "claimed":
                r = client.post(
                    "/api/v1/setup/claim",
                    json={
                        "setup_code": server.rt.read_setup_code_blocking(),
                        "server_name": "Family",
                        "admin": {"username": "owner", "display_name": "O", "password": PASSWORD},
                    },
                )
                assert r.status_code == 200, r.text
                owner = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}
                groups["signed-in"] += [Target(label, client, p, owner) for p in SIGNED_IN]
        yield groups


@pytest.mark.parametrize("group", ["public", "signed-in"])
@FUZZ
@given(data=st.data(), content=INPUTS)
def test_arbitrary_input_never_gets_a_5xx(
    fuzz: dict[str, list[Target]], group: str, data: st.DataObject, content: bytes
) -> None:
    data.draw(st.sampled_from(fuzz[group]), label="target").post(content)
