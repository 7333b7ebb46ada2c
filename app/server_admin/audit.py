"""The audit log of admin actions, in words: who did what, to whom, when."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from app.net.signed_in import SignedInApi
from app.server_admin import api
from app.server_admin.backups import when
from app.server_admin.settings_form import field_label
from app.users.api import list_users
from server.protocol.admin import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One action for the table."""

    when: str
    who: str
    what: str
    ip: str


def _what(entry: AuditEntry, target: str) -> str:  # noqa: PLR0911 - one sentence per action
    a, d = entry.action, entry.detail
    if a == "settings.update":
        # The list separator differs by language (Chinese uses "、").
        comma = QCoreApplication.translate("Audit", ", ")
        fields = comma.join(field_label(k) for k in d)
        return QCoreApplication.translate("Audit", "changed the settings: {fields}").format(
            fields=fields
        )
    if a == "setup.claim":
        return QCoreApplication.translate("Audit", "set up the server")
    if a == "user.register":
        return QCoreApplication.translate("Audit", "joined with an invite")
    if a == "user.create":
        return QCoreApplication.translate("Audit", "added {name}").format(
            name=d.get("username", target)
        )
    if a == "user.disable":
        return QCoreApplication.translate("Audit", "switched off {name}'s account").format(
            name=target
        )
    if a == "user.enable":
        return QCoreApplication.translate("Audit", "switched on {name}'s account").format(
            name=target
        )
    if a == "user.reset_password":
        return QCoreApplication.translate("Audit", "gave {name} a new one-time password").format(
            name=target
        )
    if a == "user.reset_2fa":
        return QCoreApplication.translate("Audit", "turned off two-step sign-in for {name}").format(
            name=target
        )
    if a == "user.role.owner":
        return QCoreApplication.translate("Audit", "handed the ownership to {name}").format(
            name=target
        )
    if a == "user.role.admin":
        return QCoreApplication.translate("Audit", "made {name} an administrator").format(
            name=target
        )
    if a == "user.role.member":
        return QCoreApplication.translate("Audit", "made {name} a family member").format(
            name=target
        )
    if a == "user.delete":
        return QCoreApplication.translate("Audit", "deleted {name}'s account").format(
            name=d.get("username", target)
        )
    if a == "invite.create":
        return QCoreApplication.translate("Audit", "made an invite link")
    if a == "invite.revoke":
        return QCoreApplication.translate("Audit", "cancelled an invite link")
    if a == "password.changed":
        return QCoreApplication.translate("Audit", "changed their password")
    if a == "2fa.enabled":
        return QCoreApplication.translate("Audit", "turned on two-step sign-in")
    if a == "2fa.disabled":
        return QCoreApplication.translate("Audit", "turned off two-step sign-in")
    if a == "2fa.recovery_code_used":
        return QCoreApplication.translate("Audit", "used a recovery code")
    if a == "login.locked":
        return QCoreApplication.translate(
            "Audit", "{name}'s account was locked after wrong passwords"
        ).format(name=target)
    if a == "session.refresh_reused":
        return QCoreApplication.translate("Audit", "a stolen sign-in of {name} was blocked").format(
            name=target
        )
    if a == "backup.create":
        if d.get("ok") is False:
            return QCoreApplication.translate("Audit", "tried to make a backup, which failed")
        return QCoreApplication.translate("Audit", "made a backup")
    if a == "backup.verify":
        return QCoreApplication.translate("Audit", "checked a backup")
    if a == "backup.restore_staged":
        return QCoreApplication.translate("Audit", "prepared a restore from a backup")
    if a == "backup.schedule":
        return QCoreApplication.translate("Audit", "changed the backup schedule")
    if a == "backup.delete":
        return QCoreApplication.translate("Audit", "deleted a backup")
    if a == "backup.upload":
        return QCoreApplication.translate("Audit", "uploaded a backup")
    if a.startswith("settings.retention") or a == "retention.run":
        return QCoreApplication.translate("Audit", "removed or changed old messages (retention)")
    return a


def describe(entry: AuditEntry, names: dict[int, str]) -> AuditLine:
    """One entry in words; ``names`` maps account ids to display names."""
    server = QCoreApplication.translate("Audit", "The server")
    someone = QCoreApplication.translate("Audit", "someone")
    who = names.get(entry.actor_id, someone) if entry.actor_id is not None else server
    target = names.get(entry.target_id, someone) if entry.target_id is not None else someone
    return AuditLine(when=when(entry.at), who=who, what=_what(entry, target), ip=entry.ip or "")


async def load(session: SignedInApi, *, limit: int = 200) -> list[AuditLine]:
    """The newest actions in words, newest first."""
    log = await api.audit(session, limit=limit)
    names = {u.id: u.display_name for u in await list_users(session)}
    return [describe(e, names) for e in log.entries]
