"""ASGI middleware that refuses request bodies above a size before any handler reads them."""

from __future__ import annotations

import asyncio
import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.protocol.errors import ErrorCode
from server.services.errors import ApiError

# A client still sending when the 413 goes out only reads it if the server took what it had in
# flight: closing a connection with unread data resets it, and the answer is lost with it. So past
# the limit a body sent without Content-Length is read and dropped for up to this much more (an
# announced Content-Length above the limit is refused before any of the body is read).
DRAIN_BYTES = 1024 * 1024
DRAIN_S = 5.0


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(ErrorCode.BODY_TOO_LARGE, f"the request body is larger than {limit} bytes")


class BodyLimit:
    """Buffers up to ``limit`` bytes; answers 413 past that. JSON bodies are small, so buffering
    costs nothing and keeps a slow or endless upload from tying up a handler.

    Requests matching a ``raw`` route (upload chunks) are not buffered here: they stream to
    their handler under that route's own limit, and a body that grows past it ends in 413 too.
    """

    def __init__(
        self, app: ASGIApp, limit: int, raw: list[tuple[str, re.Pattern[str], int]] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.raw = raw or []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        streamed = False
        for method, pattern, raw_limit in self.raw:
            if scope.get("method") == method and pattern.fullmatch(scope.get("path", "")):
                limit, streamed = raw_limit, True
                break
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                await self._refuse(send, limit)
                return
        if streamed:
            await self.app(scope, self._counting(receive, limit), send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                if not message.get("more_body", False) or await self._drain(receive):
                    await self._refuse(send, self.limit)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _counting(self, receive: Receive, limit: int) -> Receive:
        """``receive`` that raises BodyTooLarge (an ApiError: the handler answers 413) once the
        body passes ``limit``, after taking a bounded amount more so the client reads it."""
        size = 0

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    if message.get("more_body", False):
                        await self._drain(receive)
                    raise BodyTooLarge(limit)
            return message

        return counted

    async def _drain(self, receive: Receive) -> bool:
        """Drops the rest of the body, within bounds; False if the client went away."""
        dropped = 0
        try:
            async with asyncio.timeout(DRAIN_S):
                while dropped < DRAIN_BYTES:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return False
                    dropped += len(message.get("body", b""))
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            pass
        return True

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "body_too_large",
                    "message": f"the request body is larger than {limit} bytes",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
