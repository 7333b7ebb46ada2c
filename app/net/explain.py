"""Plain-language sentences for every error the account flows raise, for a non-technical user.

Each sentence says what happened and what to do next. The server's own ``message`` is English
and may change, so it is never shown; the stable ``code`` picks the sentence.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication

from app.accounts.errors import NotRemembered, UnknownServer
from app.accounts.invite import InvalidInvite
from app.net.address import InvalidAddress
from app.net.errors import (
    ApiError,
    BadResponse,
    CertificateChanged,
    ClientClosed,
    ProtocolMismatch,
    Unreachable,
)
from app.net.pinning import InvalidFingerprint
from server.protocol.errors import ErrorCode
from server.tls import format_fingerprint


def _minutes(seconds: int | None) -> int:
    """Whole minutes to wait, rounded up and at least one (people don't count seconds)."""
    return max(1, math.ceil((seconds or 60) / 60))


def _wait(seconds: int | None) -> str:
    minutes = _minutes(seconds)
    if minutes == 1:
        return QCoreApplication.translate("Explain", "about a minute")
    return QCoreApplication.translate("Explain", "{minutes} minutes").format(minutes=minutes)


def _field_problem(field: str) -> str:
    """What to fix for a field the server (or our own check) refused."""
    last = field.rsplit(".", 1)[-1]
    if last == "username":
        return QCoreApplication.translate(
            "Explain",
            "The username must be 3 to 32 characters: lower-case letters a-z, digits, dots, "
            "dashes or underscores, starting with a letter or digit.",
        )
    if last in ("display_name", "server_name"):
        return QCoreApplication.translate(
            "Explain", "Names must be 1 to 64 characters, without special control characters."
        )
    if last in ("password", "new_password", "current_password"):
        return QCoreApplication.translate(
            "Explain", "The password is missing or too long (at most 256 characters)."
        )
    if last == "setup_code":
        return QCoreApplication.translate(
            "Explain",
            "Type the setup code shown on the server's screen, for example 5AGE-V2EQ-ZRP3.",
        )
    if last == "code":
        return QCoreApplication.translate(
            "Explain",
            "Type the 6-digit code from your authenticator app, or one of your recovery codes.",
        )
    return QCoreApplication.translate(
        "Explain", "Some of the details you entered were not accepted. Check them and try again."
    )


def _api(exc: ApiError) -> str:
    code = exc.code
    if code == ErrorCode.INVALID_CREDENTIALS:
        return QCoreApplication.translate(
            "Explain",
            "The username or password is not right. Check them (capital letters matter in "
            "the password) and try again.",
        )
    if code == ErrorCode.ACCOUNT_LOCKED:
        return QCoreApplication.translate(
            "Explain",
            "This account is locked for a while after too many wrong passwords. Try again in "
            "{wait}.",
        ).format(wait=_wait(exc.retry_after))
    if code == ErrorCode.RATE_LIMITED:
        return QCoreApplication.translate(
            "Explain",
            "There were too many attempts from this computer. Please wait {wait}, then try again.",
        ).format(wait=_wait(exc.retry_after))
    if code == ErrorCode.INVALID_SECOND_FACTOR:
        return QCoreApplication.translate(
            "Explain",
            "That code is not right, or it has expired. Type the newest code from your "
            "authenticator app (check that your phone's clock is correct). If this keeps "
            "happening, start again with your password.",
        )
    if code == ErrorCode.ACCOUNT_DISABLED:
        return QCoreApplication.translate(
            "Explain",
            "This account has been switched off by the server's administrator. Ask them to "
            "switch it back on.",
        )
    if code == ErrorCode.PASSWORD_CHANGE_REQUIRED:
        return QCoreApplication.translate(
            "Explain", "You need to choose a new password before you can continue."
        )
    if code == ErrorCode.TWO_FACTOR_REQUIRED:
        # The same code for a member who has yet to enrol and for an admin requiring it
        # of everyone before having it: both need their own two-step sign-in first.
        return QCoreApplication.translate(
            "Explain",
            "Two-step sign-in is needed first: set it up for your own account (signing in "
            "again shows you how), then try again.",
        )
    if code in (
        ErrorCode.UNAUTHENTICATED,
        ErrorCode.SESSION_REVOKED,
        ErrorCode.INVALID_REFRESH_TOKEN,
        ErrorCode.TOKEN_EXPIRED,
    ):
        return QCoreApplication.translate(
            "Explain",
            "You have been signed out (perhaps from another device, or after a long time "
            "away). Please sign in again.",
        )
    if code == ErrorCode.REFRESH_TOKEN_REUSED:
        return QCoreApplication.translate(
            "Explain",
            "For your safety you have been signed out: your sign-in seemed to be used in two "
            "places at once. Please sign in again, and consider changing your password.",
        )
    if code == ErrorCode.INVALID_INVITE:
        return QCoreApplication.translate(
            "Explain",
            "This invite can't be used any more: it was already used, was cancelled, or has "
            "expired. Ask the person who invited you for a new one.",
        )
    if code == ErrorCode.USERNAME_TAKEN:
        return QCoreApplication.translate(
            "Explain", "Someone on this server already has that username. Choose another one."
        )
    if code == ErrorCode.WEAK_PASSWORD:
        return QCoreApplication.translate(
            "Explain",
            "Please choose a stronger password: at least 8 characters, not the same as your "
            "username, and not just one or two different characters repeated.",
        )
    if code == ErrorCode.WRONG_PASSWORD:
        return QCoreApplication.translate(
            "Explain", "That is not your current password. Please type it again."
        )
    if code == ErrorCode.ALREADY_CLAIMED:
        return QCoreApplication.translate(
            "Explain",
            "This server has already been set up by someone. If it is yours, sign in with the "
            "owner's account instead.",
        )
    if code == ErrorCode.INVALID_SETUP_CODE:
        return QCoreApplication.translate(
            "Explain",
            "The setup code is not right. It is shown on the server's screen when it starts "
            "(for example 5AGE-V2EQ-ZRP3). Check it and try again.",
        )
    if code == ErrorCode.TWO_FACTOR_ALREADY_ENABLED:
        return QCoreApplication.translate(
            "Explain", "Two-step sign-in is already switched on for this account."
        )
    if code == ErrorCode.TWO_FACTOR_NOT_PENDING:
        return QCoreApplication.translate(
            "Explain", "The two-step sign-in setup was not started. Please start it again."
        )
    if code in (ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_JSON):
        fields = [str(d.get("field", "")) for d in exc.details]
        if fields:
            return " ".join(dict.fromkeys(_field_problem(f) for f in fields))
        return _field_problem("")
    if code == ErrorCode.FORBIDDEN:
        return QCoreApplication.translate(
            "Explain", "Your account is not allowed to do this. Ask the server's owner."
        )
    if exc.status == 0 or exc.status >= 500 or code == ErrorCode.INTERNAL_ERROR:
        return _unexpected()
    if exc.status == 404:
        return QCoreApplication.translate(
            "Explain",
            "The server did not recognise this request. It may need updating; ask its owner.",
        )
    return _unexpected()


def _unexpected() -> str:
    return QCoreApplication.translate(
        "Explain",
        "Something went wrong on the server. Please try again in a moment; if it keeps "
        "happening, restart the server (the Pi) and try again.",
    )


def explain(exc: BaseException) -> str:
    """One or two sentences about ``exc`` for the person at the screen, translated.

    Args:
        exc: anything the account flows raise; an unknown exception gets a general sentence.

    Returns:
        The explanation (never empty, never a traceback).
    """
    if isinstance(exc, ApiError):
        return _api(exc)
    if isinstance(exc, CertificateChanged):
        return QCoreApplication.translate(
            "Explain",
            "Warning: this is not the server you connected to before. Its security "
            "certificate has changed, so Roost has stopped and sent nothing to it. This "
            "happens when the server was reinstalled or replaced, but it can also mean "
            "another device is pretending to be your server. Don't continue unless you know "
            "the server was reinstalled; if unsure, ask whoever looks after it.\n"
            "Expected: {expected}\nFound: {actual}",
        ).format(
            expected=format_fingerprint(exc.expected),
            actual=format_fingerprint(exc.actual) if exc.actual else "?",
        )
    if isinstance(exc, Unreachable):
        return QCoreApplication.translate(
            "Explain",
            "Roost can't reach the server at {address}. Check that the Pi is switched on and "
            "that this computer is on the same network (the same Wi-Fi) as the Pi, then try "
            "again.",
        ).format(address=exc.address)
    if isinstance(exc, ProtocolMismatch):
        if exc.server_is_newer:
            return QCoreApplication.translate(
                "Explain",
                "The server is newer than this app. Please update the Roost app, then try again.",
            )
        return QCoreApplication.translate(
            "Explain",
            "The server runs an older version of Roost than this app. Ask its owner to update "
            "the server, then try again.",
        )
    if isinstance(exc, InvalidInvite):
        return exc.explanation
    if isinstance(exc, NotRemembered):
        return QCoreApplication.translate(
            "Explain", "Roost doesn't remember this sign-in any more. Please sign in again."
        )
    if isinstance(exc, UnknownServer):
        return QCoreApplication.translate(
            "Explain", "Roost doesn't know this server yet. Add it first, then sign in."
        )
    if isinstance(exc, InvalidAddress):
        return QCoreApplication.translate(
            "Explain",
            "That address doesn't look right. Type it like 192.168.1.20 or raspberrypi.local, "
            "optionally followed by a colon and the port (for example :8443).",
        )
    if isinstance(exc, InvalidFingerprint):
        return QCoreApplication.translate(
            "Explain",
            "That fingerprint doesn't look right: it is 64 letters and digits (0-9, A-F), "
            "often written in pairs separated by colons. Copy it again from the server's "
            "screen.",
        )
    if isinstance(exc, ClientClosed):
        return QCoreApplication.translate(
            "Explain", "This account was signed out on this computer. Sign in again to go on."
        )
    if isinstance(exc, BadResponse):
        return QCoreApplication.translate(
            "Explain",
            "The server gave an answer Roost doesn't understand. Make sure the address is your "
            "Roost server, and that the server and this app are up to date.",
        )
    return _unexpected()
