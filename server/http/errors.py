"""Every failure becomes ``{"error": {code, message}}`` with a fitting status; never a bare 500."""

from __future__ import annotations

import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.protocol.errors import ErrorBody, ErrorCode, ErrorResponse
from server.services.errors import ApiError, busy_error
from server.storage.engine import database_busy

log = logging.getLogger(__name__)


def error_response(err: ApiError) -> JSONResponse:
    body = ErrorResponse(
        error=ErrorBody(
            code=err.code, message=err.message, retry_after=err.retry_after, details=err.details
        )
    )
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else None
    return JSONResponse(body.model_dump(exclude_none=True), status_code=err.status, headers=headers)


def _from_validation(exc: RequestValidationError) -> ApiError:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return ApiError(ErrorCode.INVALID_JSON, "the request body is not valid JSON")
    if any(tuple(e.get("loc", ())) == ("body",) for e in errors):
        return ApiError(
            ErrorCode.INVALID_JSON,
            "the request body must be a JSON object, sent with Content-Type: application/json",
        )
    details: list[dict[str, object]] = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p != "body"]
        details.append({"field": ".".join(loc), "problem": str(e.get("msg", ""))})
    first = details[0] if details else {"field": "", "problem": "invalid"}
    where = f"{first['field']}: " if first["field"] else ""
    return ApiError(ErrorCode.INVALID_REQUEST, f"{where}{first['problem']}", details=details)


_HTTP_CODES = {
    # FastAPI's own 400: a body it could not decode at all (not UTF-8, say)
    400: (ErrorCode.INVALID_JSON, "the request body is not valid JSON"),
    404: (ErrorCode.NOT_FOUND, "no such endpoint"),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "that method is not allowed here"),
    413: (ErrorCode.BODY_TOO_LARGE, "the request body is too large"),
}


def install(app: FastAPI) -> None:
    async def on_api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(_from_validation(exc))

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code, message = _HTTP_CODES.get(
            exc.status_code, (ErrorCode.INVALID_REQUEST, str(exc.detail))
        )
        return JSONResponse(
            ErrorResponse(error=ErrorBody(code=code, message=message)).model_dump(
                exclude_none=True
            ),
            status_code=exc.status_code,
        )

    async def on_database_error(request: Request, exc: Exception) -> JSONResponse:
        # Its own handler, not on_crash's: Starlette re-raises after the catch-all handler,
        # and uvicorn then drops the connection; a busy answer must reach the client.
        if database_busy(exc):
            log.warning(
                "busy: %s %s waited too long for the database", request.method, request.url.path
            )
            return error_response(busy_error())
        return await on_crash(request, exc)

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            ApiError(ErrorCode.INTERNAL_ERROR, "something went wrong on the server; it was logged")
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(OperationalError, on_database_error)
    app.add_exception_handler(sqlite3.OperationalError, on_database_error)
    app.add_exception_handler(Exception, on_crash)
