"""The one exception type the domain raises; the HTTP and WS layers turn it into an answer."""

from __future__ import annotations

from server.protocol.errors import ErrorCode

_STATUS = {
    ErrorCode.INVALID_JSON: 400,
    ErrorCode.INVALID_REQUEST: 422,
    ErrorCode.BODY_TOO_LARGE: 413,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.SERVER_BUSY: 503,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.TOKEN_EXPIRED: 401,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.INVALID_SECOND_FACTOR: 401,
    ErrorCode.INVALID_REFRESH_TOKEN: 401,
    ErrorCode.REFRESH_TOKEN_REUSED: 401,
    ErrorCode.SESSION_REVOKED: 401,
    ErrorCode.ACCOUNT_DISABLED: 403,
    ErrorCode.PASSWORD_CHANGE_REQUIRED: 403,
    ErrorCode.TWO_FACTOR_REQUIRED: 403,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.ACCOUNT_LOCKED: 429,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.ALREADY_CLAIMED: 404,
    ErrorCode.NOT_CLAIMED: 409,
    ErrorCode.INVALID_SETUP_CODE: 403,
    ErrorCode.USERNAME_TAKEN: 409,
    ErrorCode.WEAK_PASSWORD: 422,
    ErrorCode.WRONG_PASSWORD: 403,
    ErrorCode.TWO_FACTOR_ALREADY_ENABLED: 409,
    ErrorCode.TWO_FACTOR_NOT_ENABLED: 409,
    ErrorCode.TWO_FACTOR_NOT_PENDING: 409,
    ErrorCode.INVALID_INVITE: 403,
    ErrorCode.USER_NOT_FOUND: 404,
    ErrorCode.CANNOT_MODIFY_SELF: 409,
    ErrorCode.INVALID_FRAME: 400,
    ErrorCode.UNKNOWN_COMMAND: 400,
    ErrorCode.ID_NOT_INCREASING: 400,
    ErrorCode.FRAME_TOO_LARGE: 413,
    ErrorCode.FEATURE_DISABLED: 409,
    # A conversation the caller may not see is "not found", never "forbidden": its existence
    # is itself private.
    ErrorCode.CONVERSATION_NOT_FOUND: 404,
    ErrorCode.NOT_A_MEMBER: 404,
    ErrorCode.ALREADY_MEMBER: 409,
    ErrorCode.GROUP_FULL: 409,
    ErrorCode.MESSAGE_NOT_FOUND: 404,
    ErrorCode.NOT_AUTHOR: 403,
    ErrorCode.MESSAGE_TOO_LONG: 413,
    ErrorCode.OWNER_MUST_TRANSFER: 409,
    ErrorCode.NOT_A_GROUP: 409,
    # An upload or attachment the caller may not see is "not found" too.
    ErrorCode.UPLOAD_NOT_FOUND: 404,
    ErrorCode.ATTACHMENT_NOT_FOUND: 404,
    ErrorCode.FILE_TOO_LARGE: 413,
    ErrorCode.QUOTA_EXCEEDED: 507,
    ErrorCode.STORAGE_FULL: 507,
    ErrorCode.OFFSET_MISMATCH: 409,
    ErrorCode.CHUNK_CORRUPT: 422,
    ErrorCode.UPLOAD_INCOMPLETE: 409,
    ErrorCode.CHECKSUM_MISMATCH: 422,
    ErrorCode.TYPE_MISMATCH: 415,
    ErrorCode.IMAGE_TOO_LARGE: 422,
    ErrorCode.RANGE_NOT_SATISFIABLE: 416,
    ErrorCode.TOO_MANY_ATTACHMENTS: 422,
    ErrorCode.BACKUP_NOT_FOUND: 404,
    ErrorCode.BACKUP_BUSY: 409,
    ErrorCode.BACKUP_EXISTS: 409,
    ErrorCode.WRONG_PASSPHRASE: 422,
    ErrorCode.BACKUP_DAMAGED: 422,
    ErrorCode.BACKUP_FAILED: 500,
}


class ApiError(Exception):
    """A refusal the caller can act on: a stable code, a sentence for people, maybe a wait."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        retry_after: int | None = None,
        details: list[dict[str, object]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.details = details

    @property
    def status(self) -> int:
        return _STATUS[self.code]


# Seconds a client waits before sending again what the busy server refused.
BUSY_RETRY_AFTER_S = 2


def busy_error() -> ApiError:
    """The answer when the database stayed locked too long: nothing changed, send it again."""
    return ApiError(
        ErrorCode.SERVER_BUSY,
        "the server is too busy to take this now; nothing was changed, try again in a moment",
        retry_after=BUSY_RETRY_AFTER_S,
    )
