"""The chat connection's rules without I/O: frames in, frames and decoded messages out.

``ChatProtocol`` follows one connection through its phases (auth → sync → live → closed),
numbers commands, matches results to them and decodes events. ``classify_close`` says whether
an ended connection may be tried again, and ``backoff`` how long to wait before that. Nothing
here touches a socket or a clock, so all of it is tested with plain strings.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel

from app.net.errors import BadResponse
from app.net.models import parse_model
from server.protocol.chat import Conversation, ConversationList, Event, EventKind
from server.protocol.errors import ErrorCode
from server.protocol.ws import CLOSE_AUTH_FAILED, CLOSE_AUTH_TIMEOUT, CLOSE_SESSION_ENDED

M = TypeVar("M", bound=BaseModel)

MAX_COMMAND_ID = 2**62
_STORED_KINDS = frozenset(k.value for k in EventKind)


class Phase(StrEnum):
    """Where a connection is in its life (protocol 15.7)."""

    AUTH = "auth"  # the auth frame is out, no answer yet
    SYNC = "sync"  # signed in; sync sent, its result not yet in
    LIVE = "live"  # synced: events flow
    CLOSED = "closed"


class ProtocolViolation(Exception):
    """The server sent something this protocol version does not allow (a bug, or not Roost)."""


# --- what comes out of ``receive`` -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthAccepted:
    """``auth_ok``: the connection is signed in."""

    user_id: int
    session_id: str


@dataclass(frozen=True, slots=True)
class AuthRefused:
    """``auth_invalid``: the server will close the connection (4001 or 4002)."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class CommandError:
    """The ``error`` of a failed result (the REST error envelope's fields)."""

    code: str
    message: str
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class ResultReceived:
    """The result of one of our commands.

    Attributes:
        command_id: the command's id.
        command_type: the command's ``type``.
        client_id: the command's ``client_id``, for the four resendable commands.
        result: the answer on success.
        error: the refusal otherwise.
    """

    command_id: int
    command_type: str
    client_id: str | None
    result: dict[str, Any] | None
    error: CommandError | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Synced:
    """The result of ``sync``: the connection is live; the conversation list is fresh."""

    conversations: list[Conversation]


@dataclass(frozen=True, slots=True)
class StoredEventReceived:
    """A stored event (it has a ``seq``), replayed or live."""

    event: Event


@dataclass(frozen=True, slots=True)
class EphemeralReceived:
    """A ``presence``, ``typing`` or ``read`` event, or a kind this version does not know."""

    kind: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UnmatchedError:
    """An error result with ``id: null``: a frame the server could not tie to a command."""

    error: CommandError


Incoming = (
    AuthAccepted
    | AuthRefused
    | ResultReceived
    | Synced
    | StoredEventReceived
    | EphemeralReceived
    | UnmatchedError
)


@dataclass(frozen=True, slots=True)
class _Pending:
    type: str
    client_id: str | None


