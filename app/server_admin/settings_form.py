"""The server settings form: load, check locally, save the whole form, say what changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QCoreApplication

from app.events import Emitter
from app.net.errors import ApiError
from app.net.signed_in import SignedInApi
from app.server_admin import api
from server.protocol.settings import MAX_RETENTION_DAYS, ServerSettings, SettingsUpdate

MIB = 1 << 20
GIB = 1 << 30


@dataclass(frozen=True, slots=True)
class SettingsLoaded:
    """The settings in force were read (after ``load`` or a save)."""

    settings: ServerSettings


@dataclass(frozen=True, slots=True)
class SettingsSaved:
    """A save went through; ``changed`` names each changed field in words."""

    settings: ServerSettings
    changed: list[str]


class InvalidSettings(Exception):
    """Values the server would refuse, found before sending (or named by the server).

    Attributes:
        problems: field name -> what to fix, translated.
    """

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def field_label(field: str) -> str:
    """The form's label of a settings field, translated."""
    labels = {
        "server_name": QCoreApplication.translate("ServerSettings", "Server name"),
        "registration": QCoreApplication.translate("ServerSettings", "Who can join"),
        "max_file_bytes": QCoreApplication.translate("ServerSettings", "Largest file"),
        "user_quota_bytes": QCoreApplication.translate("ServerSettings", "Space per person"),
        "retention_days": QCoreApplication.translate("ServerSettings", "Keep messages"),
        "presence_enabled": QCoreApplication.translate("ServerSettings", "Show who is online"),
        "typing_enabled": QCoreApplication.translate("ServerSettings", "Show who is typing"),
        "require_2fa": QCoreApplication.translate("ServerSettings", "Require two-step sign-in"),
        "login_allowlist": QCoreApplication.translate("ServerSettings", "Trusted addresses"),
    }
    return labels.get(field, field)


def field_problem(field: str) -> str:
    """What to fix in one settings field, translated."""
    if field == "server_name":
        return QCoreApplication.translate(
            "ServerSettings", "Give the server a name of 1 to 64 characters."
        )
    if field == "max_file_bytes":
        return QCoreApplication.translate(
            "ServerSettings", "The largest file must be at least 1 MB and at most 1,048,576 MB."
        )
    if field == "user_quota_bytes":
        return QCoreApplication.translate(
            "ServerSettings", "The space per person must be 0 (no limit) or a positive number."
        )
    if field == "retention_days":
        return QCoreApplication.translate(
            "ServerSettings", "Keep messages for 0 (forever) to {max} days."
        ).format(max=MAX_RETENTION_DAYS)
    if field == "login_allowlist":
        return QCoreApplication.translate(
            "ServerSettings",
            "Each trusted address must be an address or network, one per line, like "
            "192.168.1.20 or 192.168.1.0/24.",
        )
    return QCoreApplication.translate(
        "ServerSettings", "This value was not accepted. Check it and try again."
    )


def check(values: dict[str, Any]) -> SettingsUpdate:
    """The whole form as the request the server expects.

    Raises:
        InvalidSettings: one or more values the server would refuse; nothing is sent.
    """
    try:
        return SettingsUpdate.model_validate(values)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            problems.setdefault(field, field_problem(field))
        raise InvalidSettings(problems) from None


def _shown(field: str, value: object) -> str:
    """A value in words for the "what changed" list."""
    if isinstance(value, bool):
        return (
            QCoreApplication.translate("ServerSettings", "on")
            if value
            else QCoreApplication.translate("ServerSettings", "off")
        )
    if field == "max_file_bytes" and isinstance(value, int):
        return QCoreApplication.translate("ServerSettings", "{n} MB").format(n=value // MIB)
    if field == "user_quota_bytes" and isinstance(value, int):
        if value == 0:
            return QCoreApplication.translate("ServerSettings", "no limit")
        return QCoreApplication.translate("ServerSettings", "{n} GB").format(n=value // GIB)
    if field == "retention_days" and isinstance(value, int):
        if value == 0:
            return QCoreApplication.translate("ServerSettings", "forever")
        return QCoreApplication.translate("ServerSettings", "{n} days").format(n=value)
    if field == "registration":
        if value == "closed":
            return QCoreApplication.translate("ServerSettings", "only people admins add")
        return QCoreApplication.translate("ServerSettings", "anyone with an invite")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def describe_changes(before: ServerSettings, after: ServerSettings) -> list[str]:
    """One line per changed field: "Server name: Chen family → Chens", translated."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return [
        QCoreApplication.translate("ServerSettings", "{label}: {old} → {new}").format(
            label=field_label(k), old=_shown(k, old.get(k)), new=_shown(k, v)
        )
        for k, v in new.items()
        if old.get(k) != v
    ]


class SettingsForm:
    """The settings as loaded from the server, and saving the admin's edits of them.

    Attributes:
        current: the settings in force (None until ``load``).
        events: ``SettingsLoaded`` and ``SettingsSaved``.
    """

    def __init__(self, session: SignedInApi) -> None:
        self._session = session
        self.current: ServerSettings | None = None
        self.events: Emitter[SettingsLoaded | SettingsSaved] = Emitter()

    async def load(self) -> ServerSettings:
        """Reads the settings in force."""
        self.current = await api.get_settings(self._session)
        self.events.emit(SettingsLoaded(self.current))
        return self.current

    def pending_changes(self, values: dict[str, Any]) -> list[str]:
        """What saving ``values`` would change, in words (empty when nothing or invalid)."""
        if self.current is None:
            return []
        try:
            update = check(values)
        except InvalidSettings:
            return []
        after = ServerSettings.model_validate(update.model_dump(mode="json"))
        return describe_changes(self.current, after)

    async def save(self, values: dict[str, Any]) -> list[str]:
        """Checks and saves the whole form.

        Args:
            values: every field of ``SettingsUpdate``.

        Returns:
            The changes, in words (empty if nothing changed).

        Raises:
            InvalidSettings: a value the server would refuse (also when the server names
                one); nothing was saved.
            ApiError, NetError: the save failed; nothing was saved.
        """
        update = check(values)
        before = self.current if self.current is not None else await api.get_settings(self._session)
        try:
            after = await api.put_settings(self._session, update)
        except ApiError as exc:
            fields = [str(d.get("field", "")).rsplit(".", 1)[-1] for d in exc.details]
            if fields and exc.status == 422:
                raise InvalidSettings({f: field_problem(f) for f in fields}) from exc
            raise
        self.current = after
        changed = describe_changes(before, after)
        self.events.emit(SettingsSaved(after, changed))
        return changed
