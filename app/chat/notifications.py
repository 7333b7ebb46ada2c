"""When a new message deserves a desktop notification, and what it says; the tray's count.

The rules are the ones people know from their phones: nothing for a muted conversation, nothing
while the window is in front (the message is on screen or one click away, with its badge), and
the text only if the user allows it (a shared screen, an office).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from app.chat.cache import CachedAttachment, CachedConversation
from app.chat.directory import Directory
from app.chat.wording import describe_attachments

# A notification shows a line or two; longer text is cut here rather than by the desktop.
MAX_BODY_CHARS = 160


@dataclass(frozen=True, slots=True)
class Notice:
    """One desktop notification.

    Attributes:
        conversation_id, seq: what clicking it opens.
    """

    conversation_id: int
    seq: int
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Situation:
    """What the app is doing when a message arrives.

    Attributes:
        window_active: the app's window has the focus.
        show_text: the user lets notifications show the message's text.
    """

    window_active: bool
    show_text: bool


def notice_for(
    conversation: CachedConversation | None,
    *,
    seq: int,
    sender_id: int | None,
    text: str | None,
    attachments: tuple[CachedAttachment, ...],
    muted: bool,
    directory: Directory,
    situation: Situation,
) -> Notice | None:
    """The notification for someone else's new message, or None when it should stay quiet."""
    if conversation is None or muted or situation.window_active or conversation.left:
        return None
    sender = directory.name(sender_id)
    if conversation.kind == "group":
        title = QCoreApplication.translate("Notifications", "{sender} in {group}").format(
            sender=sender, group=conversation.name
        )
    else:
        title = sender
    if not situation.show_text:
        body = QCoreApplication.translate("Notifications", "New message")
    elif text:
        body = _shorten(" ".join(text.split()))
    else:
        body = describe_attachments(attachments) or QCoreApplication.translate(
            "Notifications", "New message"
        )
    return Notice(conversation.id, seq, title, body)


def unread_total(conversations: Iterable[CachedConversation], muted: Iterable[int]) -> int:
    """The tray's count: unread messages in conversations that are not muted or left."""
    quiet = set(muted)
    return sum(c.unread for c in conversations if not c.left and c.id not in quiet)


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_BODY_CHARS else text[: MAX_BODY_CHARS - 1].rstrip() + "…"
