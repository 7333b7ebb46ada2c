"""Stable error codes: clients branch on these strings, so a value never changes meaning."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class ErrorCode(StrEnum):
    """Every error the API can answer with. Values are part of the protocol."""

    INVALID_JSON = "invalid_json"
    INVALID_REQUEST = "invalid_request"
    BODY_TOO_LARGE = "body_too_large"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INTERNAL_ERROR = "internal_error"
    SERVER_BUSY = "server_busy"

    # authentication
    UNAUTHENTICATED = "unauthenticated"
    TOKEN_EXPIRED = "token_expired"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_SECOND_FACTOR = "invalid_second_factor"
    INVALID_REFRESH_TOKEN = "invalid_refresh_token"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"
    SESSION_REVOKED = "session_revoked"
    ACCOUNT_DISABLED = "account_disabled"
    PASSWORD_CHANGE_REQUIRED = "password_change_required"
    TWO_FACTOR_REQUIRED = "two_factor_required"
    RATE_LIMITED = "rate_limited"
    ACCOUNT_LOCKED = "account_locked"

    # authorisation
    FORBIDDEN = "forbidden"

    # setup
    ALREADY_CLAIMED = "already_claimed"
    NOT_CLAIMED = "not_claimed"
    INVALID_SETUP_CODE = "invalid_setup_code"

    # accounts
    USERNAME_TAKEN = "username_taken"
    WEAK_PASSWORD = "weak_password"
    WRONG_PASSWORD = "wrong_password"
    TWO_FACTOR_ALREADY_ENABLED = "two_factor_already_enabled"
    TWO_FACTOR_NOT_ENABLED = "two_factor_not_enabled"
    TWO_FACTOR_NOT_PENDING = "two_factor_not_pending"
    INVALID_INVITE = "invalid_invite"
    USER_NOT_FOUND = "user_not_found"
    CANNOT_MODIFY_SELF = "cannot_modify_self"

    # real-time protocol
    INVALID_FRAME = "invalid_frame"
    UNKNOWN_COMMAND = "unknown_command"
    ID_NOT_INCREASING = "id_not_increasing"
    FRAME_TOO_LARGE = "frame_too_large"
    FEATURE_DISABLED = "feature_disabled"

    # conversations and messages
    CONVERSATION_NOT_FOUND = "conversation_not_found"
    NOT_A_MEMBER = "not_a_member"
    ALREADY_MEMBER = "already_member"
    GROUP_FULL = "group_full"
    MESSAGE_NOT_FOUND = "message_not_found"
    NOT_AUTHOR = "not_author"
    MESSAGE_TOO_LONG = "message_too_long"
    OWNER_MUST_TRANSFER = "owner_must_transfer"
    NOT_A_GROUP = "not_a_group"

    # files and uploads
    UPLOAD_NOT_FOUND = "upload_not_found"
    ATTACHMENT_NOT_FOUND = "attachment_not_found"
    FILE_TOO_LARGE = "file_too_large"
    QUOTA_EXCEEDED = "quota_exceeded"
    STORAGE_FULL = "storage_full"
    OFFSET_MISMATCH = "offset_mismatch"
    CHUNK_CORRUPT = "chunk_corrupt"
    UPLOAD_INCOMPLETE = "upload_incomplete"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    TYPE_MISMATCH = "type_mismatch"
    IMAGE_TOO_LARGE = "image_too_large"
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"

    # backups
    BACKUP_NOT_FOUND = "backup_not_found"
    BACKUP_BUSY = "backup_busy"
    BACKUP_EXISTS = "backup_exists"
    WRONG_PASSPHRASE = "wrong_passphrase"
    BACKUP_DAMAGED = "backup_damaged"
    BACKUP_FAILED = "backup_failed"


class ErrorBody(BaseModel):
    """The body of every error answer, under the key ``error``."""

    model_config = ConfigDict(extra="forbid")

    code: ErrorCode
    message: str
    retry_after: int | None = None
    details: list[dict[str, object]] | None = None


class ErrorResponse(BaseModel):
    """``{"error": {...}}``: the shape of every 4xx and 5xx answer."""

    error: ErrorBody
