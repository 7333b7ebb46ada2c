"""Backups: the list, backing up now with progress, schedule, verify, restore, in words."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from app.events import Emitter
from app.net.signed_in import SignedInApi
from app.server_admin import api
from server.protocol.backup import (
    BackupJob,
    BackupOverview,
    BackupReport,
    BackupSchedule,
    SetBackupSchedule,
)

MIN_PASSPHRASE = 10
POLL_S = 0.3  # how often a running job is asked about; small jobs finish in a second or two


@dataclass(frozen=True, slots=True)
class BackupsLoaded:
    """The list, schedule and last result were read."""

    overview: BackupOverview


@dataclass(frozen=True, slots=True)
class JobProgressed:
    """A backup, check or restore moved on (or finished: ``job.state`` says)."""

    job: BackupJob


class PassphraseProblem(Exception):
    """The passphrases typed cannot be used; nothing was sent.

    Attributes:
        explanation: what to fix, translated.
    """

    def __init__(self, explanation: str) -> None:
        super().__init__(explanation)
        self.explanation = explanation


def check_new_passphrase(first: str, second: str) -> str:
    """A passphrase for a new backup, typed twice.

    Raises:
        PassphraseProblem: too short, too long, or the two differ.
    """
    if len(first) < MIN_PASSPHRASE:
        raise PassphraseProblem(
            QCoreApplication.translate(
                "Backups", "The passphrase must be at least {n} characters long."
            ).format(n=MIN_PASSPHRASE)
        )
    if len(first) > 1024:
        raise PassphraseProblem(
            QCoreApplication.translate("Backups", "The passphrase is too long.")
        )
    if first != second:
        raise PassphraseProblem(
            QCoreApplication.translate(
                "Backups", "The two passphrases are not the same. Type them again."
            )
        )
    return first


def check_passphrase(passphrase: str) -> str:
    """The passphrase of an existing backup (for verify and restore).

    Raises:
        PassphraseProblem: too short to be any backup's passphrase.
    """
    if not MIN_PASSPHRASE <= len(passphrase) <= 1024:
        raise PassphraseProblem(
            QCoreApplication.translate(
                "Backups",
                "Type the passphrase this backup was made with (at least {n} characters).",
            ).format(n=MIN_PASSPHRASE)
        )
    return passphrase


def passphrase_warning() -> str:
    """The warning shown beside the passphrase fields."""
    return QCoreApplication.translate(
        "Backups",
        "Write this passphrase down and keep it somewhere safe. Without it, nobody — not even "
        "you — can open the backup.",
    )


def restore_warning() -> str:
    """What staging a restore does, before it is confirmed."""
    return QCoreApplication.translate(
        "Backups",
        "Everything on the server will go back to how it was when this backup was made: "
        "messages, photos and accounts added since then will be gone. The restore happens "
        "the next time the server starts; the current data is kept aside, not deleted.",
    )


def when(timestamp: float) -> str:
    """A time in the desktop's own zone, like 2026-11-27 03:15."""
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def size_in_words(size: int) -> str:
    """A file size people read: 734 KB, 12.5 MB, 1.2 GB."""
    if size < 1_000_000:
        return QCoreApplication.translate("Backups", "{n} KB").format(n=max(1, round(size / 1000)))
    if size < 1_000_000_000:
        return QCoreApplication.translate("Backups", "{n} MB").format(n=f"{size / 1e6:.1f}")
    return QCoreApplication.translate("Backups", "{n} GB").format(n=f"{size / 1e9:.1f}")


def stage_in_words(job: BackupJob) -> str:
    """What a running job is doing now."""
    stages = {
        "snapshot": QCoreApplication.translate("Backups", "Taking a snapshot…"),
        "writing": QCoreApplication.translate("Backups", "Writing the backup…"),
        "decrypting": QCoreApplication.translate("Backups", "Opening the backup…"),
        "checking files": QCoreApplication.translate("Backups", "Checking the files…"),
        "done": QCoreApplication.translate("Backups", "Finished."),
    }
    return stages.get(job.stage, QCoreApplication.translate("Backups", "Working…"))


def report_in_words(report: BackupReport) -> str:
    """A verified backup's contents in a sentence."""
    return QCoreApplication.translate(
        "Backups",
        "The backup is complete and can be restored. It was made on {when} and holds "
        "{users} accounts, {messages} messages and events, and {files} files.",
    ).format(
        when=when(report.created_at),
        users=report.users,
        messages=report.messages,
        files=report.files,
    )


