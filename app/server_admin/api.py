"""The admin endpoints for settings, backups, logs and audit (protocol sections 13.5, 24-26)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from app.net.models import parse_model
from app.net.signed_in import SignedInApi
from server.protocol.admin import AuditLog
from server.protocol.backup import (
    BackupJob,
    BackupOverview,
    BackupSchedule,
    RestoreBackup,
    SetBackupSchedule,
    StartBackup,
    VerifyBackup,
)
from server.protocol.monitoring import LogPage
from server.protocol.server import ServerInfo
from server.protocol.settings import ServerSettings, SettingsUpdate

SETTINGS = "/api/v1/admin/settings"
BACKUPS = "/api/v1/admin/backups"


def file_path(name: str) -> str:
    """The path of one backup file (the name is quoted: it comes from the server)."""
    return f"{BACKUPS}/files/{quote(name, safe='')}"


async def get_settings(session: SignedInApi) -> ServerSettings:
    """The settings in force."""
    return parse_model(ServerSettings, await session.request("GET", SETTINGS))


async def put_settings(session: SignedInApi, update: SettingsUpdate) -> ServerSettings:
    """Saves the whole form; answers the settings in force afterwards."""
    return parse_model(ServerSettings, await session.request("PUT", SETTINGS, body=update))


async def backups(session: SignedInApi) -> BackupOverview:
    """The backup files, the schedule, the last attempt and whether a restore is staged."""
    return parse_model(BackupOverview, await session.request("GET", BACKUPS))


async def start_backup(session: SignedInApi, passphrase: str) -> BackupJob:
    """Starts a backup now; follow the job with ``job``."""
    body = StartBackup(passphrase=passphrase)
    return parse_model(BackupJob, await session.request("POST", BACKUPS, body=body))


async def job(session: SignedInApi, job_id: str) -> BackupJob:
    """One job's progress."""
    data = await session.request("GET", f"{BACKUPS}/jobs/{quote(job_id, safe='')}")
    return parse_model(BackupJob, data)


async def verify(session: SignedInApi, name: str, passphrase: str) -> BackupJob:
    """Starts checking a backup (restored into a scratch place and compared)."""
    body = VerifyBackup(passphrase=passphrase)
    data = await session.request("POST", f"{file_path(name)}/verify", body=body)
    return parse_model(BackupJob, data)


async def stage_restore(session: SignedInApi, name: str, passphrase: str) -> BackupJob:
    """Starts staging a restore, applied when the server next starts."""
    body = RestoreBackup(passphrase=passphrase)
    data = await session.request("POST", f"{file_path(name)}/restore", body=body)
    return parse_model(BackupJob, data)


async def set_schedule(session: SignedInApi, schedule: SetBackupSchedule) -> BackupSchedule:
    """Sets the daily backup; answers the schedule in force."""
    data = await session.request("PUT", f"{BACKUPS}/schedule", body=schedule)
    return parse_model(BackupSchedule, data)


async def delete_backup(session: SignedInApi, name: str) -> None:
    """Deletes one backup file from the server's backup folder."""
    await session.request("DELETE", file_path(name))


async def logs(session: SignedInApi, *, level: str = "debug", limit: int = 1000) -> LogPage:
    """The server's newest log lines at ``level`` or above, oldest first."""
    query = urlencode({"level": level, "limit": limit, "format": "json"})
    return parse_model(LogPage, await session.request("GET", f"/api/v1/admin/logs?{query}"))


async def audit(session: SignedInApi, *, limit: int = 200) -> AuditLog:
    """The newest admin actions, newest first."""
    data = await session.request("GET", f"/api/v1/admin/audit?limit={limit}")
    return parse_model(AuditLog, data)


async def server_info(session: SignedInApi) -> ServerInfo:
    """The server's name and software version."""
    return parse_model(ServerInfo, await session.request("GET", "/api/v1/server"))
