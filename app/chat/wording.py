"""Words the chat uses in several places: a conversation's title, a message's files in words."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication

from app.chat.cache import CachedAttachment, CachedConversation
from app.chat.directory import Directory


def conversation_title(
    conversation: CachedConversation, directory: Directory, me: int | None
) -> str:
    """A group's name; for a direct conversation, the other person's name."""
    if conversation.kind != "direct":
        return conversation.name or QCoreApplication.translate("ChatWords", "Group")
    others = [m.user_id for m in conversation.members if m.user_id != me]
    if not others:
        return QCoreApplication.translate("ChatWords", "Direct message")
    return directory.name(others[0])


def other_member(conversation: CachedConversation, me: int | None) -> int | None:
    """The other person of a direct conversation (None for a group, or when alone)."""
    if conversation.kind != "direct":
        return None
    others = [m.user_id for m in conversation.members if m.user_id != me]
    return others[0] if others else None


def describe_attachments(attachments: Sequence[CachedAttachment]) -> str:
    """Files in words: "Photo", "3 photos", "Video", "Voice message", "File: a.pdf"; "" for none."""
    if not attachments:
        return ""
    if len(attachments) > 1:
        if all(a.mime.startswith("image/") for a in attachments):
            return QCoreApplication.translate("ChatWords", "{count} photos").format(
                count=len(attachments)
            )
        return QCoreApplication.translate("ChatWords", "{count} files").format(
            count=len(attachments)
        )
    only = attachments[0]
    if only.mime.startswith("image/"):
        return QCoreApplication.translate("ChatWords", "Photo")
    if only.mime.startswith("video/"):
        return QCoreApplication.translate("ChatWords", "Video")
    if only.mime.startswith("audio/"):
        return QCoreApplication.translate("ChatWords", "Voice message")
    return QCoreApplication.translate("ChatWords", "File: {name}").format(name=only.name)
