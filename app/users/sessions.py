"""Another person's signed-in devices, for an admin: list them, sign out one or all."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale

from app.net.errors import ApiError
from app.net.signed_in import SignedInApi
from app.users import api
from server.protocol.admin import AdminUser
from server.protocol.auth import SessionInfo
from server.protocol.errors import ErrorCode


def when(at: float) -> str:
    """A time in this computer's short date format."""
    return QLocale().toString(
        QDateTime.fromMSecsSinceEpoch(int(at * 1000)), QLocale.FormatType.ShortFormat
    )


def address(info: SessionInfo) -> str:
    """Where the device signed in from, or a dash when the server did not keep it."""
    return info.ip or "—"


class UserSessions:
    """The devices ``user`` is signed in on, as the server last listed them.

    Attributes:
        user: whose sessions these are.
        sessions: most recently seen first.
    """

    def __init__(self, session: SignedInApi, user: AdminUser) -> None:
        self._session = session
        self.user = user
        self.sessions: list[SessionInfo] = []

    async def refresh(self) -> list[SessionInfo]:
        """Reads the list again.

        Raises:
            ApiError: ``forbidden``, ``user_not_found``, ``cannot_modify_self``; network errors.
        """
        self.sessions = await api.list_sessions(self._session, self.user.id)
        return self.sessions

    async def end(self, session_id: str) -> None:
        """Signs the person out of one device, then reads the list again. A device that was
        signed out meanwhile (``not_found``) is what was wanted: no error then."""
        try:
            await api.end_session(self._session, self.user.id, session_id)
        except ApiError as exc:
            if exc.code != ErrorCode.NOT_FOUND:
                raise
        await self.refresh()

    async def end_all(self) -> None:
        """Signs the person out everywhere, then reads the list again."""
        await api.end_all_sessions(self._session, self.user.id)
        await self.refresh()

    def summary(self) -> str:
        """One sentence above the list."""
        if not self.sessions:
            return QCoreApplication.translate(
                "Sessions", "{name} is not signed in on any device."
            ).format(name=self.user.display_name)
        return QCoreApplication.translate(
            "Sessions",
            "{name} is signed in on these devices. Signing a device out ends its access at "
            "once; they can sign in again with their password.",
        ).format(name=self.user.display_name)