@dataclass
class ChatProtocol:
    """One connection's state machine.

    Usage: send ``auth_frame(token)`` first; feed every text frame to ``receive``; after
    ``AuthAccepted`` send ``sync_frame(cursors)``; after ``Synced`` the connection is live.
    Commands get increasing ids from ``command``; their results come back as
    ``ResultReceived`` (or ``Synced``) with the command's type and ``client_id``.

    Attributes:
        phase: where the connection is.
        auth_error: the ``auth_invalid`` code, when the server refused the token.
        user_id: the signed-in user, after ``auth_ok``.
    """

    phase: Phase = Phase.AUTH
    auth_error: str | None = None
    user_id: int | None = None
    _next_id: int = 1
    _pending: dict[int, _Pending] = field(default_factory=dict)
    _sync_id: int | None = None

    def auth_frame(self, access_token: str) -> str:
        """The first frame: exactly ``{"type": "auth", "access_token": ...}``."""
        return json.dumps({"type": "auth", "access_token": access_token})

    def command(self, type_: str, **fields: Any) -> tuple[int, str]:
        """Numbers a command and encodes it.

        Returns:
            The command's id and the frame to send.

        Raises:
            ProtocolViolation: the connection is closed, or not signed in yet.
        """
        if self.phase in (Phase.AUTH, Phase.CLOSED):
            raise ProtocolViolation(f"no commands in phase {self.phase}")
        if self._next_id > MAX_COMMAND_ID:  # pragma: no cover - 2^62 commands on one socket
            raise ProtocolViolation("command ids are used up; reconnect")
        command_id = self._next_id
        self._next_id += 1
        client_id = fields.get("client_id")
        self._pending[command_id] = _Pending(
            type_, client_id if isinstance(client_id, str) else None
        )
        return command_id, json.dumps({"id": command_id, "type": type_, **fields})

    def sync_frame(self, cursors: dict[int, int], recent: int = 50) -> tuple[int, str]:
        """The ``sync`` command, with the cache's cursors (protocol 15.4)."""
        if self.phase is not Phase.SYNC or self._sync_id is not None:
            raise ProtocolViolation("sync is sent once, right after auth_ok")
        command_id, frame = self.command(
            "sync", cursors={str(c): s for c, s in cursors.items()}, recent=recent
        )
        self._sync_id = command_id
        return command_id, frame

    @property
    def waiting(self) -> list[int]:
        """The ids of commands still without a result."""
        return list(self._pending)

    def closed(self) -> list[tuple[int, str, str | None]]:
        """Marks the connection closed.

        Returns:
            The commands that never got a result: (id, type, client_id). Those with a
            ``client_id`` are resent on the next connection; the others have failed.
        """
        self.phase = Phase.CLOSED
        lost = [(i, p.type, p.client_id) for i, p in self._pending.items()]
        self._pending.clear()
        return lost

    def receive(self, text: str | bytes) -> list[Incoming]:
        """Decodes one frame from the server.

        Returns:
            What the frame means (usually one item; none for a frame to ignore).

        Raises:
            ProtocolViolation: not JSON, or a frame that makes no sense in this phase.
        """
        if isinstance(text, bytes):
            raise ProtocolViolation("the server sent a binary frame")
        try:
            frame = json.loads(text)
        except ValueError as exc:
            raise ProtocolViolation("the server sent a frame that is not JSON") from exc
        if not isinstance(frame, dict):
            raise ProtocolViolation("the server sent a frame that is not an object")
        kind = frame.get("type")
        if self.phase is Phase.AUTH:
            return [self._auth_answer(kind, frame)] if kind != "auth_required" else []
        if kind == "result":
            return [self._result(frame)]
        if kind == "event" and isinstance(frame.get("event"), dict):
            return [_event(frame["event"])]
        return []  # frame types of a newer version are ignored (protocol 14.3)

    def _auth_answer(self, kind: object, frame: dict[str, Any]) -> Incoming:
        if kind == "auth_ok":
            self.phase = Phase.SYNC
            self.user_id = int(frame["user_id"])
            return AuthAccepted(self.user_id, str(frame.get("session_id", "")))
        if kind == "auth_invalid":
            err = _error(frame.get("error"))
            self.auth_error = err.code
            return AuthRefused(err.code, err.message)
        raise ProtocolViolation(f"unexpected {kind!r} frame before auth_ok")

    def _result(self, frame: dict[str, Any]) -> Incoming:
        command_id = frame.get("id")
        success = frame.get("success") is True
        if not isinstance(command_id, int) or isinstance(command_id, bool):
            return UnmatchedError(_error(frame.get("error")))
        pending = self._pending.pop(command_id, None)
        if pending is None:
            # A second result for an id (id_not_increasing, 14.4) or one we gave up on.
            return UnmatchedError(_error(frame.get("error")))
        if command_id == self._sync_id and success:
            self.phase = Phase.LIVE
            listing = _parse(ConversationList, frame.get("result"))
            return Synced(listing.conversations)
        result = frame.get("result")
        return ResultReceived(
            command_id,
            pending.type,
            pending.client_id,
            result if success and isinstance(result, dict) else None,
            None if success else _error(frame.get("error")),
        )


