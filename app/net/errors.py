"""What can go wrong when the app talks to a server, as exceptions the flows raise."""

from __future__ import annotations

from server.protocol.errors import ErrorCode


class NetError(Exception):
    """Base of every error the network layer raises."""


class ClientClosed(NetError):
    """The app closed this connection to the server (the account signed out, or the app is
    quitting); a late call must not open a new one behind its back."""


class Unreachable(NetError):
    """The server could not be reached: nothing answers, the name is unknown, or it timed out.

    Attributes:
        address: the ``host:port`` that was tried (several joined by ", " when all failed).
        reason: a short technical description for the log, not for people.
        timed_out: whether the attempt gave up waiting rather than being refused.
    """

    def __init__(self, address: str, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(f"cannot reach {address}: {reason}")
        self.address = address
        self.reason = reason
        self.timed_out = timed_out


class CertificateChanged(NetError):
    """The server presented a certificate other than the pinned one; nothing was sent to it.

    Attributes:
        expected: the pinned fingerprint (lower-case hex).
        actual: the fingerprint the server presented, or "" when it could not be read.
    """

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"certificate changed: pinned {expected}, server presented {actual}")
        self.expected = expected
        self.actual = actual


class ApiError(NetError):
    """The server answered with its error envelope (docs/protocol.md section 6).

    Attributes:
        code: the stable error code; an unknown code stays a plain string.
        message: the server's English sentence (for the log; people get ``explain``).
        status: the HTTP status.
        retry_after: seconds to wait, on ``rate_limited`` and ``account_locked``.
        details: the ``{"field", "problem"}`` list of a validation error.
    """

    def __init__(
        self,
        code: ErrorCode | str,
        message: str,
        status: int,
        retry_after: int | None = None,
        details: list[dict[str, object]] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.details = details or []


class BadResponse(NetError):
    """The server answered something that is not what the protocol says (a bug, or not Roost)."""


class ProtocolMismatch(NetError):
    """The server speaks a protocol version this app does not.

    Attributes:
        server_version: the server's ``protocol_version``.
        client_version: the version this app speaks.
    """

    def __init__(self, server_version: int, client_version: int) -> None:
        super().__init__(f"server speaks protocol {server_version}, this app {client_version}")
        self.server_version = server_version
        self.client_version = client_version

    @property
    def server_is_newer(self) -> bool:
        """True when the app needs updating, False when the server does."""
        return self.server_version > self.client_version
