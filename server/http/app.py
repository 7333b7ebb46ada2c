"""The ASGI application: routers, error handling and the body limit, over one Runtime."""

from __future__ import annotations

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


def create_app(rt: Runtime) -> ASGIApp:
    app = FastAPI(
        title="Roost",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = rt
    app.state.accounts = accounts = Accounts(rt)
    app.state.admin = Admin(rt, accounts)
    assert rt.writer is not None, "the runtime must be opened for serving"
    app.state.chat = Chat(rt, rt.memberships, rt.hub, rt.writer)
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
