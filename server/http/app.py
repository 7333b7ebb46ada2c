"""The ASGI application: routers, error handling and the body limit, over one Runtime. The
WebSocket endpoint is not part of it (server/ws/endpoint.py)."""

from __future__ import annotations

from typing import NamedTuple

from fastapi import FastAPI
from starlette.types import ASGIApp

from server import __version__
from server.http import (
    errors,
    routes_admin,
    routes_auth,
    routes_backup,
    routes_chat,
    routes_files,
    routes_monitoring,
    routes_server,
    routes_settings,
)
from server.http.body_limit import BodyLimit
from server.runtime import Runtime
from server.services.accounts import Accounts
from server.services.admin import Admin
from server.services.chat import Chat


class Services(NamedTuple):
    """What the REST routes and the WebSocket endpoint share, over one Runtime."""

    accounts: Accounts
    admin: Admin
    chat: Chat


def create_services(rt: Runtime) -> Services:
    accounts = Accounts(rt)
    assert rt.writer is not None, "the runtime must be opened for serving"
    return Services(accounts, Admin(rt, accounts), Chat(rt, rt.memberships, rt.hub, rt.writer))


def create_app(rt: Runtime, svc: Services) -> ASGIApp:
    app = FastAPI(
        title="Roost",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = rt
    app.state.accounts = svc.accounts
    app.state.admin = svc.admin
    app.state.chat = svc.chat
    assert rt.files is not None
    app.state.files = rt.files
    errors.install(app)
    app.include_router(routes_server.router)
    app.include_router(routes_auth.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_chat.router)
    app.include_router(routes_files.router)
    app.include_router(routes_backup.router)
    app.include_router(routes_settings.router)
    app.include_router(routes_monitoring.router)
    # Upload chunks stream to their handler under their own limit instead of being buffered.
    method, path = routes_files.CHUNK_ROUTE
    raw = [(method, path, rt.settings.upload_chunk_bytes)]
    method, path = routes_backup.UPLOAD_ROUTE
    raw.append((method, path, rt.settings.upload_chunk_bytes))
    return BodyLimit(app, rt.settings.max_body_bytes, raw)
