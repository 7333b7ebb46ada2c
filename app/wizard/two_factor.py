"""Turning on two-step sign-in, as both the claim wizard and a sign-in on a server that requires
it go through it: start (a key and a QR code), confirm with a code from the phone (recovery
codes, shown once)."""

from __future__ import annotations

from typing import Protocol

from server.protocol.auth import TotpEnrolment

KEY_GROUP = 4  # the key is typed by hand into some apps: groups of four are easier to read


class Enrolment(Protocol):
    """A flow that can turn on two-step sign-in for its signed-in account."""

    async def start_two_factor(self) -> tuple[str, str]:
        """Begins enrolment; returns the key and the ``otpauth://`` URI (for a QR code)."""
        ...

    async def confirm_two_factor(self, code: str) -> list[str]:
        """Finishes it with a code from the app; returns the recovery codes, shown once.

        Raises:
            ApiError: ``invalid_second_factor`` for a wrong code; another may be tried.
        """
        ...


class _AccountCalls(Protocol):
    async def start_two_factor(self, password: str) -> TotpEnrolment: ...

    async def confirm_two_factor(self, code: str) -> list[str]: ...


def grouped_key(secret: str) -> str:
    """The key as people copy it into an authenticator app: ``ABCD EFGH …``."""
    compact = "".join(secret.split())
    return " ".join(compact[i : i + KEY_GROUP] for i in range(0, len(compact), KEY_GROUP))


class AccountEnrolment:
    """Turning it on for an account already signed in (its own settings, or before requiring
    it of everyone): the password is asked again first, as the server wants (protocol 10.5).

    Args:
        account: anything with ``start_two_factor(password)`` and ``confirm_two_factor(code)``
            (``app.accounts.account.Account``).
        password: the account's password, kept only until the code is confirmed.
    """

    def __init__(self, account: _AccountCalls, password: str) -> None:
        self._account = account
        self._password = password

    async def start_two_factor(self) -> tuple[str, str]:
        enrolment = await self._account.start_two_factor(self._password)
        return enrolment.secret, enrolment.otpauth_uri

    async def confirm_two_factor(self, code: str) -> list[str]:
        codes = await self._account.confirm_two_factor(code)
        self._password = ""
        return codes
