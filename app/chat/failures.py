"""A failed chat command (group settings, new conversations, leaving) in words for the user."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication

from app.chat.connection import ChatOffline, CommandRefused
from server.protocol.errors import ErrorCode

log = logging.getLogger(__name__)


def explain_chat_failure(exc: BaseException) -> str:
    """Why a conversation command failed, in words, with what to do about it.

    Args:
        exc: what ``ChatConnection.request`` (or a method built on it) raised.
    """
    if isinstance(exc, ChatOffline):
        return QCoreApplication.translate(
            "ChatGroups",
            "You are not connected to the server right now, so nothing was changed. Try "
            "again when the connection is back.",
        )
    if not isinstance(exc, CommandRefused):
        log.error("a conversation command failed", exc_info=exc)
        return QCoreApplication.translate(
            "ChatGroups", "Something went wrong and nothing was changed. Try again."
        )
    code = exc.code
    if code == ErrorCode.FORBIDDEN:
        return QCoreApplication.translate(
            "ChatGroups", "Only the group's owner or an admin can do that."
        )
    if code == ErrorCode.OWNER_MUST_TRANSFER:
        return QCoreApplication.translate(
            "ChatGroups",
            "You own this group. Make someone else its owner first (in the group's settings); "
            "then you can leave.",
        )
    if code == ErrorCode.GROUP_FULL:
        return QCoreApplication.translate(
            "ChatGroups", "The group is full: this server allows no more people in one group."
        )
    if code == ErrorCode.USER_NOT_FOUND:
        return QCoreApplication.translate(
            "ChatGroups",
            "Someone you picked no longer has an account on this server. Pick again from the list.",
        )
    if code == ErrorCode.ALREADY_MEMBER:
        return QCoreApplication.translate("ChatGroups", "They are in the group already.")
    if code == ErrorCode.NOT_A_MEMBER:
        return QCoreApplication.translate("ChatGroups", "They are no longer in the group.")
    if code == ErrorCode.CANNOT_MODIFY_SELF:
        return QCoreApplication.translate(
            "ChatGroups", "You cannot do that to yourself. To leave the group, use Leave group."
        )
    if code == ErrorCode.CONVERSATION_NOT_FOUND:
        return QCoreApplication.translate("ChatGroups", "You are no longer in this group.")
    if code == ErrorCode.NOT_A_GROUP:
        return QCoreApplication.translate(
            "ChatGroups", "A direct conversation always has exactly two people."
        )
    if code == ErrorCode.RATE_LIMITED:
        return QCoreApplication.translate(
            "ChatGroups", "That was a lot at once. Wait a moment, then try again."
        )
    if code == ErrorCode.INVALID_REQUEST:
        return QCoreApplication.translate(
            "ChatGroups", "The server did not accept this. Check the name and the topic."
        )
    return QCoreApplication.translate(
        "ChatGroups",
        "The server could not do this ({code}). Try again; if it keeps failing, tell the "
        "person who runs the server.",
    ).format(code=code)