def _error(raw: object) -> CommandError:
    if not isinstance(raw, dict):
        return CommandError(ErrorCode.INTERNAL_ERROR, "the server sent no error details")
    retry = raw.get("retry_after")
    return CommandError(
        str(raw.get("code", "")),
        str(raw.get("message", "")),
        float(retry) if isinstance(retry, int | float) and not isinstance(retry, bool) else None,
    )


def _parse(model: type[M], data: object) -> M:
    try:
        return parse_model(model, data)
    except BadResponse as exc:
        raise ProtocolViolation(str(exc)) from exc


def _event(body: dict[str, Any]) -> Incoming:
    kind = body.get("kind")
    if "seq" in body and kind in _STORED_KINDS:
        return StoredEventReceived(_parse(Event, body))
    return EphemeralReceived(str(kind), body)


# --- closing and coming back -----------------------------------------------------------------


class CloseVerdict(StrEnum):
    """What to do after a connection ended."""

    RETRY = "retry"  # connect again after a back-off, then sync
    REFRESH = "refresh"  # refresh the access token, then connect again
    SIGNED_OUT = "signed_out"  # the session is over: sign in again; never loop
    STOP = "stop"  # we closed it ourselves, or the client is broken: do not loop


# auth_invalid codes after which this session cannot connect again (protocol 14.2).
_AUTH_FATAL = frozenset(
    {
        ErrorCode.UNAUTHENTICATED,
        ErrorCode.SESSION_REVOKED,
        ErrorCode.ACCOUNT_DISABLED,
        ErrorCode.PASSWORD_CHANGE_REQUIRED,
        ErrorCode.TWO_FACTOR_REQUIRED,
    }
)


def classify_close(code: int | None, auth_error: str | None, *, we_closed: bool) -> CloseVerdict:
    """The retryable-or-fatal decision for an ended connection (protocol 14.9).

    Args:
        code: the close code received; None for an abnormal end (no close frame, 1006).
        auth_error: the ``auth_invalid`` code, if the auth phase was refused.
        we_closed: the app closed the connection itself (sign-out, quit).
    """
    if we_closed:
        return CloseVerdict.STOP
    if code == CLOSE_SESSION_ENDED:
        return CloseVerdict.SIGNED_OUT
    if code == CLOSE_AUTH_FAILED or auth_error is not None and code != CLOSE_AUTH_TIMEOUT:
        if auth_error == ErrorCode.TOKEN_EXPIRED:
            return CloseVerdict.REFRESH
        if auth_error in _AUTH_FATAL:
            return CloseVerdict.SIGNED_OUT
        # invalid_frame: this client is wrong, and trying again would be wrong again.
        return CloseVerdict.STOP
    # 4002 (auth too slow), 4008 (too far behind), 1001/1012 (server stopping), 1011
    # (keepalive), 1006/None (network), 1009 and anything unknown: come back after a pause.
    return CloseVerdict.RETRY


def backoff(
    first: float = 1.0,
    cap: float = 60.0,
    *,
    jitter: float = 0.5,
    rand: Callable[[], float] = random.random,
) -> Iterator[float]:
    """Waits before each reconnection attempt: 1 s, doubling up to a minute, with jitter.

    The randomness (each wait is shortened by up to ``jitter`` of itself) keeps the clients
    of a family from all coming back at the same instant after the Pi restarts (14.9).

    Args:
        first: the first wait, in seconds.
        cap: the longest wait.
        jitter: the share of each wait that is random, from 0 to 1.
        rand: a source of numbers in [0, 1) (tests pass a fixed one).
    """
    if first <= 0 or cap < first or not 0 <= jitter <= 1:
        raise ValueError("backoff needs 0 < first <= cap and 0 <= jitter <= 1")
    wait = first
    while True:
        yield wait * (1 - jitter * rand())
        wait = min(cap, wait * 2)
