"""Plain-language sentences for what goes wrong on the Server page (the rest: app.net.explain)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.net.errors import ApiError
from app.net.explain import explain
from app.server_admin.backups import PassphraseProblem
from app.server_admin.download import DownloadCancelled
from app.server_admin.settings_form import InvalidSettings


def only_admins() -> str:
    """What a member sees instead of the Server page."""
    return QCoreApplication.translate(
        "ServerPage",
        "Only the server's owner and administrators can change its settings and backups. "
        "Ask the owner if you need something changed.",
    )


def explain_server(exc: BaseException) -> str:
    """One or two sentences about a failed action on the Server page, translated."""
    if isinstance(exc, PassphraseProblem):
        return exc.explanation
    if isinstance(exc, InvalidSettings):
        return " ".join(dict.fromkeys(exc.problems.values()))
    if isinstance(exc, DownloadCancelled):
        return QCoreApplication.translate(
            "ServerPage", "Download stopped. Download again to continue where it stopped."
        )
    if isinstance(exc, OSError):
        return QCoreApplication.translate(
            "ServerPage", "The file could not be saved on this computer: {reason}"
        ).format(reason=exc.strerror or str(exc))
    if isinstance(exc, ApiError):
        code = str(exc.code)
        if code == "backup_busy":
            return QCoreApplication.translate(
                "ServerPage",
                "Another backup or check is running. Wait until it has finished, then try again.",
            )
        if code == "backup_not_found":
            return QCoreApplication.translate(
                "ServerPage", "This backup is not in the backup folder any more."
            )
        if code == "forbidden":
            return only_admins()
        # The server names the field in its details, or (for the folder checks it makes
        # itself) at the start of its message.
        fields = [str(d.get("field", "")) for d in exc.details]
        if code == "invalid_request" and (
            exc.message.startswith("folder:") or any(f.endswith("folder") for f in fields)
        ):
            return QCoreApplication.translate(
                "ServerPage",
                "The backup folder must be a full path of a folder that exists on the server "
                "(like /media/usb), outside the server's own data folder.",
            )
    return explain(exc)
