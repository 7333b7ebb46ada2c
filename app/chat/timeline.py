"""The rows of one conversation as the message view shows them, over a window of its history.

A conversation may hold a hundred thousand messages; the view never holds them all. A
``Timeline`` keeps a window of at most ``max_messages`` consecutive messages from the cache
(paged further back from the server when the cache runs out) and turns it into rows: day
separators, a "new messages" marker, messages grouped by sender, and the outbox's pending and
failed sends after the newest stored message. Everything here is plain data; the Qt model in
``ui/chat/message_model.py`` diffs successive ``rows()`` to tell the view what changed.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTime

from app.chat.cache import CachedAttachment, CachedConversation, CachedMessage
from app.chat.connection import ChatConnection, ChatOffline, CommandRefused
from app.chat.directory import Directory
from app.chat.events import (
    ChatEvent,
    ConnectionState,
    ConnectionStateChanged,
    ConversationsUpdated,
    EventStored,
    ReadMarkerMoved,
    SendAcked,
    SendFailed,
    SendQueued,
)
from app.chat.explain import explain_refusal
from app.chat.outbox import OutboxItem, OutboxState
from app.net.errors import NetError
from server.protocol.chat import EventKind

log = logging.getLogger(__name__)

# Messages read from the cache (or asked of the server) per step back or forward.
PAGE = 50
# The most messages the window holds. A list view lays out every row it holds whenever rows
# are inserted, so the window stays small enough for that to take a few milliseconds; older
# or newer messages are read again from the cache when the user scrolls back to them.
MAX_MESSAGES = 250
# Events asked of the server per ``history`` page (protocol 15.6 allows up to 200).
SERVER_PAGE = 200
# Consecutive messages of one sender this close together show the sender once.
GROUP_GAP_S = 5 * 60


class Thumbnails(Protocol):
    """Where the view gets the small pictures of image and video attachments."""

    def cached_thumbnail(self, attachment_id: str) -> Path | None:
        """A WebP already on disk, or None (no I/O beyond a stat)."""
        ...

    async def thumbnail(self, attachment_id: str) -> Path | None:
        """The thumbnail, downloaded if needed; None when the attachment has none."""
        ...


class Receipt(StrEnum):
    """What our own message shows of its delivery."""

    NONE = ""  # someone else's message
    PENDING = "pending"  # in the outbox, not yet stored
    FAILED = "failed"  # refused for good
    SENT = "sent"  # stored, nobody else has read it
    READ_SOME = "read_some"  # read by ``read_by`` of the other members
    READ_ALL = "read_all"  # read by every other member


@dataclass(frozen=True, slots=True)
class DayRow:
    """A separator before the first message of a day."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class UnreadRow:
    """The "new messages" marker above the first message that was unread on opening."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Quote:
    """What a reply shows of the message it answers.

    Attributes:
        seq: the answered message.
        sender: its sender's name, or "" when the message is not held.
        text: its first line, "Message deleted", or "Original message not loaded".
    """

    seq: int
    sender: str
    text: str


@dataclass(frozen=True, slots=True)
class Reaction:
    """One emoji under a message: how many reacted with it, and whether we did."""

    emoji: str
    count: int
    mine: bool


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A message, stored or still in the outbox.

    Attributes:
        key: ``m<seq>`` for a stored message, ``o<client_id>`` for an outbox entry.
        seq: the stored message's seq; None while in the outbox.
        client_id: the outbox entry's client id (failed and pending sends).
        sender: the sender's name from the directory.
        first_in_group: the first of consecutive messages of one sender (show the name).
        own: we wrote it.
        text: the text ("" when deleted or when only files were sent).
        show_sender: the sender's name goes above the bubble (the first of a run in a group;
            in a direct conversation the header says who it is).
        time: the time of day, in the user's locale.
        edited: it was edited.
        deleted: it was deleted (show "Message deleted").
        reply: the quoted message of a reply.
        reactions: emoji, their counts and whether we reacted, in first-reaction order.
        attachments: the files it carries.
        receipt: sent, read, pending or failed (our own messages only).
        read_by: how many other members have read it.
        problem: why a send failed, for the user.
    """

    key: str
    conversation_id: int
    seq: int | None
    client_id: str | None
    sender_id: int | None
    sender: str
    first_in_group: bool
    own: bool
    text: str
    created_at: float
    time: str
    edited: bool
    deleted: bool
    reply: Quote | None
    reactions: tuple[Reaction, ...]
    attachments: tuple[CachedAttachment, ...]
    receipt: Receipt
    read_by: int
    problem: str | None
    show_sender: bool = False


