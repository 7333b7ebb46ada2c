"""One WebSocket connection above its wire (server/ws/endpoint.py): the auth phase, commands
dispatched as their frames arrive, and a bounded queue for what the socket cannot take yet (a
client too slow to keep up is disconnected, so its memory never grows without bound)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from server import __version__
from server.protocol import PROTOCOL_VERSION, jsonframes
from server.protocol.chat import Ack
from server.protocol.errors import ErrorCode
from server.protocol.ws import (
    CLOSE_AUTH_FAILED,
    CLOSE_AUTH_TIMEOUT,
    CLOSE_SESSION_ENDED,
    CLOSE_TOO_SLOW,
    Auth,
    SendMessage,
)
from server.services.accounts import Accounts, Principal
from server.services.chat import Chat
from server.services.errors import ApiError, busy_error
from server.services.hub import Hub
from server.storage.engine import database_busy
from server.ws.registry import HANDLERS

if TYPE_CHECKING:
    from server.ws.endpoint import Endpoint

log = logging.getLogger(__name__)

# Commands of one connection run concurrently (a send waits for its group commit while the
# next one is read), up to this many at once.
MAX_IN_FLIGHT = 64
# Frames read and held back (see MAX_IN_FLIGHT) before the socket stops being read.
HIGH_WATER = 64
# A failure of the server's own, not of the client's token.
CLOSE_INTERNAL = 1011


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
    """The application side of one WebSocket: the auth phase, then commands and pushed events.
    Driven by its endpoint's callbacks; an idle connection has no task of its own.

    Attributes:
        user_id, session_id: who is connected (after the auth phase).
        subscriptions: feeds (monitor/subscribe) by the id of the command that opened them: the
            function that ends each. All are ended when the connection ends.
    """

    __slots__ = (
        "_auth_timer",
        "_end",
        "_held",
        "_in_flight",
        "_inbox",
        "_last_id",
        "_out",
        "_released",
        "_replayed",
        "_synced",
        "_syncing",
        "_tasks",
        "accounts",
        "auth_timeout_s",
        "chat",
        "hub",
        "max_frame_bytes",
        "queue_limit",
        "session_id",
        "subscriptions",
        "user_id",
        "wire",
    )

    def __init__(
        self,
        wire: Endpoint,
        *,
        accounts: Accounts,
        chat: Chat,
        hub: Hub,
        auth_timeout_s: float,
        queue_limit: int,
        max_frame_bytes: int,
    ) -> None:
        self.wire = wire
        self.accounts = accounts
        self.chat = chat
        self.hub = hub
        self.auth_timeout_s = auth_timeout_s
        self.queue_limit = queue_limit
        self.max_frame_bytes = max_frame_bytes
        self.user_id = 0
        self.session_id = ""
        # Frames for the client while its socket is not draining; None when nothing waits.
        self._out: deque[str] | None = None
        # Frames read while no command may start (during the auth, or with MAX_IN_FLIGHT
        # running), in order; None binary frames. None when frames run as they arrive.
        self._inbox: deque[str | None] | None = None
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] | None = None
        self._auth_timer: asyncio.TimerHandle | None = None
        self._end: tuple[int, str] | None = None
        self._released = False
        self._last_id = 0
        self._syncing = False
        self._synced = False
        self._held: list[tuple[str, tuple[int, int] | None]] = []
        # The last seq the replay sent per conversation: an event is visible in the database
        # a moment before the writer publishes it, so the replay may carry an event that is
        # then also published live, after the sync has ended. Such a late copy is dropped.
        self._replayed: dict[int, int] = {}
        self.subscriptions: dict[int, Callable[[], None]] = {}

    # --- life cycle (the endpoint's callbacks) ------------------------------------------------

    def opened(self) -> None:
        self._enqueue(
            _dumps(
                {
                    "type": "auth_required",
                    "version": __version__,
                    "protocol_version": PROTOCOL_VERSION,
                }
            )
        )
        loop = asyncio.get_running_loop()
        self._auth_timer = loop.call_later(self.auth_timeout_s, self._auth_late)

    def received(self, text: str) -> None:
        if self._end is not None:
            return
        inbox = self._inbox
        if inbox is not None:
            inbox.append(text)
            if len(inbox) >= HIGH_WATER:
                # Stop reading: TCP then pushes back on the client, and what a fast or
                # hostile client can make us hold stays bounded.
                self.wire.pause_reading()
            return
        if self.user_id == 0:
            self._first_frame(text)
            return
        self._dispatch(text)

    def received_binary(self) -> None:
        if self._end is not None:
            return
        if self._inbox is not None:
            self._inbox.append(None)
        elif self.user_id == 0:
            self._refuse(
                CLOSE_AUTH_FAILED, ErrorCode.INVALID_FRAME, "send the auth frame as JSON text"
            )
        else:
            self._binary()

    def writable_again(self) -> None:
        out, wire = self._out, self.wire
        while out and wire.writable:
            wire.send_text(out.popleft())
        if not out:
            self._out = None

    def lost(self) -> None:
        if self._end is None:
            self._end = (1006, "")
        self._release()

    def end(self, code: int, reason: str) -> None:
        """Close from the server side: what is queued goes first, then the close frame. Not
        for a client too slow for it, nor for a session that has ended: its queue may hold
        messages it is no longer allowed to read."""
        if self._end is not None:
            return
        self._end = (code, reason)
        out, self._out = self._out, None
        if out and code not in (CLOSE_TOO_SLOW, CLOSE_SESSION_ENDED):
            for frame in out:
                self.wire.send_text(frame)
        self.wire.close(code, reason)
        # Not now: ``end`` can run inside the hub's loop over the very set it would change.
        asyncio.get_running_loop().call_soon(self._release)

    def _release(self) -> None:
        if self._released:
            return
        self._released = True
        if self._auth_timer is not None:
            self._auth_timer.cancel()
            self._auth_timer = None
        for release in self.subscriptions.values():
            release()
        self.subscriptions.clear()
        self.hub.unregister(self)
        self.hub.detach(self)
        self._inbox = None
        if self._tasks:
            for task in self._tasks:
                task.cancel()

    # --- the auth phase -----------------------------------------------------------------------

    def _first_frame(self, text: str) -> None:
        if self._auth_timer is not None:
            self._auth_timer.cancel()
            self._auth_timer = None
        self._inbox = deque()  # commands sent right behind the auth wait for its outcome
        try:
            token = Auth.model_validate_json(text).access_token
            # Most auths are answered at once, from the session read on the loop; a task
            # only for those that must wait (docs/performance.md, step 30).
            who = self.accounts.authenticate_now(token)
        except Exception as exc:
            self._auth_failed(exc)
            return
        if who is None:
            self._spawn(self._auth(token))
        else:
            self._authenticated(who)

    def _auth_late(self) -> None:
        self._auth_timer = None
        if self.user_id == 0 and self._inbox is None:
            self._refuse(CLOSE_AUTH_TIMEOUT, ErrorCode.UNAUTHENTICATED, "no auth frame in time")

    async def _auth(self, token: str) -> None:
        try:
            who = await self.accounts.authenticate(token)
        except Exception as exc:
            self._auth_failed(exc)
            return
        self._authenticated(who)

    def _auth_failed(self, exc: Exception) -> None:
        if isinstance(exc, ValidationError):
            self._refuse(
                CLOSE_AUTH_FAILED,
                ErrorCode.INVALID_FRAME,
                'the first frame must be {"type": "auth", "access_token": "..."}',
            )
        elif isinstance(exc, ApiError):
            self._refuse(CLOSE_AUTH_FAILED, exc.code, exc.message)
        else:
            busy = database_busy(exc)
            if not busy:
                log.error("the auth of a WebSocket failed", exc_info=exc)
            err = busy_error() if busy else ApiError(ErrorCode.INTERNAL_ERROR, "try again")
            self._refuse(CLOSE_INTERNAL, err.code, err.message)

    def _authenticated(self, who: Principal) -> None:
        if who.must_change_password:
            self._refuse(
                CLOSE_AUTH_FAILED, ErrorCode.PASSWORD_CHANGE_REQUIRED, "choose a new password first"
            )
            return
        if who.two_factor_owed:
            self._refuse(
                CLOSE_AUTH_FAILED,
                ErrorCode.TWO_FACTOR_REQUIRED,
                "an administrator requires two-step sign-in: turn it on first",
            )
            return
        if self._end is not None:
            return
        self.user_id, self.session_id = who.user_id, who.session_id
        self.hub.register(self)
        self._enqueue(
            _dumps({"type": "auth_ok", "user_id": who.user_id, "session_id": who.session_id})
        )
        self._drain()

    def _refuse(self, close: int, code: ErrorCode, message: str) -> None:
        self._enqueue(
            _dumps({"type": "auth_invalid", "error": {"code": code.value, "message": message}})
        )
        self.end(close, message[:120])

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
        if self._end is not None:
            return
        out = self._out
        if out is None:
            if self.wire.writable:
                self.wire.send_text(frame)
                return
            out = self._out = deque()
        if len(out) >= self.queue_limit:
            # Unbounded buffering would let one stalled client eat the Pi's memory; it can
            # reconnect and catch up from its cursors instead.
            self.end(CLOSE_TOO_SLOW, "too far behind; reconnect to catch up")
            return
        out.append(frame)

    # --- incoming ---------------------------------------------------------------------------

    def _binary(self) -> None:
        self._enqueue(
            error_frame(None, ApiError(ErrorCode.INVALID_FRAME, "binary frames are not used"))
        )

    def _drain(self) -> None:
        """Run what was held back, in order, until the limit holds frames back again."""
        inbox, self._inbox = self._inbox, None
        while inbox and self._end is None:
            if self._holding():  # MAX_IN_FLIGHT again: nothing was read meanwhile
                self._inbox = inbox
                break
            text = inbox.popleft()
            if text is None:
                self._binary()
            else:
                self._dispatch(text)
        if len(self._inbox or ()) < HIGH_WATER:
            self.wire.resume_reading()

    def _holding(self) -> bool:
        return self._inbox is not None

    def _started(self) -> None:
        self._in_flight += 1
        if self._in_flight >= MAX_IN_FLIGHT and self._inbox is None:
            self._inbox = deque()

    def _finished(self) -> None:
        self._in_flight -= 1
        if self._inbox is not None and self._end is None and self.user_id:
            self._drain()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        if self._tasks is None:
            self._tasks = set()
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        tasks = self._tasks
        if tasks is not None:
            tasks.discard(task)
            if not tasks:
                self._tasks = None  # an idle connection holds no empty set

    def _dispatch(self, text: str) -> None:
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
        self._started()
        if (
            isinstance(cmd, SendMessage)
            and cmd.reply_to is None
            and not cmd.attachments
            and self._send_fast(cmd_id, cmd)
        ):
            return
        self._spawn(self._run(cmd_id, handler, cmd))

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

        def answer(done: asyncio.Future[Ack]) -> None:
            if done.cancelled() or self._end is not None:
                self._finished()
                return
            exc = done.exception()
            if exc is None:
                self._enqueue(result_frame(cmd_id, done.result()))
                self._finished()
                return
            # rare: refused at commit time; the general path answers, duplicate check included
            self._spawn(self._run(cmd_id, HANDLERS["message/send"][1], cmd))

        fut.add_done_callback(answer)
        return True

    async def _run(self, cmd_id: int, handler: Any, cmd: Any) -> None:
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
            self._finished()

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
