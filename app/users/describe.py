"""How an account is described in the people table: role, state, two-step, last seen, storage."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale

from server.protocol.admin import AdminUser
from server.protocol.common import Role


def role_name(role: Role) -> str:
    """The role in words a family understands."""
    if role == Role.OWNER:
        return QCoreApplication.translate("People", "Owner")
    if role == Role.ADMIN:
        return QCoreApplication.translate("People", "Administrator")
    return QCoreApplication.translate("People", "Family member")


def two_factor(user: AdminUser) -> str:
    """Whether two-step sign-in is on."""
    if user.totp_enabled:
        return QCoreApplication.translate("People", "On")
    return QCoreApplication.translate("People", "Off")


def state(user: AdminUser, now: float) -> str:
    """What stands between the person and signing in, if anything.

    Args:
        user: the account.
        now: the current time (Unix seconds), to tell a lock in force from an old one.
    """
    if user.disabled:
        return QCoreApplication.translate("People", "Switched off")
    if user.locked_until is not None and user.locked_until > now:
        return QCoreApplication.translate("People", "Locked for a while")
    if user.must_change_password:
        return QCoreApplication.translate("People", "Waiting for first sign-in")
    return QCoreApplication.translate("People", "Active")


def last_seen(user: AdminUser) -> str:
    """When the person last signed in, in this computer's date format."""
    if user.last_login_at is None:
        return QCoreApplication.translate("People", "Never")
    when = QDateTime.fromMSecsSinceEpoch(int(user.last_login_at * 1000))
    return QLocale().toString(when, QLocale.FormatType.ShortFormat)


def storage(size: int | None) -> str:
    """Bytes of files, in KB/MB/GB; a dash when the server did not say."""
    if size is None:
        return "—"
    return QLocale().formattedDataSize(size, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)
