"""Backups while the server runs: jobs with progress, the daily schedule (keep N), the record of
the last run, checks, and restores staged for the next start.

A restore over the API never swaps the database under a running server: it unpacks and checks
the backup into a folder beside the data directory, and the swap happens at the next start,
before the database is opened (``apply_staged_blocking``). Until then nothing changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cryptography.exceptions import InvalidTag

from server.backup.archive import ArchiveDamaged, BackupError, WrongPassphrase
from server.backup.create import Made, Progress, create_blocking
from server.backup.restore import Report, stage_blocking, staged_path, verify_blocking
from server.backup.uploads import FILE_NAME, SUFFIX, BackupUploads
from server.monitoring.alerts import BackupStatus
from server.protocol.backup import (
    BackupFile,
    BackupJob,
    BackupOverview,
    BackupReport,
    BackupSchedule,
    LastBackup,
    SetBackupSchedule,
)
from server.protocol.errors import ErrorCode
from server.services.errors import ApiError
from server.services.secrets import random_id
from server.storage import audit
from server.storage import settings as store

if TYPE_CHECKING:
    from server.runtime import Runtime
    from server.services.accounts import Principal

log = logging.getLogger(__name__)

SCHEDULE_EVERY_S = 30.0
RETRY_AFTER_FAILURE_S = 3600.0
LEFTOVER_AGE_S = 12 * 3600.0
_PASSPHRASE_AD = b"backup-passphrase"
JobKind = Literal["backup", "verify", "restore"]


def default_folder(data_dir: Path) -> Path:
    """Beside the data directory, not in it: a backup is made of the data directory."""
    return data_dir.parent / "roost-backups"


async def last_backup(rt: Runtime) -> datetime | None:
    """When the last successful backup was taken (its snapshot's moment, UTC), or None if
    there never was one. For the "backup overdue" alert and the dashboard."""
    async with rt.reader.connect() as conn:
        values = await store.load_txn(conn, store.BACKUP)
    at = values.get("last_ok_at")
    return None if at is None else datetime.fromtimestamp(float(at), tz=UTC)


def _error_code(exc: BaseException) -> str:
    if isinstance(exc, WrongPassphrase):
        return ErrorCode.WRONG_PASSPHRASE.value
    if isinstance(exc, ArchiveDamaged):
        return ErrorCode.BACKUP_DAMAGED.value
    return ErrorCode.BACKUP_FAILED.value


def _report(r: Report) -> BackupReport:
    return BackupReport(
        server_name=r.name,
        created_at=r.created_at,
        users=r.users,
        messages=r.messages,
        files=r.files,
    )


@dataclass(eq=False)
class Job:
    """One backup, check or staged restore, running or finished."""

    kind: JobKind
    id: str = field(default_factory=random_id)
    started_at: float = field(default_factory=time.time)
    progress: Progress = field(default_factory=Progress)
    state: Literal["running", "done", "failed"] = "running"
    finished_at: float | None = None
    file: str | None = None
    error_code: str | None = None
    error: str | None = None
    report: BackupReport | None = None
    task: asyncio.Task[None] | None = None

    def view(self) -> BackupJob:
        return BackupJob(
            id=self.id,
            kind=self.kind,
            state=self.state,
            stage=self.progress.stage,
            done_bytes=self.progress.done,
            total_bytes=self.progress.total,
            started_at=self.started_at,
            finished_at=self.finished_at,
            file=self.file,
            error_code=self.error_code,
            error=self.error,
            report=self.report,
        )


class Backups:
    """Everything the admin API and the scheduler do with backups."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.jobs: dict[str, Job] = {}
        self._busy = asyncio.Lock()  # one backup, check or restore at a time: they are heavy
        self._task: asyncio.Task[None] | None = None
        self.clock: Callable[[], float] = time.time
        self.uploads = BackupUploads(rt, self.ready_folder)

    # --- schedule and record ----------------------------------------------------------------

    async def _values(self) -> dict[str, Any]:
        async with self.rt.reader.connect() as conn:
            return await store.load_txn(conn, store.BACKUP)

    def _folder(self, values: dict[str, Any]) -> Path:
        folder = values.get("folder")
        return Path(folder) if folder else default_folder(self.rt.data_dir)

    async def ready_folder(self) -> Path:
        """The folder as configured, ready to write into (see ``_ready_folder``)."""
        return await self._ready_folder(await self._values())

    async def _ready_folder(self, values: dict[str, Any]) -> Path:
        """The folder, made if it is the default one; a chosen folder must exist already (a
        USB drive that is not mounted must not be replaced by a folder on the SD card).

        Raises:
            BackupError: the chosen folder is missing.
        """
        folder = self._folder(values)
        if not values.get("folder"):
            await asyncio.to_thread(folder.mkdir, mode=0o700, parents=True, exist_ok=True)
        if not await asyncio.to_thread(folder.is_dir):
            raise BackupError(
                f"the backup folder {folder} is missing; is the USB drive plugged in?"
            )
        return folder

    async def schedule(self) -> BackupSchedule:
        v = await self._values()
        return BackupSchedule(
            enabled=bool(v.get("enabled", False)),
            hour=int(v.get("hour", 3)),
            keep=int(v.get("keep", 7)),
            folder=str(self._folder(v)),
            has_passphrase=bool(v.get("passphrase")),
        )

    async def set_schedule(
        self, actor: Principal, body: SetBackupSchedule, ip: str | None
    ) -> BackupSchedule:
        v = await self._values()
        folder: str | None = None
        if body.folder:
            path = Path(body.folder)
            if not path.is_absolute():
                raise ApiError(
                    ErrorCode.INVALID_REQUEST, "folder: give the full path, like /media/usb"
                )
            try:
                resolved = await asyncio.to_thread(path.resolve)
            except (ValueError, OSError):  # a NUL byte, a loop of links
                raise ApiError(
                    ErrorCode.INVALID_REQUEST, "folder: that is not a usable path"
                ) from None
            if resolved.is_relative_to(self.rt.data_dir):
                raise ApiError(
                    ErrorCode.INVALID_REQUEST,
                    "folder: choose a place outside the server's data folder",
                )
            if not await asyncio.to_thread(resolved.is_dir):
                raise ApiError(
                    ErrorCode.INVALID_REQUEST,
                    f"folder: {resolved} does not exist (is the drive plugged in?)",
                )
            folder = str(resolved)
        if body.enabled and not body.passphrase and not v.get("passphrase"):
            raise ApiError(
                ErrorCode.INVALID_REQUEST,
                "passphrase: scheduled backups need a passphrase to encrypt them with",
            )
        values: dict[str, Any] = {
            "enabled": body.enabled,
            "hour": body.hour,
            "keep": body.keep,
            "folder": folder,
        }
        if body.passphrase:
            sealed = self.rt.data_key.seal(body.passphrase.encode(), _PASSPHRASE_AD)
            values["passphrase"] = sealed.hex()
        async with self.rt.engine.begin() as conn:
            await store.put_txn(conn, store.BACKUP, values)
            await audit.record_txn(
                conn,
                at=time.time(),
                action="backup.schedule",
                actor_id=actor.user_id,
                ip=ip,
                detail={
                    "enabled": body.enabled,
                    "hour": body.hour,
                    "keep": body.keep,
                    "folder": folder,
                    "passphrase_changed": bool(body.passphrase),
                },
            )
        return await self.schedule()

    async def last(self) -> LastBackup:
        v = await self._values()
        return LastBackup(
            at=v.get("last_at"),
            ok_at=v.get("last_ok_at"),
            result=v.get("last_result"),
            file=v.get("last_file"),
        )

    async def overview(self) -> BackupOverview:
        return BackupOverview(
            files=await self.list_files(),
            schedule=await self.schedule(),
            last=await self.last(),
            restore_pending=await asyncio.to_thread(staged_path(self.rt.data_dir).exists),
        )

    async def status(self) -> BackupStatus:
        """For the "backup overdue" alert (server/monitoring): the last success, and a day
        between backups when the schedule is on."""
        v = await self._values()
        ok_at = v.get("last_ok_at")
        return BackupStatus(
            last_at=None if ok_at is None else float(ok_at),
            interval_s=86_400.0 if v.get("enabled") else None,
        )

    # --- files ------------------------------------------------------------------------------

    async def folder(self) -> Path:
        return self._folder(await self._values())

    async def list_files(self) -> list[BackupFile]:
        folder = await self.folder()

        def scan() -> list[BackupFile]:
            out = []
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                for p in folder.iterdir():
                    if FILE_NAME.match(p.name) and p.is_file():
                        st = p.stat()
                        out.append(
                            BackupFile(name=p.name, size=st.st_size, modified_at=st.st_mtime)
                        )
            return sorted(out, key=lambda f: f.name, reverse=True)

        return await asyncio.to_thread(scan)

    async def path_of(self, name: str) -> Path:
        """The backup file called ``name`` in the folder.

        Raises:
            ApiError: there is none (or the name is not a backup's).
        """
        path = (await self.folder()) / name
        if not FILE_NAME.match(name) or not await asyncio.to_thread(path.is_file):
            raise ApiError(ErrorCode.BACKUP_NOT_FOUND, "no such backup in the backup folder")
        return path

    async def delete_file(self, actor: Principal, name: str, ip: str | None) -> None:
        path = await self.path_of(name)
        await asyncio.to_thread(path.unlink, missing_ok=True)
        async with self.rt.engine.begin() as conn:
            await audit.record_txn(
                conn,
                at=time.time(),
                action="backup.delete",
                actor_id=actor.user_id,
                ip=ip,
                detail={"file": name},
            )

    def _new_name(self, folder: Path, now: float) -> Path:
        stamp = datetime.fromtimestamp(now).strftime("%Y%m%d-%H%M%S")
        path = folder / f"roost-backup-{stamp}{SUFFIX}"
        n = 2
        while path.exists():
            path = folder / f"roost-backup-{stamp}-{n}{SUFFIX}"
            n += 1
        return path

    async def prune(self, keep: int) -> list[str]:
        """Delete the oldest backups in the folder beyond the newest ``keep``."""
        files = await self.list_files()  # newest first: the names sort by time
        folder = await self.folder()
        doomed = [f.name for f in files[keep:]]
        for name in doomed:
            await asyncio.to_thread((folder / name).unlink, missing_ok=True)
        return doomed

    # --- making backups ---------------------------------------------------------------------

    async def run_backup(
        self,
        passphrase: str,
        *,
        trigger: str,
        actor_id: int | None = None,
        ip: str | None = None,
        job: Job | None = None,
    ) -> Made:
        """Make one backup in the folder now; the attempt and its outcome are recorded and
        audited either way.

        Raises:
            BackupError: the backup could not be made (the folder is missing, the disk full).
        """
        job = job or Job("backup")
        values = await self._values()
        folder = self._folder(values)
        now = self.clock()
        try:
            await self._ready_folder(values)
            dest = await asyncio.to_thread(self._new_name, folder, now)
            job.file = dest.name
            made = await asyncio.to_thread(
                lambda: create_blocking(
                    data_dir=self.rt.data_dir,
                    key_file=self.rt.settings.key_file.expanduser(),
                    dest=dest,
                    passphrase=passphrase,
                    log2n=self.rt.settings.backup_kdf_log2n,
                    progress=job.progress,
                    now=lambda: now,
                )
            )
        except Exception as exc:  # recorded whatever it was: the owner must see it failed
            await self._record(now, trigger, actor_id, ip, ok=False, result=str(exc), file=None)
            log.error("backup failed: %s", exc)
            raise
        await self._record(
            now, trigger, actor_id, ip, ok=True, result="ok", file=made.path.name, size=made.size
        )
        log.info("backup written: %s (%d bytes)", made.path, made.size)
        return made

    async def _record(
        self,
        now: float,
        trigger: str,
        actor_id: int | None,
        ip: str | None,
        *,
        ok: bool,
        result: str,
        file: str | None,
        size: int | None = None,
    ) -> None:
        values: dict[str, Any] = {"last_at": now, "last_result": result}
        if ok:
            values |= {"last_ok_at": now, "last_file": file}
        async with self.rt.engine.begin() as conn:
            await store.put_txn(conn, store.BACKUP, values)
            await audit.record_txn(
                conn,
                at=now,
                action="backup.create",
                actor_id=actor_id,
                ip=ip,
                detail={"trigger": trigger, "ok": ok, "result": result, "file": file, "size": size},
            )

    def _spawn(self, job: Job, work: Callable[[], Any]) -> Job:
        async def run() -> None:
            try:
                async with self._busy:
                    await work()
                job.state = "done"
            except BackupError as exc:
                job.state, job.error_code, job.error = "failed", _error_code(exc), str(exc)
            except Exception as exc:
                log.exception("backup job %s failed", job.id)
                job.state, job.error_code, job.error = "failed", _error_code(exc), str(exc)
            finally:
                job.finished_at = time.time()
                job.task = None

        if self._busy.locked() or any(j.state == "running" for j in self.jobs.values()):
            raise ApiError(
                ErrorCode.BACKUP_BUSY, "a backup or check is running; wait until it has finished"
            )
        self._forget_old_jobs()
        self.jobs[job.id] = job
        job.task = asyncio.get_running_loop().create_task(run(), name=f"backup-{job.kind}")
        return job

    def _forget_old_jobs(self) -> None:
        done = [j for j in self.jobs.values() if j.state != "running"]
        for j in sorted(done, key=lambda j: j.started_at)[:-20]:
            self.jobs.pop(j.id, None)

    def start_backup(self, actor: Principal, passphrase: str, ip: str | None) -> BackupJob:
        job = Job("backup")

        async def work() -> None:
            await self.run_backup(
                passphrase, trigger="manual", actor_id=actor.user_id, ip=ip, job=job
            )

        return self._spawn(job, work).view()

    async def start_verify(
        self, actor: Principal, name: str, passphrase: str, ip: str | None
    ) -> BackupJob:
        path = await self.path_of(name)
        job = Job("verify", file=name)

        async def work() -> None:
            try:
                report = await asyncio.to_thread(
                    verify_blocking, path, passphrase, self.rt.data_dir, job.progress
                )
            except BackupError as exc:
                await self._audit_check("backup.verify", actor, ip, name, str(exc))
                raise
            job.report = _report(report)
            await self._audit_check("backup.verify", actor, ip, name, "ok")

        return self._spawn(job, work).view()

    async def start_restore(
        self, actor: Principal, name: str, passphrase: str, ip: str | None
    ) -> BackupJob:
        """Unpack and check a backup beside the data directory; it replaces the data at the
        next start of the server."""
        path = await self.path_of(name)
        job = Job("restore", file=name)

        async def work() -> None:
            try:
                report = await asyncio.to_thread(
                    stage_blocking,
                    path,
                    passphrase,
                    self.rt.data_dir,
                    self.rt.settings.key_file.expanduser(),
                    job.progress,
                )
            except BackupError as exc:
                await self._audit_check("backup.restore_staged", actor, ip, name, str(exc))
                raise
            job.report = _report(report)
            await self._audit_check("backup.restore_staged", actor, ip, name, "ok")

        return self._spawn(job, work).view()

    async def _audit_check(
        self, action: str, actor: Principal, ip: str | None, name: str, result: str
    ) -> None:
        async with self.rt.engine.begin() as conn:
            await audit.record_txn(
                conn,
                at=time.time(),
                action=action,
                actor_id=actor.user_id,
                ip=ip,
                detail={"file": name, "result": result},
            )

    def job(self, job_id: str) -> BackupJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise ApiError(ErrorCode.NOT_FOUND, "no such backup job (jobs are kept until restart)")
        return job.view()

    # --- the schedule -----------------------------------------------------------------------

    @staticmethod
    def _slot(now: float, hour: int) -> float:
        """The latest scheduled moment at or before ``now`` (local time)."""
        local = datetime.fromtimestamp(now)
        slot = local.replace(hour=hour, minute=0, second=0, microsecond=0)
        if slot > local:
            slot = slot.fromtimestamp(slot.timestamp() - 86_400)
        return slot.timestamp()

    async def run_due(self) -> Made | None:
        """Make the scheduled backup if one is due (and prune to ``keep``); None if not due.

        Due: the schedule is on, and nothing was attempted since the latest scheduled hour
        (or the last attempt failed over an hour ago and no backup succeeded since the slot).
        """
        v = await self._values()
        if not v.get("enabled") or not v.get("passphrase"):
            return None
        now = self.clock()
        slot = self._slot(now, int(v.get("hour", 3)))
        last_at = float(v.get("last_at") or 0.0)
        last_ok = float(v.get("last_ok_at") or 0.0)
        retry = last_ok < slot and now - last_at >= RETRY_AFTER_FAILURE_S
        if last_at >= slot and not retry:
            return None
        if self._busy.locked():
            return None
        try:
            passphrase = self.rt.data_key.open(bytes.fromhex(v["passphrase"]), _PASSPHRASE_AD)
        except (InvalidTag, ValueError):
            log.error("the stored backup passphrase does not decrypt; set it again")
            return None
        async with self._busy:
            made = await self.run_backup(passphrase.decode(), trigger="schedule")
            await self.prune(int(v.get("keep", 7)))
        return made

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="backup-schedule")

    def _clean_leftovers_blocking(self) -> None:
        """Work folders a crash or a power cut left behind in the data directory (a backup
        running elsewhere, from the command line, is younger than this)."""
        cutoff = time.time() - LEFTOVER_AGE_S
        for pattern in ("backup-work-*", ".verify-*"):
            for p in self.rt.data_dir.glob(pattern):
                with contextlib.suppress(OSError):
                    if p.is_dir() and p.stat().st_mtime < cutoff:
                        shutil.rmtree(p, ignore_errors=True)

    async def _loop(self) -> None:
        await asyncio.to_thread(self._clean_leftovers_blocking)
        while True:
            await asyncio.sleep(SCHEDULE_EVERY_S)
            try:
                await self.run_due()
            except BackupError:
                pass  # recorded and logged by run_backup; retried later
            except Exception:
                log.exception("scheduled backup failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for job in list(self.jobs.values()):
            if job.task is not None:
                job.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await job.task
