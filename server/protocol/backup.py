"""Backups: make one now, follow its progress, list, download, verify, schedule, restore."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from server.protocol.common import Request, Response

# Long enough that a guess costs years even against a stolen backup file.
Passphrase = Annotated[str, Field(min_length=10, max_length=1024)]


class StartBackup(Request):
    passphrase: Passphrase


class VerifyBackup(Request):
    passphrase: Passphrase


class RestoreBackup(Request):
    passphrase: Passphrase


class BackupReport(Response):
    """What a checked backup holds."""

    server_name: str
    created_at: float
    users: int
    messages: int = Field(description="events of every kind, in every conversation")
    files: int


class BackupJob(Response):
    """A backup or a check in progress or finished. Poll ``GET .../jobs/{id}``."""

    id: str
    kind: Literal["backup", "verify", "restore"]
    state: Literal["running", "done", "failed"]
    stage: str = Field(description="snapshot, writing, decrypting, checking files, done")
    done_bytes: int
    total_bytes: int
    started_at: float
    finished_at: float | None = None
    file: str | None = Field(default=None, description="the backup file's name in the folder")
    error_code: str | None = Field(
        default=None, description="wrong_passphrase, backup_damaged, backup_failed"
    )
    error: str | None = None
    report: BackupReport | None = None


class BackupFile(Response):
    name: str
    size: int
    modified_at: float


class BackupSchedule(Response):
    """Daily backups into ``folder`` at ``hour`` (the server's local time), keeping ``keep``."""

    enabled: bool
    hour: int
    keep: int
    folder: str
    has_passphrase: bool = Field(description="a passphrase is stored for scheduled backups")


def _empty_or_passphrase(value: str) -> str:
    if value and not 10 <= len(value) <= 1024:
        raise ValueError("a passphrase has 10 to 1024 characters")
    return value


class SetBackupSchedule(Request):
    enabled: bool
    hour: int = Field(default=3, ge=0, le=23)
    keep: int = Field(default=7, ge=1, le=365)
    folder: str = Field(
        default="", max_length=4096, description='an absolute path; "": the default folder'
    )
    passphrase: Annotated[str, AfterValidator(_empty_or_passphrase)] = Field(
        default="",
        description='needed the first time; "": keep the stored one. Stored encrypted under '
        "the data key",
    )


class LastBackup(Response):
    at: float | None = Field(description="when the last backup was attempted")
    ok_at: float | None = Field(description="when the last successful backup was taken")
    result: str | None = Field(description="ok, or why the last attempt failed")
    file: str | None


class BackupOverview(Response):
    files: list[BackupFile]
    schedule: BackupSchedule
    last: LastBackup
    restore_pending: bool = Field(description="a restore is staged and applies at restart")


class BackupUpload(Response):
    """A backup being sent to the server in pieces; ``received`` is where to continue."""

    name: str
    received: int
