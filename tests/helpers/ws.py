"""A small real WebSocket client for tests: commands with ids, results matched by id, events
collected in order."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import ssl
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


class CommandFailed(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = str(error.get("code"))
        self.error = error


class WsClient:
    def __init__(self, ws: ClientConnection, auth_ok: dict[str, Any]) -> None:
        self.ws = ws
        self.auth_ok = auth_ok
        self.user_id = int(auth_ok["user_id"])
        self.events: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []  # results with id None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read(), name="test-ws-reader")
        self.closed: asyncio.Future[tuple[int | None, str]] = (
            asyncio.get_running_loop().create_future()
        )

    @classmethod
    async def open(cls, base_url: str, token: str, ctx: ssl.SSLContext | None) -> WsClient:
        url = base_url.replace("https://", "wss://").replace("http://", "ws://") + "/api/v1/ws"
        ws = await connect(url, ssl=ctx, max_size=None, open_timeout=10)
        hello = json.loads(await ws.recv())
        assert hello["type"] == "auth_required", hello
        await ws.send(json.dumps({"type": "auth", "access_token": token}))
        reply = json.loads(await ws.recv())
        if reply["type"] != "auth_ok":
            await ws.close()
            raise CommandFailed(reply.get("error", {}))
        return cls(ws, reply)

    async def _read(self) -> None:
        try:
            with contextlib.suppress(Exception):  # the test sees the close code via ``closed``
                await self._consume()
        finally:
            if not self.closed.done():
                rcvd = self.ws.protocol.close_rcvd
                self.closed.set_result((rcvd.code, rcvd.reason) if rcvd is not None else (None, ""))
            for fut in self._waiting.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("connection closed"))
            self._changed.set()

    async def _consume(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            if frame.get("type") == "event":
                self.events.append(frame["event"])
            elif frame.get("type") == "result":
                fut = self._waiting.pop(frame["id"], None) if frame.get("id") else None
                if fut is not None and not fut.done():
                    fut.set_result(frame)
                else:
                    self.errors.append(frame)
            self._changed.set()

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def request(self, type_: str, **body: Any) -> dict[str, Any]:
        """Send a command and return its whole result frame."""
        cmd_id = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[cmd_id] = fut
        await self.ws.send(json.dumps({"id": cmd_id, "type": type_, **body}))
        return await asyncio.wait_for(fut, 30)

    async def call(self, type_: str, **body: Any) -> Any:
        """Send a command; return its result or raise CommandFailed."""
        frame = await self.request(type_, **body)
        if not frame["success"]:
            raise CommandFailed(frame["error"])
        return frame["result"]

    async def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 10
    ) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self.events):
                self._changed.clear()
                if self.closed.done() and not predicate(self.events):
                    raise ConnectionError(f"closed: {self.closed.result()}")
                await self._changed.wait()

    def messages(self, conversation_id: int) -> list[dict[str, Any]]:
        return [
            e for e in self.events if e.get("conversation_id") == conversation_id and "seq" in e
        ]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        with contextlib.suppress(Exception):
            await self._reader
