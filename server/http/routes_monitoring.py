"""Monitoring endpoints: the admins' metrics and logs, and Prometheus' ``/metrics``."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from server.http.deps import AdminUser, RuntimeDep
from server.monitoring.logbuffer import as_text
from server.monitoring.monitor import Monitor
from server.monitoring.prometheus import CONTENT_TYPE
from server.protocol.errors import ErrorCode
from server.protocol.monitoring import HistoryRange, LogLevel, LogPage, MetricsSnapshot
from server.runtime import Runtime
from server.services.errors import ApiError
from server.services.ratelimit import Allowlist

router = APIRouter(tags=["monitoring"])


def _monitor(rt: Runtime) -> Monitor:
    if rt.monitor is None:  # only while the server is stopping
        raise ApiError(ErrorCode.INTERNAL_ERROR, "the server is shutting down")
    return rt.monitor


@router.get("/api/v1/admin/metrics")
async def metrics(
    _: AdminUser,
    rt: RuntimeDep,
    range: Annotated[HistoryRange, Query(description="how far back the history goes")] = "1h",  # noqa: A002 - the query parameter's name
) -> MetricsSnapshot:
    """The newest sample, the alerts in force, storage per user and the history."""
    return await _monitor(rt).snapshot(range)


@router.get("/api/v1/admin/logs", response_model=LogPage)
async def logs(
    _: AdminUser,
    rt: RuntimeDep,
    since: Annotated[
        float | None, Query(ge=0, le=1e11, description="Unix seconds, exclusive")
    ] = None,
    level: LogLevel = "debug",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    format: Annotated[Literal["json", "text"], Query()] = "json",  # noqa: A002 - the query parameter's name
) -> LogPage | Response:
    """Recent log lines, oldest first; ``format=text`` downloads them as a text file."""
    entries, dropped = rt.log_buffer.entries(since=since, level=level, limit=limit)
    if format == "text":
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        return PlainTextResponse(
            as_text(entries),
            headers={"Content-Disposition": f'attachment; filename="roost-{stamp}.log"'},
        )
    return LogPage(entries=entries, dropped=dropped)


@router.get("/metrics", include_in_schema=False)
async def prometheus(request: Request, rt: RuntimeDep) -> Response:
    """Prometheus exposition for the addresses in ``metrics_allow``; to anyone else this
    endpoint does not exist (the same 404 as an unknown path)."""
    allow: Allowlist | None = getattr(request.app.state, "metrics_allow", None)
    if allow is None:
        allow = request.app.state.metrics_allow = Allowlist(rt.settings.metrics_allow)
    ip = request.client.host if request.client else None
    if ip not in allow:
        raise ApiError(ErrorCode.NOT_FOUND, "no such endpoint")
    return Response(_monitor(rt).exposition.render(), media_type=CONTENT_TYPE)