Row = DayRow | UnreadRow | MessageRow


def day_label(day: date, today: date) -> str:
    """ "Today", "Yesterday", a weekday within the last week, else the date (locale-aware)."""
    if day == today:
        return QCoreApplication.translate("Timeline", "Today")
    if day == today - timedelta(days=1):
        return QCoreApplication.translate("Timeline", "Yesterday")
    locale = QLocale()
    if today - timedelta(days=7) < day < today:
        return locale.dayName(day.isoweekday(), QLocale.FormatType.LongFormat)
    qday = QDate(day.year, day.month, day.day)
    if day.year == today.year:
        # The locale's long format without the year, e.g. "Wednesday, 3 June" / "6月3日星期三".
        fmt = locale.dateFormat(QLocale.FormatType.LongFormat)
        for part in (", yyyy", " yyyy", "yyyy年", "yyyy"):
            fmt = fmt.replace(part, "")
        return locale.toString(qday, fmt.strip(" ,"))
    return locale.toString(qday, QLocale.FormatType.LongFormat)


def time_label(created_at: float) -> str:
    """The time of day of a timestamp, as the user's locale writes it (12 or 24 hours)."""
    moment = datetime.fromtimestamp(created_at)
    return QLocale().toString(
        QTime(moment.hour, moment.minute, moment.second), QLocale.FormatType.ShortFormat
    )


