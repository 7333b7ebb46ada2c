"""People with live chat connections on a test server, for the chat's Qt tests.

``chat_people(tsrv, root, [("mum", "Mum"), ("dad", "Dad")])`` claims the server for the first
person (the owner), adds the others through the admin API, signs everyone in, and yields their
started ``ChatConnection`` and ``Directory``, online and with the directory read. Everything is
closed again afterwards (connections first, so the server never sees a half-open socket).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.chat.cache import ChatCache
from app.chat.connection import ChatConnection
from app.chat.directory import Directory
from app.net.api import AsyncApi
from app.net.models import parse_model
from app.net.signed_in import SignedInApi
from app.paths import AppPaths
from server.protocol.auth import Tokens
from tests.ui.helpers import ThreadServer

PASSWORD = "a long family passphrase"
WAIT_S = 30.0  # a guard against hanging, not a measurement


@dataclass
class ChatPerson:
    """Someone signed in, with their chat.

    Attributes:
        username, display_name, user_id: who they are.
        connection: their started chat connection (own cache under the test's directory).
        directory: names and presence, as their app would have it.
        api: their signed-in REST API.
    """

    username: str
    display_name: str
    user_id: int
    connection: ChatConnection
    directory: Directory
    api: SignedInApi

    async def online(self) -> None:
        """Waits until the connection is online again (after ``connection.start()``)."""
        await asyncio.wait_for(self.connection.wait_online(), WAIT_S)


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def claim_tokens(tsrv: ThreadServer, username: str, display_name: str) -> Tokens:
    """Claims the server with ``username`` as its owner; returns the owner's tokens."""
    body = {
        "setup_code": tsrv.setup_code(),
        "server_name": "Family",
        "admin": {"username": username, "display_name": display_name, "password": PASSWORD},
        "device_name": "test",
    }
    return parse_model(Tokens, _ok(tsrv.post("/api/v1/setup/claim", body))["tokens"])


def add_person_tokens(
    tsrv: ThreadServer, owner: Tokens, username: str, display_name: str
) -> Tokens:
    """Adds an account (as the owner), sets its password, and signs it in."""
    made = _ok(
        tsrv.post(
            "/api/v1/admin/users",
            {"username": username, "display_name": display_name, "role": "member"},
            owner.access_token,
        )
    )
    one_time = made["one_time_code"]
    first = _ok(tsrv.post("/api/v1/auth/login", {"username": username, "password": one_time}))
    _ok(
        tsrv.post(
            "/api/v1/me/password",
            {"current_password": one_time, "new_password": PASSWORD},
            first["access_token"],
        )
    )
    login = {"username": username, "password": PASSWORD}
    return parse_model(Tokens, _ok(tsrv.post("/api/v1/auth/login", login)))


async def connect(tsrv: ThreadServer, root: Path, tokens: Tokens) -> ChatPerson:
    """Starts a chat connection for a signed-in person; returns once online, directory read."""
    user = tokens.user
    api = SignedInApi(AsyncApi.connect(tsrv.address, tsrv.fingerprint), tokens)
    paths = AppPaths(config=root / user.username / "cfg", data=root / user.username / "data")
    cache = ChatCache.for_account(paths, str(tsrv.server.rt.server_id), user.username)
    # A quick back-off keeps reconnection tests short; the shape is the real one.
    connection = ChatConnection(
        cache, tsrv.address, tsrv.fingerprint, api, first_backoff=0.05, max_backoff=0.5
    )
    directory = Directory(connection)
    person = ChatPerson(user.username, user.display_name, user.id, connection, directory, api)
    connection.start()
    await person.online()
    await asyncio.wait_for(directory.refresh(), WAIT_S)
    return person


async def close(person: ChatPerson) -> None:
    """Stops a person's connection and closes their cache and API client."""
    person.directory.close()
    await person.connection.close()
    await person.api.api.close()


@contextlib.asynccontextmanager
async def chat_people(
    tsrv: ThreadServer, root: Path, people: Sequence[tuple[str, str]]
) -> AsyncIterator[list[ChatPerson]]:
    """Everyone in ``people`` (username, display name) signed in and online, the first as the
    server's owner (the server must be unclaimed)."""
    username, name = people[0]
    owner = claim_tokens(tsrv, username, name)
    tokens = [owner] + [add_person_tokens(tsrv, owner, u, n) for u, n in people[1:]]
    started: list[ChatPerson] = []
    try:
        for t in tokens:
            started.append(await connect(tsrv, root, t))
        # Everyone's directory knows everyone, whoever signed in first.
        for person in started:
            await asyncio.wait_for(person.directory.refresh(), WAIT_S)
        yield started
    finally:
        for person in started:
            await close(person)