def job_failure_in_words(job: BackupJob) -> str:
    """Why a job failed, and what to do next."""
    if job.error_code == "wrong_passphrase":
        return QCoreApplication.translate(
            "Backups",
            "That passphrase does not open this backup. Check it (capital letters matter) "
            "and try again.",
        )
    if job.error_code == "backup_damaged":
        return QCoreApplication.translate(
            "Backups",
            "This backup is damaged or incomplete and cannot be used. Use another backup, "
            "and make a new one soon.",
        )
    return QCoreApplication.translate(
        "Backups",
        "The backup could not be written. Check that the backup folder (or USB drive) is "
        "connected and has free space, then try again.",
    )


def job_done_in_words(job: BackupJob) -> str:
    """A finished job's outcome in words."""
    if job.state == "failed":
        return job_failure_in_words(job)
    if job.kind == "verify" and job.report is not None:
        return report_in_words(job.report)
    if job.kind == "restore":
        return QCoreApplication.translate(
            "Backups",
            "The restore is ready. It will be applied the next time the server starts: "
            "restart the server (or the Raspberry Pi) when nobody is chatting.",
        )
    return QCoreApplication.translate("Backups", "Backup finished: {file}.").format(
        file=job.file or ""
    )


def last_in_words(overview: BackupOverview) -> str:
    """The last backup, in a sentence."""
    last = overview.last
    if last.at is None:
        return QCoreApplication.translate("Backups", "No backups yet — make the first one now.")
    if last.result == "ok":
        return QCoreApplication.translate("Backups", "Last backup: {when}, it worked.").format(
            when=when(last.at)
        )
    ok = (
        QCoreApplication.translate("Backups", " The last good one is from {when}.").format(
            when=when(last.ok_at)
        )
        if last.ok_at is not None
        else ""
    )
    return (
        QCoreApplication.translate("Backups", "The last backup, on {when}, failed.").format(
            when=when(last.at)
        )
        + ok
    )


class Backups:
    """The backup folder's files, the schedule, and the jobs started from here.

    Attributes:
        overview: as last read (None before ``refresh``).
        job: the job running or finished last.
        events: ``BackupsLoaded`` and ``JobProgressed``.
    """

    def __init__(self, session: SignedInApi) -> None:
        self._session = session
        self.overview: BackupOverview | None = None
        self.job: BackupJob | None = None
        self.events: Emitter[BackupsLoaded | JobProgressed] = Emitter()

    async def refresh(self) -> BackupOverview:
        """Reads the files, schedule and last result."""
        self.overview = await api.backups(self._session)
        self.events.emit(BackupsLoaded(self.overview))
        return self.overview

    async def _follow(self, job: BackupJob) -> BackupJob:
        """Polls a job until it ends, announcing each change."""
        self.job = job
        self.events.emit(JobProgressed(job))
        while job.state == "running":
            await asyncio.sleep(POLL_S)
            job = await api.job(self._session, job.id)
            self.job = job
            self.events.emit(JobProgressed(job))
        await self.refresh()
        return job

    async def back_up_now(self, passphrase: str, again: str) -> BackupJob:
        """Makes a backup and follows it to the end.

        Raises:
            PassphraseProblem: the passphrases cannot be used; nothing was sent.
            ApiError: ``backup_busy`` and the like.
        """
        phrase = check_new_passphrase(passphrase, again)
        return await self._follow(await api.start_backup(self._session, phrase))

    async def verify(self, name: str, passphrase: str) -> BackupJob:
        """Checks a backup by restoring it into a scratch place; follows it to the end."""
        phrase = check_passphrase(passphrase)
        return await self._follow(await api.verify(self._session, name, phrase))

    async def stage_restore(self, name: str, passphrase: str) -> BackupJob:
        """Stages a restore (applied at the server's next start); follows it to the end."""
        phrase = check_passphrase(passphrase)
        return await self._follow(await api.stage_restore(self._session, name, phrase))

    async def delete(self, name: str) -> None:
        """Deletes one backup file."""
        await api.delete_backup(self._session, name)
        await self.refresh()

    async def set_schedule(
        self, *, enabled: bool, hour: int, keep: int, folder: str, passphrase: str, again: str
    ) -> BackupSchedule:
        """Sets the daily backup.

        Args:
            passphrase, again: a new passphrase typed twice, or both empty to keep the stored
                one (needed the first time).

        Raises:
            PassphraseProblem: the passphrase cannot be used, or none is stored yet.
            ApiError: ``invalid_request`` for a folder that does not exist.
        """
        phrase = ""
        if passphrase or again:
            phrase = check_new_passphrase(passphrase, again)
        elif enabled and not (self.overview and self.overview.schedule.has_passphrase):
            raise PassphraseProblem(
                QCoreApplication.translate(
                    "Backups", "Choose a passphrase for the daily backups (type it twice)."
                )
            )
        body = SetBackupSchedule(
            enabled=enabled, hour=hour, keep=keep, folder=folder.strip(), passphrase=phrase
        )
        schedule = await api.set_schedule(self._session, body)
        await self.refresh()
        return schedule
