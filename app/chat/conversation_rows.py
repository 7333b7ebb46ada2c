"""The conversation list as rows to draw: title, preview, time, badge, presence, avatar.

Rows are built from the account's cache (conversations and their newest message), the outbox
(what we wrote offline shows at once), the user directory (names, presence) and the mutes. It
is all local, so the list opens instantly, offline too.

Conversations we left (or were removed from) stay in the list, after all the others: protocol
16.5 lets us read them up to the leaving, and hiding them would hide that history; putting
them last keeps them out of the way of the conversations still going on.

This module also holds what a group role allows (protocol 16.3), which the list's menu and the
group settings dialog both need, and the server's rule for a group's name (section 21).
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale

from app.chat.avatars import colour_index, initials
from app.chat.cache import CachedConversation, CachedMessage, ChatCache
from app.chat.directory import Directory
from app.chat.mutes import Mutes
from app.chat.outbox import Outbox, OutboxItem
from app.chat.wording import conversation_title, describe_attachments, other_member
from server.protocol.common import Role

# A preview is one line; the delegate elides it to the width. Longer text is cut here so that
# a very long message does not cost a full layout on every paint.
PREVIEW_CHARS = 200
# A group's name: the display-name rules of protocol section 21.
GROUP_NAME_MAX = 64
GROUP_TOPIC_MAX = 500


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """One line of the conversation list.

    Attributes:
        id: the conversation id.
        kind: ``direct`` or ``group``.
        title: the group's name, or the other person's name.
        preview: the newest message in one line ("You: …", "Photo", "Message deleted"...).
        time_label: when it was last active ("14:05", "Yesterday", "Mon", a date), or "".
        activity: the time of the last activity (Unix seconds), for sorting.
        unread: messages not read yet.
        muted: the user muted it.
        online: the other person's presence in a direct conversation; None for a group, or
            when the server does not tell.
        initials: what the avatar shows.
        colour: the avatar's palette index.
        left: we left the group or were removed.
        pending: the preview is our message, not yet stored by the server.
        other_id: the other person in a direct conversation.
        my_role: our role in a group (``owner``, ``admin``, ``member``); None otherwise.
        names: the title and every member's name and username, for the filter.
    """

    id: int
    kind: str
    title: str
    preview: str
    time_label: str
    activity: float
    unread: int
    muted: bool
    online: bool | None
    initials: str
    colour: int
    left: bool
    pending: bool
    other_id: int | None
    my_role: str | None
    names: tuple[str, ...]


def conversation_rows(
    cache: ChatCache,
    outbox: Outbox,
    directory: Directory,
    mutes: Mutes,
    *,
    now: float | None = None,
    locale: QLocale | None = None,
) -> list[ConversationRow]:
    """Every conversation as a row: newest activity first, the ones we left last.

    Args:
        cache: the account's cache.
        outbox: its outbox (pending messages show as the preview).
        directory: names and presence.
        mutes: the muted conversations.
        now: the current time (for "today"), by default the clock's.
        locale: how to write times and dates, by default the app's.
    """
    now = time.time() if now is None else now
    locale = locale or QLocale()
    me = cache.user_id
    pending = _newest_pending(outbox.pending())
    rows = [
        _row(c, cache, pending.get(c.id), directory, mutes, me, now, locale)
        for c in cache.conversations()
    ]
    rows.sort(key=lambda r: (r.left, -r.activity, -r.id))
    return rows


def _newest_pending(items: Iterable[OutboxItem]) -> dict[int, OutboxItem]:
    newest: dict[int, OutboxItem] = {}
    for item in items:
        if item.command == "message/send":
            newest[item.conversation_id] = item  # pending() is oldest first
    return newest


def _row(
    c: CachedConversation,
    cache: ChatCache,
    pending: OutboxItem | None,
    directory: Directory,
    mutes: Mutes,
    me: int | None,
    now: float,
    locale: QLocale,
) -> ConversationRow:
    member_ids = [m.user_id for m in c.members]
    other_id: int | None = None
    title = conversation_title(c, directory, me)
    avatar = initials(title)
    other_id = other_member(c, me)
    if c.kind == "direct":
        colour = colour_index("user", other_id if other_id is not None else c.id)
        online = directory.online(other_id) if other_id is not None else None
    else:
        colour = colour_index("group", c.id)
        online = None
    newest = cache.messages(c.id, limit=1)
    message = newest[0] if newest else None
    activity = c.last_activity
    is_pending = False
    if c.left:
        text = QCoreApplication.translate("ConversationRows", "You are no longer in this group.")
    elif pending is not None and (message is None or pending.created_at >= message.created_at):
        text = _own(_pending_text(pending))
        activity = max(activity, pending.created_at)
        is_pending = True
    else:
        text = preview(message, c.kind, me, directory)
    names = [title]
    for uid in member_ids:
        names.append(directory.name(uid))
        user = directory.get(uid)
        if user is not None:
            names.append(user.username)
    return ConversationRow(
        id=c.id,
        kind=c.kind,
        title=title,
        preview=text,
        time_label=time_label(activity, now, locale),
        activity=activity,
        unread=c.unread,
        muted=mutes.is_muted(c.id),
        online=online,
        initials=avatar,
        colour=colour,
        left=c.left,
        pending=is_pending,
        other_id=other_id,
        my_role=my_role(c, me),
        names=tuple(names),
    )


def preview(message: CachedMessage | None, kind: str, me: int | None, directory: Directory) -> str:
    """The newest message in one line, as the list shows it.

    Args:
        message: the newest message, or None when there is none yet.
        kind: the conversation's kind (in a group, others' messages start with their name).
        me: our user id.
        directory: for senders' names.
    """
    if message is None:
        return QCoreApplication.translate("ConversationRows", "No messages yet")
    if message.deleted:
        return QCoreApplication.translate("ConversationRows", "Message deleted")
    body = _one_line(message.text or "") or describe_attachments(message.attachments)
    if message.sender_id is not None and message.sender_id == me:
        return _own(body)
    if kind == "group":
        return QCoreApplication.translate("ConversationRows", "{name}: {text}").format(
            name=directory.name(message.sender_id), text=body
        )
    return body


def _own(text: str) -> str:
    return QCoreApplication.translate("ConversationRows", "You: {text}").format(text=text)


def _pending_text(item: OutboxItem) -> str:
    text = _one_line(item.text or "")
    return text or QCoreApplication.translate("ConversationRows", "Sending a file…")


def _one_line(text: str) -> str:
    return " ".join(text[: PREVIEW_CHARS * 2].split())[:PREVIEW_CHARS]


def time_label(when: float, now: float, locale: QLocale) -> str:
    """When a conversation was last active, as short as the list needs.

    Args:
        when: the time (Unix seconds); 0 means never, and gives "".
        now: the current time.
        locale: the language's formats.

    Returns:
        The time of day for today (and for a time ahead of this computer's clock), "Yesterday",
        the weekday within the last week, else the date.
    """
    if when <= 0:
        return ""
    then = QDateTime.fromMSecsSinceEpoch(int(when * 1000))
    days = then.date().daysTo(QDateTime.fromMSecsSinceEpoch(int(now * 1000)).date())
    if days <= 0:
        return locale.toString(then.time(), QLocale.FormatType.ShortFormat)
    if days == 1:
        return QCoreApplication.translate("ConversationRows", "Yesterday")
    if days < 7:
        return locale.dayName(then.date().dayOfWeek(), QLocale.FormatType.ShortFormat)
    return locale.toString(then.date(), QLocale.FormatType.ShortFormat)


def filter_rows(rows: Iterable[ConversationRow], query: str) -> list[ConversationRow]:
    """The rows that match what was typed in the filter field.

    Every word of ``query`` must appear, ignoring case, in the title or in a member's name or
    username (so "mum dad" finds the group with both). Chinese, typed without spaces, matches
    as a substring ("奶奶" finds "Grandma 奶奶").
    """
    words = [unicodedata.normalize("NFC", w).casefold() for w in query.split()]
    rows = list(rows)
    if not words:
        return rows
    found = []
    for row in rows:
        names = [unicodedata.normalize("NFC", n).casefold() for n in row.names]
        if all(any(w in n for n in names) for w in words):
            found.append(row)
    return found


# --- groups: what a role allows (protocol 16.3) and the name rule (section 21) ---------------


def my_role(conversation: CachedConversation, me: int | None) -> str | None:
    """Our role in a group, or None when we are not in it (or it is a direct conversation)."""
    if conversation.kind != "group" or conversation.left or me is None:
        return None
    return next((m.role for m in conversation.members if m.user_id == me), None)


def can_manage(role: str | None) -> bool:
    """Whether this role may rename the group, change its topic and add or remove members."""
    return role in (Role.OWNER, Role.ADMIN)


def can_set_roles(role: str | None) -> bool:
    """Whether this role may make others admins, members or the owner."""
    return role == Role.OWNER


def can_remove(role: str | None, their_role: str, *, themselves: bool) -> bool:
    """Whether someone with ``role`` may remove a member whose role is ``their_role``.

    Nobody removes the owner or themselves (they leave instead); only the owner removes an
    admin.
    """
    if themselves or their_role == Role.OWNER or not can_manage(role):
        return False
    return their_role != Role.ADMIN or role == Role.OWNER


def must_hand_over(conversation: CachedConversation, me: int | None) -> bool:
    """Whether we own the group and others are still in it, so leaving needs a hand-over."""
    return my_role(conversation, me) == Role.OWNER and len(conversation.members) > 1


def role_name(role: str) -> str:
    """A group role in words."""
    if role == Role.OWNER:
        return QCoreApplication.translate("ConversationRows", "Owner")
    if role == Role.ADMIN:
        return QCoreApplication.translate("ConversationRows", "Admin")
    return QCoreApplication.translate("ConversationRows", "Member")


def clean_group_name(name: str) -> str:
    """The name as the server stores it: NFC, without spaces at either end."""
    return unicodedata.normalize("NFC", name).strip()


def group_name_problem(name: str) -> str | None:
    """What is wrong with a group's name under the server's rules, or None when it is fine."""
    cleaned = clean_group_name(name)
    if not cleaned:
        return QCoreApplication.translate("ConversationRows", "Give the group a name.")
    if len(cleaned) > GROUP_NAME_MAX:
        return QCoreApplication.translate(
            "ConversationRows", "A group's name can be at most {count} characters long."
        ).format(count=GROUP_NAME_MAX)
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in cleaned):
        return QCoreApplication.translate(
            "ConversationRows", "A group's name must be on one line, without special characters."
        )
    return None


def group_topic_problem(topic: str) -> str | None:
    """What is wrong with a group's topic, or None."""
    if len(topic) > GROUP_TOPIC_MAX:
        return QCoreApplication.translate(
            "ConversationRows", "A topic can be at most {count} characters long."
        ).format(count=GROUP_TOPIC_MAX)
    return None
