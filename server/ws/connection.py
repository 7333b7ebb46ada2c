"""One WebSocket connection: auth phase, a reader that dispatches commands, and one writer
task draining a bounded queue (a client too slow to keep up is disconnected, so its memory
never grows without bound)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from server import __version__
from server.protocol import PROTOCOL_VERSION, jsonframes
from server.protocol.chat import Ack
from server.protocol.errors import ErrorCode
from server.protocol.ws import (
    CLOSE_AUTH_FAILED,
    CLOSE_AUTH_TIMEOUT,
    CLOSE_TOO_SLOW,
    Auth,
    SendMessage,
)
from server.services.accounts import Accounts
from server.services.chat import Chat
from server.services.errors import ApiError, busy_error
from server.services.hub import Hub
from server.storage.engine import database_busy
from server.ws.registry import HANDLERS
from server.ws.uvicorn_protocol import SEND_NOW

log = logging.getLogger(__name__)

# Commands of one connection run concurrently (a send waits for its group commit while the
# next one is read), up to this many at once.
MAX_IN_FLIGHT = 64
# How long a connection being ended gets to flush what is queued and to send its close frame. A
# client that stopped reading never lets either through; after this it is dropped.
END_TIMEOUT_S = 2.0


_dumps = jsonframes.dumps


def error_frame(cmd_id: int | None, err: ApiError) -> str:
    body: dict[str, Any] = {"code": err.code.value, "message": err.message}
    if err.retry_after is not None:
        body["retry_after"] = err.retry_after
    if err.details is not None:
        body["details"] = err.details
    return _dumps({"id": cmd_id, "type": "result", "success": False, "error": body})


def result_frame(cmd_id: int, result: BaseModel | dict[str, Any] | None) -> str:
    if isinstance(result, BaseModel):
        # pydantic writes its own JSON: no detour through a dict
        return (
            f'{{"id":{cmd_id},"type":"result","success":true,"result":{result.model_dump_json()}}}'
        )
    return _dumps({"id": cmd_id, "type": "result", "success": True, "result": result or {}})


class Connection:
    """Attributes:
    user_id, session_id: who is connected (after the auth phase).
    """

    def __init__(
        self,
        ws: WebSocket,
        *,
        accounts: Accounts,
        chat: Chat,
        hub: Hub,
        auth_timeout_s: float,
        queue_limit: int,
        max_frame_bytes: int,
    ) -> None:
        self.ws = ws
        self.accounts = accounts
        self.chat = chat
        self.hub = hub
        self.auth_timeout_s = auth_timeout_s
        self.queue_limit = queue_limit
        self.max_frame_bytes = max_frame_bytes
        self.user_id = 0
        self.session_id = ""
        self._out: deque[str] = deque()
        self._send_now: Callable[[str], bool] | None = ws.scope.get("extensions", {}).get(SEND_NOW)
        self._wake = asyncio.Event()
        self._end: tuple[int, str] | None = None
        self._ended = asyncio.Event()
        self._last_id = 0
        self._syncing = False
        self._synced = False
        self._held: list[tuple[str, tuple[int, int] | None]] = []
        # The last seq the replay sent per conversation: an event is visible in the database
        # a moment before the writer publishes it, so the replay may carry an event that is
        # then also published live, after the sync has ended. Such a late copy is dropped.
        self._replayed: dict[int, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._fast = 0  # plain sends queued by _send_fast and not yet answered
        # Feeds (monitor/subscribe) by the id of the command that opened them: the function
        # that ends each. All are ended when the connection closes.
        self.subscriptions: dict[int, Callable[[], None]] = {}

    # --- life cycle -------------------------------------------------------------------------

    async def serve(self) -> None:
        await self.ws.accept()
        if not await self._auth_phase():
            return
        self.hub.register(self)
        reader = asyncio.create_task(self._read_loop(), name=f"ws-read-{self.user_id}")
        writer = asyncio.create_task(self._write_loop(), name=f"ws-write-{self.user_id}")
        # The writer can be stuck in a send to a client that stopped reading, so an ``end``
        # must not wait for it to notice.
        ended = asyncio.create_task(self._ended.wait(), name=f"ws-end-{self.user_id}")
        try:
            done, _ = await asyncio.wait(
                {reader, writer, ended}, return_when=asyncio.FIRST_COMPLETED
            )
            if ended in done:
                await asyncio.wait({writer}, timeout=END_TIMEOUT_S)
        finally:
            for release in self.subscriptions.values():
                release()
            self.subscriptions.clear()
            self.hub.unregister(self)
            self.hub.detach(self)
            for task in (reader, writer, ended, *self._tasks):
                task.cancel()
            await asyncio.gather(reader, writer, ended, *self._tasks, return_exceptions=True)
            code, reason = self._end or (1000, "")
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(code, reason), END_TIMEOUT_S)

    async def _auth_phase(self) -> bool:
        await self.ws.send_text(
            _dumps(
                {
                    "type": "auth_required",
                    "version": __version__,
                    "protocol_version": PROTOCOL_VERSION,
                }
            )
        )
        try:
            message = await asyncio.wait_for(self.ws.receive(), self.auth_timeout_s)
        except TimeoutError:
            await self._refuse(
                CLOSE_AUTH_TIMEOUT, ErrorCode.UNAUTHENTICATED, "no auth frame in time"
            )
            return False
        text = message.get("text")
        if message["type"] != "websocket.receive" or not isinstance(text, str):
            if message["type"] == "websocket.receive":
                await self._refuse(
                    CLOSE_AUTH_FAILED, ErrorCode.INVALID_FRAME, "send the auth frame as JSON text"
                )
            return False
        try:
            auth = Auth.model_validate_json(text)
            who = await self.accounts.authenticate(auth.access_token)
        except ValidationError:
            await self._refuse(
                CLOSE_AUTH_FAILED,
                ErrorCode.INVALID_FRAME,
                'the first frame must be {"type": "auth", "access_token": "..."}',
            )
            return False
        except ApiError as exc:
            await self._refuse(CLOSE_AUTH_FAILED, exc.code, exc.message)
            return False
        if who.must_change_password:
            await self._refuse(
                CLOSE_AUTH_FAILED, ErrorCode.PASSWORD_CHANGE_REQUIRED, "choose a new password first"
            )
            return False
        if who.two_factor_owed:
            await self._refuse(
                CLOSE_AUTH_FAILED,
                ErrorCode.TWO_FACTOR_REQUIRED,
                "an administrator requires two-step sign-in: turn it on first",
            )
            return False
        self.user_id, self.session_id = who.user_id, who.session_id
        await self.ws.send_text(
            _dumps({"type": "auth_ok", "user_id": who.user_id, "session_id": who.session_id})
        )
        return True

    async def _refuse(self, close: int, code: ErrorCode, message: str) -> None:
        with contextlib.suppress(Exception):
            await self.ws.send_text(
                _dumps({"type": "auth_invalid", "error": {"code": code.value, "message": message}})
            )
            await self.ws.close(close, message[:120])

    # --- outgoing ---------------------------------------------------------------------------

    def push(self, frame: str, key: tuple[int, int] | None = None) -> None:
        if self._end is not None:
            return
        if key is not None and key[1] <= self._replayed.get(key[0], -1):
            return
        if self._syncing:
            if len(self._held) >= self.queue_limit:
                self.end(CLOSE_TOO_SLOW, "too far behind")
                return
            self._held.append((frame, key))
            return
        self._enqueue(frame)

    def _enqueue(self, frame: str) -> None:
        out = self._out
        # Nothing waiting ahead of it: write it now (the writer task is for backlogs).
        if not out and self._send_now is not None and self._end is None and self._send_now(frame):
            return
        if len(out) >= self.queue_limit:
            # Unbounded buffering would let one stalled client eat the Pi's memory; it can
            # reconnect and catch up from its cursors instead.
            self.end(CLOSE_TOO_SLOW, "too far behind; reconnect to catch up")
            return
        out.append(frame)
        self._wake.set()

    def end(self, code: int, reason: str) -> None:
        if self._end is None:
            self._end = (code, reason)
            self._wake.set()
            self._ended.set()

    async def _write_loop(self) -> None:
        out, send = self._out, self.ws.send_text
        while True:
            while not out:
                if self._end is not None:
                    return
                self._wake.clear()
                await self._wake.wait()
            if self._end is not None and self._end[0] == CLOSE_TOO_SLOW:
                return
            while out:
                await send(out.popleft())

    # --- incoming ---------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        while True:
            try:
                message = await self.ws.receive()
            except WebSocketDisconnect:
                return
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                self._enqueue(
                    error_frame(
                        None, ApiError(ErrorCode.INVALID_FRAME, "binary frames are not used")
                    )
                )
                continue
            await self._dispatch(text)

    async def _dispatch(self, text: str) -> None:
        """Envelope, then id order, then type, then body; every failure is one error result
        and the connection lives on."""
        # The limit is in bytes, as advertised; a character can be four of them.
        size = len(text) if text.isascii() else len(text.encode())
        if size > self.max_frame_bytes:
            self._enqueue(
                error_frame(
                    None,
                    ApiError(
                        ErrorCode.FRAME_TOO_LARGE,
                        f"frames are limited to {self.max_frame_bytes} bytes",
                    ),
                )
            )
            return
        try:
            obj = jsonframes.loads(text)
        except (ValueError, RecursionError):  # deep nesting ("[[[[...") is refused too
            self._enqueue(error_frame(None, ApiError(ErrorCode.INVALID_FRAME, "not valid JSON")))
            return
        cmd_id = obj.get("id") if isinstance(obj, dict) else None
        if not isinstance(cmd_id, int) or isinstance(cmd_id, bool) or not 1 <= cmd_id <= 2**62:
            self._enqueue(
                error_frame(
                    None,
                    ApiError(
                        ErrorCode.INVALID_FRAME,
                        'a command is a JSON object with an integer "id" >= 1 and a "type"',
                    ),
                )
            )
            return
        assert isinstance(obj, dict)
        if cmd_id <= self._last_id:
            self._enqueue(
                error_frame(
                    cmd_id,
                    ApiError(
                        ErrorCode.ID_NOT_INCREASING,
                        f"ids must increase; the last one was {self._last_id}",
                    ),
                )
            )
            return
        self._last_id = cmd_id
        type_name = obj.get("type")
        entry = HANDLERS.get(type_name) if isinstance(type_name, str) else None
        if entry is None:
            self._enqueue(
                error_frame(cmd_id, ApiError(ErrorCode.UNKNOWN_COMMAND, "unknown command type"))
            )
            return
        model, handler = entry
        try:
            cmd = model.model_validate(obj)
        except ValidationError as exc:
            self._enqueue(error_frame(cmd_id, _invalid(exc)))
            return
        if (
            isinstance(cmd, SendMessage)
            and cmd.reply_to is None
            and not cmd.attachments
            and self._fast < MAX_IN_FLIGHT
            and self._send_fast(cmd_id, cmd)
        ):
            return
        await self._slots.acquire()
        task = asyncio.create_task(self._run(cmd_id, handler, cmd), name=f"ws-cmd-{cmd_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _send_fast(self, cmd_id: int, cmd: SendMessage) -> bool:
        """Most frames are plain sends: queue them without a task and answer from the commit's
        callback. False sends the command down the general path (refusals there also look for
        an earlier copy of the same client_id)."""
        try:
            fut = self.chat.submit_plain_send(
                self.user_id,
                conversation_id=cmd.conversation_id,
                client_id=cmd.client_id,
                text=cmd.text,
                origin=self,
            )
        except ApiError:
            return False
        self._fast += 1

        def answer(done: asyncio.Future[Ack]) -> None:
            self._fast -= 1
            if done.cancelled():
                return
            exc = done.exception()
            if exc is None:
                self._enqueue(result_frame(cmd_id, done.result()))
                return
            # rare: refused at commit time; the general path answers, duplicate check included
            general = HANDLERS["message/send"][1]
            task = asyncio.create_task(self._run(cmd_id, general, cmd, slot=False))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        fut.add_done_callback(answer)
        return True

    async def _run(self, cmd_id: int, handler: Any, cmd: Any, *, slot: bool = True) -> None:
        try:
            result = await handler(self, cmd)
            self._enqueue(result_frame(cmd_id, result))
        except ApiError as exc:
            self._enqueue(error_frame(cmd_id, exc))
        except Exception as exc:
            if database_busy(exc):
                log.warning("busy: command %s waited too long for the database", cmd.type)
                self._enqueue(error_frame(cmd_id, busy_error()))
                return
            log.exception("command %s failed", getattr(cmd, "type", "?"))
            self._enqueue(
                error_frame(
                    cmd_id,
                    ApiError(ErrorCode.INTERNAL_ERROR, "something went wrong; it was logged"),
                )
            )
        finally:
            if slot:
                self._slots.release()

    # --- catch-up ---------------------------------------------------------------------------

    async def sync(self, cursors: dict[int, int], recent: int) -> None:
        """Replay what the client is missing, then go live without a gap or a duplicate:
        live events are held while the replay reads the database and released after it,
        minus those the replay already carried."""
        if self._synced or self._syncing:
            raise ApiError(ErrorCode.INVALID_REQUEST, "this connection is synced already")
        self._syncing = True
        self.hub.attach(self)
        try:
            self._replayed = await self.chat.replay(self.user_id, cursors, recent, self._enqueue)
        finally:
            self._syncing = False
        held, self._held = self._held, []
        for frame, key in held:
            self.push(frame, key)
        self._synced = True


def _invalid(exc: ValidationError) -> ApiError:
    details: list[dict[str, object]] = [
        {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
        for e in exc.errors()[:10]
    ]
    first = details[0]
    return ApiError(
        ErrorCode.INVALID_REQUEST, f"{first['field']}: {first['problem']}", details=details
    )
