"""Plain-language sentences for what goes wrong when managing people (the rest: app.net.explain)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.net.errors import ApiError
from app.net.explain import explain
from server.protocol.errors import ErrorCode


class NotAllowed(Exception):
    """The app refused an action before sending it: the server would refuse it too.

    Attributes:
        explanation: what to tell the person, translated.
    """

    def __init__(self, explanation: str) -> None:
        super().__init__(explanation)
        self.explanation = explanation


def only_admins() -> str:
    """What a member sees instead of the people page."""
    return QCoreApplication.translate(
        "People",
        "Only the server's owner and administrators can manage the people on it. Ask the "
        "owner if you need something changed.",
    )


def explain_people(exc: BaseException) -> str:
    """One or two sentences about a failed action on the people page, translated."""
    if isinstance(exc, NotAllowed):
        return exc.explanation
    if isinstance(exc, ApiError):
        if exc.code == ErrorCode.USER_NOT_FOUND:
            return QCoreApplication.translate(
                "People",
                "This account does not exist any more (perhaps someone else just deleted it). "
                "The list has been refreshed.",
            )
        if exc.code == ErrorCode.CANNOT_MODIFY_SELF:
            return QCoreApplication.translate(
                "People",
                "You can't do this to your own account here. Use your own settings instead, "
                "or ask another administrator.",
            )
        if exc.code == ErrorCode.FORBIDDEN:
            return QCoreApplication.translate(
                "People",
                "Your account is not allowed to do this: administrators manage family "
                "members, and only the owner manages administrators.",
            )
    return explain(exc)
