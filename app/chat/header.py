"""The words above a conversation: who it is with, and how the connection is doing."""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication

from app.chat.cache import CachedConversation
from app.chat.directory import Directory
from app.chat.events import ConnectionState


def subtitle(conversation: CachedConversation, directory: Directory, me: int | None) -> str:
    """A group's member count and topic; for a direct conversation, whether they are online
    (nothing when the owner switched presence off)."""
    if conversation.left:
        return QCoreApplication.translate("ChatHeader", "You are no longer in this conversation")
    if conversation.kind == "group":
        count = QCoreApplication.translate("ChatHeader", "{count} members").format(
            count=len(conversation.members)
        )
        return f"{count} · {conversation.topic}" if conversation.topic else count
    others = [m.user_id for m in conversation.members if m.user_id != me]
    if not others:
        return ""
    online = directory.online(others[0])
    if online is None:
        return ""
    if online:
        return QCoreApplication.translate("ChatHeader", "online")
    return QCoreApplication.translate("ChatHeader", "offline")


def connection_sentence(
    state: ConnectionState, *, retry_at: float | None, problem: str | None, now: float
) -> str:
    """What the banner says; "" when online (no banner).

    Args:
        retry_at: when the next attempt is due (monotonic clock), or None if it will not retry.
        problem: why it is offline, from the connection, if known.
        now: the same clock as ``retry_at``.
    """
    if state is ConnectionState.ONLINE:
        return ""
    if state is ConnectionState.CONNECTING:
        return QCoreApplication.translate(
            "ChatHeader", "Connecting… Messages you write now are sent when it is back."
        )
    retry = ""
    if retry_at is not None:
        seconds = max(0, math.ceil(retry_at - now))
        retry = (
            QCoreApplication.translate("ChatHeader", "Trying again in {seconds} s.").format(
                seconds=seconds
            )
            if seconds
            else QCoreApplication.translate("ChatHeader", "Trying again…")
        )
    hint = QCoreApplication.translate(
        "ChatHeader", "You can keep writing: messages are sent when it is back."
    )
    # One template, so that each language joins the sentences its own way (no spaces in
    # Chinese).
    sentence = QCoreApplication.translate("ChatHeader", "{problem} {retry} {hint}").format(
        problem=problem or QCoreApplication.translate("ChatHeader", "Offline."),
        retry=retry,
        hint=hint,
    )
    return sentence.replace("  ", " ").strip()  # an empty {retry} leaves two spaces
