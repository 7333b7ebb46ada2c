"""The chat connection: a thin asyncio loop around ``ChatProtocol``, the cache and the outbox.

It connects (pinned), authenticates with a fresh access token, syncs from the cache's cursors,
resends the outbox, then applies events as they come. When the connection ends it asks
``classify_close`` whether to come back, and waits a ``backoff`` delay before it does. Everything
it learns goes into the cache first and is then announced as a past-tense event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from app.chat.cache import ChatCache
from app.chat.events import (
    ChatEvent,
    ConnectionEnded,
    ConnectionState,
    ConnectionStateChanged,
    ConversationsUpdated,
    EventStored,
    MessageReceived,
    PresenceChanged,
    ReadMarkerMoved,
    SendAcked,
    SendFailed,
    SendQueued,
    TypingReceived,
    UnknownEventReceived,
)
from app.chat.explain import (
    explain_client_error,
    explain_offline,
    explain_refusal,
    explain_signed_out,
)
from app.chat.outbox import FINAL_CODES, RESENDABLE, Outbox, OutboxItem, OutboxState
from app.chat.session import (
    AuthAccepted,
    AuthRefused,
    ChatProtocol,
    CloseVerdict,
    CommandError,
    EphemeralReceived,
    Incoming,
    Phase,
    ProtocolViolation,
    ResultReceived,
    StoredEventReceived,
    Synced,
    UnmatchedError,
    backoff,
    classify_close,
)
from app.events import Emitter
from app.net.address import Address
from app.net.errors import ApiError, CertificateChanged, NetError
from app.net.explain import explain
from app.net.models import parse_model
from app.net.signed_in import SESSION_OVER
from app.net.ws import close_info, open_socket
from app.paths import AppPaths
from server.protocol.chat import Ack, Conversation, EventKind, EventPage
from server.protocol.errors import ErrorCode

if TYPE_CHECKING:
    from app.accounts.account import Account

log = logging.getLogger(__name__)

# A command whose result has not come in this long is treated as lost (protocol 14.5).
COMMAND_TIMEOUT_S = 30.0
# Wait before resending after internal_error, when the server gave no retry_after.
RESEND_AFTER_ERROR_S = 5.0
# The server's default limit on a frame from the client (``limits.ws_max_frame_bytes``, 14.6):
# a larger frame is dropped with an ``id: null`` error, so its command would never be answered.
MAX_FRAME_BYTES = 65_536


class TokenSource(Protocol):
    """Where access tokens come from (``SignedInApi`` is one)."""

    async def access_token(self) -> str:
        """A current access token, refreshed if it is due."""
        ...

    async def refresh(self, stale_access_token: str | None = None) -> None:
        """Rotates the tokens after the server said ``token_expired``."""
        ...


class TooLarge(ValueError):
    """The command would not fit in one WebSocket frame; nothing was stored or sent."""


class ChatOffline(Exception):
    """The command needs the connection, which is not online now (or dropped meanwhile)."""


class CommandRefused(Exception):
    """The server refused a command.

    Attributes:
        code: the error code.
        message: the server's English message (for the log).
        retry_after: seconds to wait, on ``rate_limited``.
    """

    def __init__(self, error: CommandError) -> None:
        super().__init__(f"{error.code}: {error.message}")
        self.code = error.code
        self.message = error.message
        self.retry_after = error.retry_after


class ChatConnection:
    """One account's live chat connection, with its cache and outbox.

    Attributes:
        cache: the account's local copy (read it directly to show conversations, messages and
            search results, offline too).
        outbox: what the user wrote that the server has not stored yet.
        events: every ``ChatEvent`` (see ``app.chat.events``).
        state: connecting, online or offline.
    """

    def __init__(
        self,
        cache: ChatCache,
        address: Address,
        fingerprint: str | None,
        tokens: TokenSource,
        *,
        outbox: Outbox | None = None,
        recent: int = 50,
        first_backoff: float = 1.0,
        max_backoff: float = 60.0,
        rand: Callable[[], float] = random.random,
        max_frame_bytes: int = MAX_FRAME_BYTES,
        command_timeout: float = COMMAND_TIMEOUT_S,
    ) -> None:
        self.cache = cache
        self._command_timeout = command_timeout
        self._max_frame_bytes = max_frame_bytes
        self.outbox = outbox or Outbox(cache)
        self.events: Emitter[ChatEvent] = Emitter()
        self.state = ConnectionState.OFFLINE
        self._address = address
        self._fingerprint = fingerprint
        self._tokens = tokens
        self._recent = recent
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._rand = rand
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._ws: ClientConnection | None = None
        self._proto: ChatProtocol | None = None
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._in_flight: dict[int, str] = {}  # command id -> client_id, this connection only
        self._timers: set[asyncio.Task[None]] = set()
        self._online = asyncio.Event()

    @classmethod
    def for_account(cls, account: Account, paths: AppPaths, **options: Any) -> ChatConnection:
        """The connection of a signed-in ``app.accounts.account.Account``, with its cache.

        Args:
            account: the account (its ``server_id``, ``username``, ``address`` and ``api``).
            paths: where the cache file goes.
            options: passed on to the constructor (``recent``, back-off settings).
        """
        cache = ChatCache.for_account(paths, account.server_id, account.username)
        fingerprint = account.api.api.client.fingerprint
        return cls(cache, account.address, fingerprint, account.api, **options)

    @property
    def user_id(self) -> int | None:
        """Our user id, once known (from the cache, so offline too)."""
        return self.cache.user_id

    # --- life cycle -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether it is connected or will try again (False after ``stop`` or a fatal end)."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Starts connecting in the background (and reconnecting until ``stop``)."""
        if self._task is not None and not self._task.done():
            return
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="chat-connection")

    async def stop(self) -> None:
        """Closes the connection and stops reconnecting; the cache stays open."""
        self._stopping = True
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                # Stopping must finish whatever the connection was doing: an attempt cut
                # short mid-handshake can fail in its own way.
                log.exception("the chat connection failed while stopping")
        for timer in list(self._timers):
            timer.cancel()
        if self._timers:
            await asyncio.gather(*self._timers, return_exceptions=True)
        self._set_state(ConnectionState.OFFLINE)

    async def close(self) -> None:
        """Stops, then closes the cache."""
        await self.stop()
        self.cache.close()

    async def wait_online(self) -> None:
        """Returns once the connection is online (synced)."""
        await self._online.wait()

    def _set_state(
        self, state: ConnectionState, retry_in: float | None = None, problem: str | None = None
    ) -> None:
        if state is ConnectionState.ONLINE:
            self._online.set()
        else:
            self._online.clear()
        if state == self.state and retry_in is None and problem is None:
            return
        self.state = state
        self.events.emit(ConnectionStateChanged(state, retry_in, problem))

    async def _run(self) -> None:
        delays = self._delays()
        just_refreshed = False
        while not self._stopping:
            self._set_state(ConnectionState.CONNECTING)
            verdict, problem, was_online = await self._connect_once()
            if was_online:
                delays = self._delays()  # a good connection starts the back-off afresh
            if self._stopping or verdict is CloseVerdict.STOP:
                if not self._stopping:
                    self._set_state(ConnectionState.OFFLINE, None, problem)
                    self.events.emit(ConnectionEnded("client_error", problem))
                return
            if verdict is CloseVerdict.SIGNED_OUT:
                problem = explain_signed_out()
                self._set_state(ConnectionState.OFFLINE, None, problem)
                self.events.emit(ConnectionEnded("signed_out", problem))
                return
            if verdict is CloseVerdict.REFRESH:
                refreshed = await self._refresh()
                if refreshed is CloseVerdict.SIGNED_OUT:
                    problem = explain_signed_out()
                    self._set_state(ConnectionState.OFFLINE, None, problem)
                    self.events.emit(ConnectionEnded("signed_out", problem))
                    return
                if refreshed is None and not just_refreshed:
                    # A fresh token: come straight back. Only once in a row, so that a clock
                    # far off the server's cannot make a tight refresh loop.
                    just_refreshed = True
                    continue
            just_refreshed = False
            delay = next(delays)
            self._set_state(ConnectionState.OFFLINE, delay, problem or explain_offline())
            await asyncio.sleep(delay)

    def _delays(self) -> Iterator[float]:
        return backoff(self._first_backoff, self._max_backoff, rand=self._rand)

    async def _refresh(self) -> CloseVerdict | None:
        """Refreshes the tokens: None when done, else what to do instead."""
        try:
            await self._tokens.refresh(None)
        except ApiError as exc:
            if exc.code in SESSION_OVER:
                return CloseVerdict.SIGNED_OUT
            return CloseVerdict.RETRY
        except NetError:
            return CloseVerdict.RETRY
        return None

    async def _connect_once(self) -> tuple[CloseVerdict, str | None, bool]:
        """One connection from open to close.

        Returns:
            What to do next, a sentence for the user (or None), and whether it got online.
        """
        try:
            token = await self._tokens.access_token()
        except ApiError as exc:
            if exc.code in SESSION_OVER:
                return CloseVerdict.SIGNED_OUT, None, False
            return CloseVerdict.RETRY, explain(exc), False
        except NetError as exc:
            return CloseVerdict.RETRY, explain(exc), False
        try:
            ws = await open_socket(self._address, self._fingerprint)
        except CertificateChanged as exc:
            problem = explain(exc)
            self._stopping = True
            self._set_state(ConnectionState.OFFLINE, None, problem)
            self.events.emit(ConnectionEnded("certificate_changed", problem))
            return CloseVerdict.STOP, problem, False
        except NetError as exc:
            return CloseVerdict.RETRY, explain(exc), False
        proto = ChatProtocol()
        self._ws, self._proto = ws, proto
        self._in_flight.clear()
        was_online = False
        try:
            await ws.send(proto.auth_frame(token))
            async for raw in ws:
                for item in proto.receive(raw):
                    await self._handle(item)
                was_online = was_online or proto.phase is Phase.LIVE
        except (ConnectionClosed, ChatOffline):
            pass
        except ProtocolViolation:
            log.exception("the server broke the protocol; reconnecting")
            await ws.close()
        finally:
            self._ws = None
            proto.closed()
            self._in_flight.clear()
            for fut in self._waiting.values():
                if not fut.done():
                    fut.set_exception(ChatOffline("the connection dropped"))
            self._waiting.clear()
        info = close_info(ws)
        verdict = classify_close(info.code, proto.auth_error, we_closed=self._stopping)
        log.info("chat connection closed: %s %r -> %s", info.code, info.reason, verdict)
        trouble = explain_client_error() if verdict is CloseVerdict.STOP else None
        return verdict, trouble, was_online

    # --- what comes in --------------------------------------------------------------------

    async def _handle(self, item: Incoming) -> None:
        if isinstance(item, AuthAccepted):
            self.cache.set_meta("user_id", str(item.user_id))
            await self._send_frame(self._sync_frame())
        elif isinstance(item, AuthRefused):
            log.info("auth refused: %s", item.code)
        elif isinstance(item, Synced):
            self.cache.store_conversations(item.conversations)
            self.events.emit(ConversationsUpdated(tuple(c.id for c in item.conversations)))
            self._set_state(ConnectionState.ONLINE)
            # Protocol 15.7 step 4: resend everything still pending, oldest first.
            for entry in self.outbox.pending():
                await self._send_item(entry)
        elif isinstance(item, StoredEventReceived):
            self._on_stored_event(item)
        elif isinstance(item, EphemeralReceived):
            self._on_ephemeral(item)
        elif isinstance(item, ResultReceived):
            self._on_result(item)
        elif isinstance(item, UnmatchedError):
            log.info("error result without a command: %s", item.error)

    def _sync_frame(self) -> str:
        assert self._proto is not None
        _, frame = self._proto.sync_frame(self.cache.cursors(), self._recent)
        return frame

    def _on_stored_event(self, item: StoredEventReceived) -> None:
        event = item.event
        me = self.cache.user_id
        known = self.cache.conversation(event.conversation_id) is not None
        if self.cache.apply_event(event):
            self.events.emit(EventStored(event))
            if event.kind == EventKind.MESSAGE and event.sender_id != me:
                self.events.emit(MessageReceived(event))
            added = (event.content or {}).get("user_ids", [])
            if event.kind == EventKind.MEMBER_ADDED and me in added and not known:
                # Protocol 17.3: a conversation new to us is fetched whole.
                self._spawn(self._fetch_conversation(event.conversation_id), "chat-fetch")
        # The replay may bring our own event before the resend's acknowledgement (15.2).
        if event.client_id is not None and event.sender_id == me and me is not None:
            self._acknowledge(event.client_id, event.seq, event.created_at, duplicate=True)

    def _on_ephemeral(self, item: EphemeralReceived) -> None:
        body = item.body
        try:
            if item.kind == "read":
                # protocol.md 17.4 names the marker ``seq``; the server sends ``read_seq``.
                marker = body["read_seq"] if "read_seq" in body else body["seq"]
                cid, uid, seq = int(body["conversation_id"]), int(body["user_id"]), int(marker)
                self.cache.set_read_marker(cid, uid, seq)
                self.events.emit(ReadMarkerMoved(cid, uid, seq))
            elif item.kind == "typing":
                self.events.emit(
                    TypingReceived(
                        int(body["conversation_id"]),
                        int(body["user_id"]),
                        float(body.get("expires_in", 6)),
                    )
                )
            elif item.kind == "presence":
                self.events.emit(PresenceChanged(int(body["user_id"]), bool(body["online"])))
            else:
                self.events.emit(UnknownEventReceived(item.kind, body))
        except (KeyError, TypeError, ValueError):
            log.info("ignoring a malformed %s event: %r", item.kind, body)

    def _on_result(self, item: ResultReceived) -> None:
        client_id = self._in_flight.pop(item.command_id, None)
        if client_id is not None:
            self._on_outbox_result(client_id, item)
            return
        fut = self._waiting.pop(item.command_id, None)
        if fut is None or fut.done():
            return
        if item.error is not None:
            fut.set_exception(CommandRefused(item.error))
        else:
            fut.set_result(item.result or {})

    def _on_outbox_result(self, client_id: str, item: ResultReceived) -> None:
        if item.error is None:
            try:
                ack = parse_model(Ack, item.result)
            except NetError:
                log.warning("an acknowledgement that is not one: %r", item.result)
                return
            self._acknowledge(client_id, ack.seq, ack.created_at, duplicate=ack.duplicate)
            return
        code = item.error.code
        entry = self.outbox.get(client_id)
        if entry is None or entry.state is not OutboxState.PENDING:
            return
        if code == ErrorCode.MESSAGE_NOT_FOUND and entry.command == "message/delete":
            self.outbox.mark_sent_without_seq(client_id)  # the first try went through (15.2)
            return
        if code in FINAL_CODES:
            failed = self.outbox.failed(client_id, code)
            if failed is not None:
                self.events.emit(SendFailed(failed, code, explain_refusal(code)))
            return
        # rate_limited, internal_error and anything unknown: try again after a pause.
        wait = item.error.retry_after or RESEND_AFTER_ERROR_S
        self._later(wait, entry)

    def _acknowledge(self, client_id: str, seq: int, created_at: float, *, duplicate: bool) -> None:
        me = self.cache.user_id
        entry = self.outbox.get(client_id)
        if entry is None or me is None:
            return
        was_pending = entry.state is OutboxState.PENDING
        done = self.outbox.acknowledged(client_id, seq=seq, created_at=created_at, sender_id=me)
        if done is None:
            return
        sent, filed = done
        if filed is not None:
            self.events.emit(EventStored(filed))
        if was_pending:
            self.events.emit(SendAcked(sent, duplicate))

    def _later(self, wait: float, entry: OutboxItem) -> None:
        async def resend() -> None:
            await asyncio.sleep(wait)
            current = self.outbox.get(entry.client_id)
            if current is not None and current.state is OutboxState.PENDING:
                await self._send_item(current)

        self._spawn(resend(), "chat-resend")

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    async def _fetch_conversation(self, conversation_id: int) -> None:
        try:
            found = await self.request("conversation/get", conversation_id=conversation_id)
            self._store_conversation(parse_model(Conversation, found))
        except (ChatOffline, CommandRefused, NetError) as exc:
            # The next sync's conversation list brings it anyway.
            log.info("could not fetch conversation %s: %s", conversation_id, exc)

    # --- what goes out --------------------------------------------------------------------

    async def _send_frame(self, frame: str) -> None:
        ws = self._ws
        if ws is None:
            raise ChatOffline("not connected")
        try:
            await ws.send(frame)
        except ConnectionClosed as exc:
            raise ChatOffline("the connection dropped") from exc

    async def _send_item(self, entry: OutboxItem) -> None:
        """Sends an outbox entry now if online; otherwise it waits for the next sync."""
        proto = self._proto
        if self._ws is None or proto is None or proto.phase is not Phase.LIVE:
            return
        if entry.client_id in self._in_flight.values():
            return  # already on its way on this connection
        command_id, frame = proto.command(entry.command, **entry.fields())
        self._in_flight[command_id] = entry.client_id
        try:
            await self._send_frame(frame)
        except ChatOffline:
            return  # it stays pending; the next sync resends it
        self._spawn(self._resend_if_unanswered(proto, command_id, entry.client_id), "chat-watch")

    async def _resend_if_unanswered(
        self, proto: ChatProtocol, command_id: int, client_id: str
    ) -> None:
        """Protocol 14.5: a result that has not come in time is treated as lost; resend."""
        await asyncio.sleep(self._command_timeout)
        if self._proto is not proto or self._in_flight.get(command_id) != client_id:
            return  # answered, or the connection is gone (the next sync resends)
        del self._in_flight[command_id]
        current = self.outbox.get(client_id)
        if current is not None and current.state is OutboxState.PENDING:
            await self._send_item(current)

    async def _queue(
        self,
        conversation_id: int,
        command: str,
        body: dict[str, Any],
        client_id: str | None = None,
    ) -> OutboxItem:
        assert command in RESENDABLE
        # Checked before the outbox stores it: a frame over the limit would be resent forever.
        wire = dict(body)
        if "attachments" in wire:
            wire["attachments"] = [a["id"] for a in wire["attachments"]]
        size = len(json.dumps({"id": 2**62, "type": command, "client_id": "x" * 36, **wire}))
        if size > self._max_frame_bytes:
            raise TooLarge(f"{command} needs {size} bytes; frames hold {self._max_frame_bytes}")
        queued = self.outbox.get(client_id) if client_id is not None else None
        if queued is not None:
            return queued  # queued before (an upload's message, after a restart)
        entry = self.outbox.add(conversation_id, command, body, client_id=client_id)
        self.events.emit(SendQueued(entry))
        await self._send_item(entry)
        return entry

    async def send_message(
        self,
        conversation_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        attachments: list[str] | None = None,
        described: Sequence[Mapping[str, Any]] = (),
        client_id: str | None = None,
    ) -> OutboxItem:
        """Writes a message: into the outbox at once, and to the server when online.

        Args:
            conversation_id: where it goes.
            text: the text; may be empty when the message carries attachments (protocol 23.2).
            reply_to: the seq it answers.
            attachments: ids of our finished uploads, in the order to show them.
            described: the server's ``Attachment`` of each (from ``complete``), so that our
                own copy shows the files before the server echoes the message. Ids without a
                description are sent all the same, but shown only once synced from elsewhere.
            client_id: for a message that must be queued at most once: when the outbox holds
                this client id already, its entry is returned and nothing more is sent.

        Returns:
            The outbox entry (pending); ``SendAcked`` or ``SendFailed`` follows.

        Raises:
            ValueError: neither text nor attachments, or an attachment id is empty.
        """
        ids = list(attachments or [])
        if not text and not ids:
            raise ValueError("a message needs some text or a file")
        if not all(isinstance(i, str) and i for i in ids):
            raise ValueError("an attachment id is empty")
        body: dict[str, Any] = {"text": text}
        if reply_to is not None:
            body["reply_to"] = reply_to
        if ids:
            known = {str(d.get("id")): d for d in described}
            body["attachments"] = [dict(known.get(i, {"id": i}), id=i) for i in ids]
        return await self._queue(conversation_id, "message/send", body, client_id)

    async def edit_message(self, conversation_id: int, seq: int, text: str) -> OutboxItem:
        """Changes the text of one of our messages (through the outbox).

        Raises:
            ValueError: the text is empty.
        """
        if not text:
            raise ValueError("an edit needs some text")
        return await self._queue(conversation_id, "message/edit", {"seq": seq, "text": text})

    async def delete_message(self, conversation_id: int, seq: int) -> OutboxItem:
        """Deletes a message (through the outbox)."""
        return await self._queue(conversation_id, "message/delete", {"seq": seq})

    async def react(
        self, conversation_id: int, seq: int, emoji: str, *, remove: bool = False
    ) -> OutboxItem:
        """Adds (or removes) a reaction (through the outbox)."""
        return await self._queue(
            conversation_id, "message/react", {"seq": seq, "emoji": emoji, "remove": remove}
        )

    async def retry(self, client_id: str) -> OutboxItem | None:
        """Sends a failed outbox entry again, under its own client id (the user pressed "try
        again"): the server stored nothing for a refused command, so the id is free.

        Returns:
            The entry, pending again; None when it is gone or was not failed.
        """
        entry = self.outbox.retry(client_id)
        if entry is None or entry.state is not OutboxState.PENDING:
            return None
        self.events.emit(SendQueued(entry))
        await self._send_item(entry)
        return entry

    async def request(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Any other command, answered now or never: it needs the connection online.

        Returns:
            The command's result.

        Raises:
            ChatOffline: not online, the connection dropped, or no result in 30 seconds.
            CommandRefused: the server refused it.
            ValueError: ``type_`` is a resendable command (use the methods above).
        """
        if type_ in RESENDABLE:
            raise ValueError(f"{type_} goes through the outbox")
        proto = self._proto
        if self._ws is None or proto is None or proto.phase is not Phase.LIVE:
            raise ChatOffline("not online")
        command_id, frame = proto.command(type_, **fields)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[command_id] = fut
        try:
            await self._send_frame(frame)
            return await asyncio.wait_for(fut, self._command_timeout)
        except TimeoutError as exc:
            raise ChatOffline("no answer in time") from exc
        finally:
            # Whatever ended the wait (an answer, a timeout, the caller cancelled): the future
            # is nobody's now, and a late answer or a drop must not fill it unseen.
            self._waiting.pop(command_id, None)
            if not fut.done():
                fut.cancel()
            elif not fut.cancelled():
                fut.exception()  # seen: the caller has its own error (the same drop)

    async def group_command(self, type_: str, **fields: Any) -> dict[str, Any]:
        """A command that changes a group (section 18.3: add, remove, leave, update, set_role),
        with the event it stored filed in the cache and announced as ``EventStored``.

        The server does not send a command's own events back to the connection that sent it
        (protocol 15.3); the result names the event's seq, and ``history`` gives the event
        exactly as stored (a leaver may still read up to the event that removed them).

        Raises:
            ChatOffline, CommandRefused: as ``request``.
        """
        result = await self.request(type_, **fields)
        seq, cid = result.get("seq"), result.get("conversation_id")
        if isinstance(seq, int) and isinstance(cid, int) and seq > 0:
            page = parse_model(
                EventPage,
                await self.request("history", conversation_id=cid, after=seq - 1, limit=1),
            )
            for event in page.events:
                if self.cache.apply_event(event):
                    self.events.emit(EventStored(event))
        return result

    async def create_direct(self, user_id: int) -> Conversation:
        """The direct conversation with someone (created the first time), stored in the cache."""
        conversation = parse_model(
            Conversation, await self.request("conversation/create_direct", user_id=user_id)
        )
        self._store_conversation(conversation)
        return conversation

    async def create_group(
        self, name: str, *, topic: str = "", member_ids: list[int] | None = None
    ) -> Conversation:
        """A new group with us as its owner, stored in the cache."""
        conversation = parse_model(
            Conversation,
            await self.request(
                "conversation/create_group", name=name, topic=topic, member_ids=member_ids or []
            ),
        )
        self._store_conversation(conversation)
        return conversation

    def _store_conversation(self, conversation: Conversation) -> None:
        self.cache.store_conversations([conversation])
        self.events.emit(ConversationsUpdated((conversation.id,)))

    async def mark_read(self, conversation_id: int, seq: int) -> None:
        """Moves our read marker (the server tells our other devices)."""
        await self.request("read/mark", conversation_id=conversation_id, seq=seq)
        me = self.cache.user_id
        if me is not None:
            self.cache.set_read_marker(conversation_id, me, seq)

    async def typing(self, conversation_id: int) -> None:
        """Tells the others we are typing (call at most every few seconds)."""
        await self.request("typing", conversation_id=conversation_id)

    async def load_older(self, conversation_id: int, limit: int = 50) -> bool:
        """Fetches the page of history before the oldest event held, into the cache.

        Returns:
            Whether there is more history further back.
        """
        fields: dict[str, Any] = {"conversation_id": conversation_id, "limit": limit}
        lowest = self.cache.lowest_seq(conversation_id)
        if lowest is not None:
            if lowest <= 1:
                return False
            fields["before"] = lowest
        page = parse_model(EventPage, await self.request("history", **fields))
        for event in page.events:
            if self.cache.apply_event(event):
                self.events.emit(EventStored(event))
        return page.has_more