class Timeline:
    """The rows of one conversation over a window of its messages.

    Call ``apply`` with each ``ChatEvent``; when it returns True, read ``rows()`` again.

    Args:
        connection: the account's connection (cache, outbox, history from the server).
        directory: names of senders.
        conversation_id: which conversation.
        page: messages per step through the history.
        max_messages: the most messages the window holds.
        today: the local date (tests pass a fixed one).
    """

    def __init__(
        self,
        connection: ChatConnection,
        directory: Directory,
        conversation_id: int,
        *,
        page: int = PAGE,
        max_messages: int = MAX_MESSAGES,
        today: Callable[[], date] = date.today,
    ) -> None:
        if page < 1 or max_messages < page:
            raise ValueError("page must be at least 1 and max_messages at least page")
        self.connection = connection
        self.directory = directory
        self.conversation_id = conversation_id
        self._page = page
        self._max = max_messages
        self._today = today
        self._cache = connection.cache
        self._messages: list[CachedMessage] = []
        self._seqs: list[int] = []  # the window's seqs, for bisect
        self._at_end = True
        self._server_done = False
        self._server_failed = False
        self._generation = 0  # bumped when the window is replaced, to drop stale loads
        self._outbox: list[OutboxItem] = []
        self._conversation: CachedConversation | None = None
        self._rows: list[Row] | None = None
        self._day_labels: dict[date, str] = {}
        self._labels_for: date | None = None
        self._names: dict[int | None, str] = {}
        # seq -> (message, first_in_group, read_by, row): rows are rebuilt on every change, but
        # a message whose inputs did not change keeps its row object, so the view's caches
        # (keyed by the row) stay valid and the model's diff sees at once what is unchanged.
        self._memo: dict[int, tuple[CachedMessage, bool, int, Quote | None, MessageRow]] = {}
        conversation = self._cache.conversation(conversation_id)
        self._conversation = conversation
        # The marker stays where it was when the conversation was opened, so that reading
        # (which moves our marker) does not make it jump away under the user's eyes.
        self.unread_after: int | None = conversation.read_seq if conversation else None
        self._first_unread: int | None = None
        self._first_unread_known = False
        self._reload_outbox()
        self.open_at_end()

    # --- the window -------------------------------------------------------------------------

    @property
    def at_end(self) -> bool:
        """Whether the window reaches the newest message (new messages are appended)."""
        return self._at_end

    @property
    def empty(self) -> bool:
        """Nothing to show: no message held in the window and nothing in the outbox."""
        return not self._messages and not self._outbox_sends()

    @property
    def seqs(self) -> list[int]:
        """The seqs of the messages in the window, oldest first."""
        return list(self._seqs)

    def open_at_end(self) -> None:
        """Shows the newest page of messages."""
        self._set_window(self._cache.messages(self.conversation_id, limit=self._page))
        self._at_end = True

    def open_around(self, seq: int) -> bool:
        """Shows the messages around ``seq``.

        Returns:
            False (and nothing changed) when the cache does not hold that message.
        """
        target = self._cache.message(self.conversation_id, seq)
        if target is None:
            return False
        half = self._page // 2
        before = self._cache.messages(self.conversation_id, before=seq, limit=half)
        after = self._newer_than(seq, half)
        self._set_window([*before, target, *after])
        self._at_end = not self._newer_than(self._seqs[-1], 1)
        return True

    def contains(self, seq: int) -> bool:
        i = bisect.bisect_left(self._seqs, seq)
        return i < len(self._seqs) and self._seqs[i] == seq

    def has_older(self) -> bool:
        """Whether there is history before the window (in the cache, or on the server)."""
        if self._seqs and self._cache.messages(self.conversation_id, before=self._seqs[0], limit=1):
            return True
        return self._server_may_have_more()

    def has_newer(self) -> bool:
        """Whether newer messages than the window's are in the cache."""
        return not self._at_end

    def _server_may_have_more(self) -> bool:
        if self._server_done:
            return False
        lowest = self._cache.lowest_seq(self.conversation_id)
        return lowest is None or lowest > 1

    @property
    def waiting_for_server(self) -> bool:
        """The cache ran out and the server could not be asked (offline): try again online."""
        return self._server_failed

    def older_from_cache(self) -> int:
        """Adds the page before the window from the cache (no server round trip).

        Returns:
            How many messages were added.
        """
        low = self._seqs[0] if self._seqs else None
        if low is None and not self._at_end:
            return 0
        older = self._cache.messages(self.conversation_id, before=low, limit=self._page)
        if low is None:
            older = [m for m in older if not self.contains(m.seq)]
        return self._prepend(older)

    async def load_older(self) -> int:
        """Adds the page before the window: from the cache, else from the server.

        Returns:
            How many messages were added (0 when there is no more history, or the server
            could not be asked: see ``waiting_for_server``).
        """
        added = self.older_from_cache()
        if added:
            return added
        generation = self._generation
        while self._server_may_have_more():
            if self.connection.state is not ConnectionState.ONLINE:
                self._server_failed = True
                return 0
            try:
                more = await self.connection.load_older(self.conversation_id, SERVER_PAGE)
            except (ChatOffline, CommandRefused, NetError) as exc:
                log.info("could not load older messages: %s", exc)
                self._server_failed = True
                return 0
            self._server_failed = False
            if generation != self._generation:
                return 0  # the window was replaced meanwhile
            if not more:
                self._server_done = True
            self._first_unread_known = False  # it may be among what just came
            added = self.older_from_cache()
            if added:
                return added
        return 0

    def load_newer(self) -> int:
        """Adds the page after the window from the cache (after the user scrolled back down).

        Returns:
            How many messages were added.
        """
        if self._at_end or not self._seqs:
            return 0
        newer = self._newer_than(self._seqs[-1], self._page)
        if len(newer) < self._page:
            self._at_end = True
            self._reload_outbox()
        if not newer:
            self._rows = None
            return 0
        self._messages.extend(newer)
        self._seqs.extend(m.seq for m in newer)
        excess = len(self._messages) - self._max
        if excess > 0:
            del self._messages[:excess]
            del self._seqs[:excess]
        self._rows = None
        return len(newer)

    def _prepend(self, older: list[CachedMessage]) -> int:
        if not older:
            return 0
        self._messages[:0] = older
        self._seqs[:0] = [m.seq for m in older]
        excess = len(self._messages) - self._max
        if excess > 0:
            # The user is far up: drop the newest; they come back from the cache on the way down.
            del self._messages[-excess:]
            del self._seqs[-excess:]
            self._at_end = False
        self._rows = None
        return len(older)

    def _set_window(self, messages: list[CachedMessage]) -> None:
        self._generation += 1
        self._messages = list(messages)
        self._seqs = [m.seq for m in self._messages]
        self._server_failed = False
        self._rows = None

    def _newer_than(self, seq: int, limit: int) -> list[CachedMessage]:
        """Up to ``limit`` messages after ``seq``, oldest first, from the cache.

        The cache pages backwards only; asking for the newest ``n`` messages below ``lo + n + 1``
        is sure to return every message in ``lo+1 .. lo+n`` (there are at most n of them).
        """
        conversation = self._conversation or self._cache.conversation(self.conversation_id)
        last = conversation.last_seq if conversation else seq
        found: list[CachedMessage] = []
        lo = seq
        while len(found) < limit and lo < last:
            hi = min(lo + limit + 1, last + 1)
            batch = self._cache.messages(self.conversation_id, before=hi, limit=hi - lo - 1)
            found.extend(m for m in batch if m.seq > lo)
            lo = hi - 1
        return found[:limit]

    def first_unread_seq(self) -> int | None:
        """The first message from someone else after our marker on opening, if the cache holds
        it (None when everything was read, or when it is older than the cache)."""
        if not self._first_unread_known:
            self._first_unread = self._find_first_unread()
            self._first_unread_known = True
        return self._first_unread

    def _find_first_unread(self) -> int | None:
        if self.unread_after is None:
            return None
        lowest = self._cache.lowest_seq(self.conversation_id)
        if lowest is None or lowest > self.unread_after + 1:
            return None  # the cache starts after a gap: the first unread one is not held yet
        me = self.connection.user_id
        after = self.unread_after
        while True:
            batch = self._newer_than(after, self._page)
            if not batch:
                return None
            for m in batch:
                if m.sender_id != me and not m.deleted:
                    return m.seq
            after = batch[-1].seq

    # --- live changes -----------------------------------------------------------------------

    def apply(self, event: ChatEvent) -> bool:
        """Takes in one connection event.

        Returns:
            Whether the rows may have changed.
        """
        if isinstance(event, EventStored):
            if event.event.conversation_id != self.conversation_id:
                return False
            return self._stored(event.event.kind, event.event.seq, event.event.target_seq)
        if isinstance(event, SendQueued | SendAcked | SendFailed):
            if event.item.conversation_id != self.conversation_id:
                return False
            self._reload_outbox()
            self._rows = None
            return True
        if isinstance(event, ReadMarkerMoved):
            if event.conversation_id != self.conversation_id:
                return False
            self._reload_conversation()
            return True
        if isinstance(event, ConversationsUpdated):
            if self.conversation_id not in event.conversation_ids:
                return False
            self._reload_conversation()
            return True
        if isinstance(event, ConnectionStateChanged) and event.state is ConnectionState.ONLINE:
            self._server_failed = False
        return False

    def outbox_changed(self) -> None:
        """The outbox changed without an event (an entry was discarded): read it again."""
        self._reload_outbox()
        self._rows = None

    def names_changed(self) -> None:
        """The directory changed: senders are named again on the next ``rows()``."""
        self._names.clear()
        self._memo.clear()
        self._rows = None

    def _stored(self, kind: str, seq: int, target: int | None) -> bool:
        self._conversation = self._cache.conversation(self.conversation_id)
        if kind == EventKind.MESSAGE:
            message = self._cache.message(self.conversation_id, seq)
            if message is None:
                return False
            low = self._seqs[0] if self._seqs else None
            high = self._seqs[-1] if self._seqs else None
            inside = low is not None and high is not None and low < seq < high
            if not (inside or (self._at_end and (high is None or seq > high))):
                return False  # older history coming in, or beyond a window that is not live
            if self.contains(seq):
                return False
            at = bisect.bisect_left(self._seqs, seq)
            self._seqs.insert(at, seq)
            self._messages.insert(at, message)
            if self._at_end and len(self._messages) > self._max:
                del self._messages[0]
                del self._seqs[0]
            self._reload_outbox()  # our own send, filed: its outbox row gives way
            self._rows = None
            return True
        if kind in (EventKind.EDIT, EventKind.DELETE, EventKind.REACTION):
            if target is None or not self.contains(target):
                return False
            message = self._cache.message(self.conversation_id, target)
            if message is None:
                return False
            self._messages[bisect.bisect_left(self._seqs, target)] = message
            self._rows = None
            return True
        # Membership and renames: read receipts count the members.
        self._rows = None
        return True

    def _reload_outbox(self) -> None:
        self._outbox = self.connection.outbox.items(self.conversation_id)

    def _reload_conversation(self) -> None:
        self._conversation = self._cache.conversation(self.conversation_id)
        self._rows = None

    def _outbox_sends(self) -> list[OutboxItem]:
        return [i for i in self._outbox if i.command == "message/send"]

    # --- rows -------------------------------------------------------------------------------

    def rows(self) -> list[Row]:
        """The rows to show, oldest first."""
        if self._rows is None:
            self._rows = self._build()
        return self._rows

    def _build(self) -> list[Row]:
        today = self._today()
        if today != self._labels_for:
            self._day_labels.clear()
            self._labels_for = today
        me = self.connection.user_id
        conversation = self._conversation
        markers = (
            [m.read_seq for m in conversation.members if m.user_id != me] if conversation else []
        )
        by_seq = {m.seq: m for m in self._messages}
        memo = self._memo
        if len(memo) > 2 * self._max and self._seqs:
            low, high = self._seqs[0], self._seqs[-1]
            memo = self._memo = {s: v for s, v in memo.items() if low <= s <= high}
        rows: list[Row] = []
        prev_day: date | None = None
        prev_sender: int | None = None
        prev_time = 0.0
        # Only above the very first unread message: not above whichever message happens to
        # start the window when the first unread one is further back.
        first_unread = self.first_unread_seq()
        for msg in self._messages:
            day = date.fromtimestamp(msg.created_at)
            starts = False
            if day != prev_day:
                rows.append(DayRow(f"d{msg.seq}", self._day(day, today)))
                prev_day, starts = day, True
            if msg.seq == first_unread:
                rows.append(
                    UnreadRow("unread", QCoreApplication.translate("Timeline", "New messages"))
                )
                starts = True
            first = (
                starts or msg.sender_id != prev_sender or msg.created_at - prev_time > GROUP_GAP_S
            )
            read_by = sum(1 for r in markers if r >= msg.seq) if msg.sender_id == me else 0
            quote = None if msg.reply_to is None else self._quote(msg.reply_to, by_seq)
            kept = memo.get(msg.seq)
            if (
                kept is not None
                and kept[0] is msg
                and kept[1] == first
                and kept[2] == read_by
                and kept[3] == quote
            ):
                rows.append(kept[4])
            else:
                row = self._stored_row(msg, first, me, markers, quote)
                memo[msg.seq] = (msg, first, read_by, quote, row)
                rows.append(row)
            prev_sender, prev_time = msg.sender_id, msg.created_at
        if self._at_end:
            for item in self._outbox_sends():
                if item.state is OutboxState.SENT:
                    continue
                day = date.fromtimestamp(item.created_at)
                starts = False
                if day != prev_day:
                    rows.append(DayRow(f"d{item.client_id}", self._day(day, today)))
                    prev_day, starts = day, True
                first = starts or prev_sender != me or item.created_at - prev_time > GROUP_GAP_S
                rows.append(self._outbox_row(item, first, me, by_seq))
                prev_sender, prev_time = me, item.created_at
        return rows

    def _day(self, day: date, today: date) -> str:
        label = self._day_labels.get(day)
        if label is None:
            label = self._day_labels[day] = day_label(day, today)
        return label

    def _name(self, user_id: int | None) -> str:
        name = self._names.get(user_id)
        if name is None:
            name = self._names[user_id] = self.directory.name(user_id)
        return name

    def _stored_row(
        self,
        msg: CachedMessage,
        first: bool,
        me: int | None,
        markers: list[int],
        quote: Quote | None,
    ) -> MessageRow:
        own = me is not None and msg.sender_id == me
        receipt, read_by = Receipt.NONE, 0
        if own:
            read_by = sum(1 for r in markers if r >= msg.seq)
            if markers and read_by == len(markers):
                receipt = Receipt.READ_ALL
            elif read_by:
                receipt = Receipt.READ_SOME
            else:
                receipt = Receipt.SENT
        reactions = tuple(
            Reaction(emoji, len(users), me in users)
            for emoji, users in msg.reactions.items()
            if users
        )
        return MessageRow(
            key=f"m{msg.seq}",
            conversation_id=msg.conversation_id,
            seq=msg.seq,
            client_id=msg.client_id,
            sender_id=msg.sender_id,
            sender=self._name(msg.sender_id),
            first_in_group=first,
            own=own,
            text="" if msg.deleted else (msg.text or ""),
            created_at=msg.created_at,
            time=time_label(msg.created_at),
            edited=msg.edited_at is not None and not msg.deleted,
            deleted=msg.deleted,
            reply=quote,
            reactions=reactions,
            attachments=() if msg.deleted else msg.attachments,
            receipt=receipt,
            read_by=read_by,
            problem=None,
            show_sender=first and not own and self._is_group(),
        )

    def _is_group(self) -> bool:
        conversation = self._conversation or self._cache.conversation(self.conversation_id)
        return conversation is None or conversation.kind != "direct"

    def _outbox_row(
        self, item: OutboxItem, first: bool, me: int | None, by_seq: dict[int, CachedMessage]
    ) -> MessageRow:
        reply_to = item.body.get("reply_to")
        failed = item.state is OutboxState.FAILED
        return MessageRow(
            key=f"o{item.client_id}",
            conversation_id=item.conversation_id,
            seq=None,
            client_id=item.client_id,
            sender_id=me,
            sender=self._name(me),
            first_in_group=first,
            own=True,
            text=item.text or "",
            created_at=item.created_at,
            time=time_label(item.created_at),
            edited=False,
            deleted=False,
            reply=self._quote(reply_to, by_seq) if isinstance(reply_to, int) else None,
            reactions=(),
            attachments=item.attachments,
            receipt=Receipt.FAILED if failed else Receipt.PENDING,
            read_by=0,
            problem=explain_refusal(item.error_code) if failed and item.error_code else None,
        )

    def _quote(self, seq: int, by_seq: dict[int, CachedMessage]) -> Quote:
        quoted = by_seq.get(seq) or self._cache.message(self.conversation_id, seq)
        if quoted is None:
            return Quote(
                seq, "", QCoreApplication.translate("Timeline", "Original message not loaded")
            )
        if quoted.deleted:
            return Quote(
                seq,
                self._name(quoted.sender_id),
                QCoreApplication.translate("Timeline", "Message deleted"),
            )
        text = (quoted.text or "").strip().split("\n", 1)[0]
        if not text and quoted.attachments:
            text = quoted.attachments[0].name
        return Quote(seq, self._name(quoted.sender_id), text)

    # --- reading ----------------------------------------------------------------------------

    def newest_seq(self) -> int | None:
        """The conversation's newest event (what to mark as read once it is seen)."""
        conversation = self._conversation
        return conversation.last_seq if conversation else None

    def read_seq(self) -> int:
        """Our read marker now."""
        conversation = self._conversation
        return conversation.read_seq if conversation else 0

    def message(self, seq: int) -> CachedMessage | None:
        """A message of the window (or the cache)."""
        if self.contains(seq):
            return self._messages[bisect.bisect_left(self._seqs, seq)]
        return self._cache.message(self.conversation_id, seq)

    def outbox_item(self, client_id: str) -> OutboxItem | None:
        return self.connection.outbox.get(client_id)
