"""Plain-language sentences for what can go wrong in a chat, for a non-technical user."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from server.protocol.errors import ErrorCode


def explain_refusal(code: str) -> str:
    """Why the server would not take a message, edit or reaction, and what to do.

    Args:
        code: the error code of the refusal.
    """
    if code == ErrorCode.MESSAGE_TOO_LONG:
        return QCoreApplication.translate(
            "ChatErrors", "This message is too long. Shorten it or split it into several."
        )
    if code == ErrorCode.NOT_AUTHOR:
        return QCoreApplication.translate("ChatErrors", "You can only change your own messages.")
    if code == ErrorCode.FORBIDDEN:
        return QCoreApplication.translate(
            "ChatErrors", "Only the group's owner or an admin can do that."
        )
    if code in (ErrorCode.CONVERSATION_NOT_FOUND, ErrorCode.NOT_A_MEMBER):
        return QCoreApplication.translate(
            "ChatErrors",
            "You are no longer in this conversation, so this could not be sent.",
        )
    if code == ErrorCode.MESSAGE_NOT_FOUND:
        return QCoreApplication.translate(
            "ChatErrors", "That message no longer exists; it may have been deleted."
        )
    if code in (ErrorCode.ATTACHMENT_NOT_FOUND, ErrorCode.TOO_MANY_ATTACHMENTS):
        return QCoreApplication.translate(
            "ChatErrors", "An attached file could not be added. Attach it again and resend."
        )
    if code == ErrorCode.FEATURE_DISABLED:
        return QCoreApplication.translate(
            "ChatErrors", "The server's owner has switched this feature off."
        )
    return QCoreApplication.translate(
        "ChatErrors",
        "The server could not accept this. Try again; if it keeps failing, tell the "
        "person who runs the server.",
    )


def explain_signed_out() -> str:
    """The connection ended because this device's sign-in is no longer valid."""
    return QCoreApplication.translate(
        "ChatErrors",
        "You were signed out on this computer (perhaps from another device, or your password "
        "changed). Sign in again to keep chatting.",
    )


def explain_offline() -> str:
    """The server cannot be reached right now; messages wait in the outbox."""
    return QCoreApplication.translate(
        "ChatErrors",
        "Cannot reach the server right now. Your messages will be sent when the connection "
        "comes back.",
    )


def explain_client_error() -> str:
    """The server refused this app's connection as malformed (a bug in the app)."""
    return QCoreApplication.translate(
        "ChatErrors",
        "The chat could not connect because of a problem in this app. Restart it; if that "
        "does not help, update the app.",
    )
