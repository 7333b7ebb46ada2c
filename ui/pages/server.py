"""The Server page (admins): settings, backups, logs, the audit log and the version."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.accounts.account import Account
from app.server_admin import api as admin_api
from app.server_admin.audit import AuditLine
from app.server_admin.audit import load as load_audit
from app.server_admin.backups import (
    Backups,
    BackupsLoaded,
    JobProgressed,
    job_done_in_words,
    last_in_words,
    passphrase_warning,
    restore_warning,
    size_in_words,
    stage_in_words,
    when,
)
from app.server_admin.download import Download
from app.server_admin.logs import LEVELS, Logs
from app.server_admin.problems import explain_server, only_admins
from app.server_admin.settings_form import GIB, MIB, InvalidSettings, SettingsForm, field_label
from app.users.permissions import is_admin
from server.protocol.backup import BackupJob, BackupOverview
from server.protocol.server import ServerInfo
from server.protocol.settings import MAX_RETENTION_DAYS, Registration, ServerSettings
from ui import tasks


def _set_role(label: QLabel, role: str) -> None:
    label.setProperty("role", role)
    label.style().unpolish(label)
    label.style().polish(label)


def _message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _say(label: QLabel, text: str, *, error: bool = False) -> None:
    label.setText(text)
    _set_role(label, "error" if error else "ok")
    label.setVisible(bool(text))


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setProperty("role", "card")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(16, 12, 16, 14)
    heading = QLabel(title)
    heading.setProperty("role", "section")
    layout.addWidget(heading)
    return card, layout


def _password_edit(placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


class ServerPage(QWidget):
    """Tabs for the server's settings, backups, logs, audit log and version.

    Attributes:
        form: the settings logic (app/server_admin/settings_form.py).
        backups: the backups logic (app/server_admin/backups.py).
        logs: the log lines (app/server_admin/logs.py).
        tabs: Settings | Backups | Logs | Audit log | About.
        ask_save_path: asks where to save a file (suggested name -> path or None); tests
            replace it, because a native file dialog is the edge of the world.
        download: the download in progress or finished last.
    """

    def __init__(self, account: Account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        api = account.api
        self.form = SettingsForm(api)
        self.backups = Backups(api)
        self.logs = Logs(api)
        self.download: Download | None = None
        self.audit_lines: list[AuditLine] = []
        self.info: ServerInfo | None = None
        self.confirm: QMessageBox | None = None  # the restore question (the tests answer it)
        self.ask_save_path: Callable[[str], Path | None] = self._ask_save_path
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubscribe: list[Callable[[], None]] = []
        # The capacity check's window, and its plan (None: the default; tests make it tiny).
        self.capacity_dialog: Any = None
        self.capacity_plan: Any = None

        title = QLabel(self.tr("Server"))
        title.setProperty("role", "title")
        self.members_only = QLabel(only_admins())
        self.members_only.setWordWrap(True)
        self.members_only.setProperty("role", "muted")
        self.members_only.hide()

        self.tabs = QTabWidget()
        self.tabs.addTab(self._settings_tab(), self.tr("Settings"))
        self.tabs.addTab(self._backups_tab(), self.tr("Backups"))
        self.tabs.addTab(self._logs_tab(), self.tr("Logs"))
        self.tabs.addTab(self._audit_tab(), self.tr("Audit log"))
        self.tabs.addTab(self._about_tab(), self.tr("About"))
        self.tabs.addTab(self._capacity_tab(), self.tr("Capacity"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(title)
        layout.addWidget(self.members_only)
        layout.addWidget(self.tabs, 1)
        self._connect_signals()

    # -- building the tabs --------------------------------------------------------------------

    def _settings_tab(self) -> QWidget:
        page = QWidget()
        self.server_name = QLineEdit()
        self.server_name.setMaxLength(200)  # longer than allowed, so the check can say why
        self.registration = QComboBox()
        self.registration.addItem(self.tr("Anyone with an invite link"), Registration.INVITE_ONLY)
        self.registration.addItem(self.tr("Only people an admin adds"), Registration.CLOSED)
        self.max_file_mb = QSpinBox()
        self.max_file_mb.setRange(1, 1 << 20)
        self.max_file_mb.setSuffix(self.tr(" MB"))
        self.quota_gb = QSpinBox()
        self.quota_gb.setRange(0, 1 << 20)
        self.quota_gb.setSuffix(self.tr(" GB"))
        self.quota_gb.setSpecialValueText(self.tr("No limit"))
        self.retention = QSpinBox()
        self.retention.setRange(0, MAX_RETENTION_DAYS)
        self.retention.setSuffix(self.tr(" days"))
        self.retention.setSpecialValueText(self.tr("Forever"))
        for box in (self.registration, self.max_file_mb, self.quota_gb, self.retention):
            box.setMaximumWidth(280)  # numbers read badly stretched across the page
        self.presence = QCheckBox(self.tr("Show who is online"))
        self.typing = QCheckBox(self.tr("Show who is typing"))
        self.require_2fa = QCheckBox(self.tr("Everyone must use two-step sign-in"))
        self.allowlist = QPlainTextEdit()
        self.allowlist.setPlaceholderText(self.tr("One address or network per line"))
        self.allowlist.setMaximumHeight(90)
        allow_help = QLabel(
            self.tr(
                "Computers at these addresses are never slowed down or locked out after wrong "
                "passwords. Leave the home network here."
            )
        )
        allow_help.setWordWrap(True)
        allow_help.setProperty("role", "muted")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(field_label("server_name"), self.server_name)
        form.addRow(field_label("registration"), self.registration)
        form.addRow(field_label("max_file_bytes"), self.max_file_mb)
        form.addRow(field_label("user_quota_bytes"), self.quota_gb)
        form.addRow(field_label("retention_days"), self.retention)
        form.addRow("", self.presence)
        form.addRow("", self.typing)
        form.addRow("", self.require_2fa)
        form.addRow(field_label("login_allowlist"), self.allowlist)
        form.addRow("", allow_help)

        self.settings_changes = QLabel()
        self.settings_changes.setWordWrap(True)
        self.settings_changes.setProperty("role", "muted")
        self.settings_message = _message_label()
        self.save_settings = QPushButton(self.tr("Save settings"))
        self.save_settings.setProperty("role", "primary")
        self.revert_settings = QPushButton(self.tr("Undo changes"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_settings)
        buttons.addWidget(self.save_settings)

        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.settings_changes)
        layout.addWidget(self.settings_message)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _backups_tab(self) -> QWidget:
        page = QWidget()
        self.last_backup = QLabel()
        self.last_backup.setWordWrap(True)
        self.restore_pending = QLabel(
            self.tr(
                "A restore is ready and will be applied the next time the server starts. "
                "Restart the server (or the Raspberry Pi) when nobody is chatting."
            )
        )
        self.restore_pending.setWordWrap(True)
        self.restore_pending.setProperty("role", "warning")
        self.restore_pending.hide()

        now_card, now = _card(self.tr("Back up now"))
        self.passphrase = _password_edit(self.tr("Passphrase (at least 10 characters)"))
        self.passphrase_again = _password_edit(self.tr("The same passphrase again"))
        warning = QLabel(passphrase_warning())
        warning.setWordWrap(True)
        warning.setProperty("role", "muted")
        self.back_up_button = QPushButton(self.tr("Back up now"))
        self.back_up_button.setProperty("role", "primary")
        row = QHBoxLayout()
        row.addWidget(self.passphrase, 1)
        row.addWidget(self.passphrase_again, 1)
        row.addWidget(self.back_up_button)
        self.job_progress = QProgressBar()
        self.job_progress.hide()
        self.job_message = _message_label()
        now.addLayout(row)
        now.addWidget(warning)
        now.addWidget(self.job_progress)
        now.addWidget(self.job_message)

        files_card, files = _card(self.tr("Backups on the server"))
        self.no_backups = QLabel(self.tr("No backups yet — make the first one now."))
        self.no_backups.setProperty("role", "muted")
        self.no_backups.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.files = QTableWidget(0, 3)
        self.files.setHorizontalHeaderLabels([self.tr("Made"), self.tr("Size"), self.tr("File")])
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.verticalHeader().hide()
        self.files.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.files.setMinimumHeight(120)
        self.file_passphrase = _password_edit(self.tr("This backup's passphrase"))
        self.verify_button = QPushButton(self.tr("Check it"))
        self.restore_button = QPushButton(self.tr("Restore…"))
        self.restore_button.setProperty("role", "danger")
        self.download_button = QPushButton(self.tr("Download…"))
        self.cancel_download = QPushButton(self.tr("Stop download"))
        self.cancel_download.hide()
        actions = QHBoxLayout()
        actions.addWidget(self.file_passphrase, 1)
        actions.addWidget(self.verify_button)
        actions.addWidget(self.restore_button)
        actions.addWidget(self.download_button)
        actions.addWidget(self.cancel_download)
        self.download_progress = QProgressBar()
        self.download_progress.hide()
        self.download_message = _message_label()
        self.files_box = QWidget()
        box = QVBoxLayout(self.files_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.files, 1)
        box.addLayout(actions)
        box.addWidget(self.download_progress)
        box.addWidget(self.download_message)
        files.addWidget(self.no_backups)
        files.addWidget(self.files_box, 100)
        files.addStretch(1)  # keeps the empty card's words at the top

        schedule_card, schedule = _card(self.tr("Daily backup"))
        self.schedule_enabled = QCheckBox(self.tr("Back up every day"))
        self.schedule_hour = QSpinBox()
        self.schedule_hour.setRange(0, 23)
        self.schedule_hour.setSuffix(self.tr(":00"))
        self.schedule_keep = QSpinBox()
        self.schedule_keep.setRange(1, 365)
        self.schedule_keep.setSuffix(self.tr(" backups"))
        for spin in (self.schedule_hour, self.schedule_keep):
            spin.setMaximumWidth(200)
        self.schedule_folder = QLineEdit()
        self.schedule_folder.setPlaceholderText(self.tr("The default folder beside the server"))
        self.schedule_passphrase = _password_edit(self.tr("New passphrase (leave empty to keep)"))
        self.schedule_again = _password_edit(self.tr("The same passphrase again"))
        sform = QFormLayout()
        sform.addRow("", self.schedule_enabled)
        sform.addRow(self.tr("At"), self.schedule_hour)
        sform.addRow(self.tr("Keep the newest"), self.schedule_keep)
        sform.addRow(self.tr("Folder on the Pi"), self.schedule_folder)
        sform.addRow(self.tr("Passphrase"), self.schedule_passphrase)
        sform.addRow("", self.schedule_again)
        self.save_schedule = QPushButton(self.tr("Save schedule"))
        self.schedule_message = _message_label()
        srow = QHBoxLayout()
        srow.addStretch(1)
        srow.addWidget(self.save_schedule)
        schedule.addLayout(sform)
        schedule.addWidget(self.schedule_message)
        schedule.addLayout(srow)

        layout = QVBoxLayout(page)
        layout.addWidget(self.last_backup)
        layout.addWidget(self.restore_pending)
        layout.addWidget(now_card)
        layout.addWidget(files_card, 1)
        layout.addWidget(schedule_card)
        return page

    def _logs_tab(self) -> QWidget:
        page = QWidget()
        self.log_level = QComboBox()
        names = {
            "debug": self.tr("Everything (debug)"),
            "info": self.tr("Information and up"),
            "warning": self.tr("Warnings and errors"),
            "error": self.tr("Errors only"),
            "critical": self.tr("Critical only"),
        }
        for level in LEVELS:
            self.log_level.addItem(names[level], level)
        self.log_level.setCurrentIndex(LEVELS.index(self.logs.level))
        self.refresh_logs = QPushButton(self.tr("Refresh"))
        self.save_logs = QPushButton(self.tr("Save as text…"))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Show")))
        top.addWidget(self.log_level)
        top.addStretch(1)
        top.addWidget(self.refresh_logs)
        top.addWidget(self.save_logs)
        self.log_text = QPlainTextEdit()
        self.log_text.setReadOnly(True)
        self.log_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.log_text.setPlaceholderText(self.tr("No log lines at this level."))
        self.logs_message = _message_label()
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.log_text, 1)
        layout.addWidget(self.logs_message)
        return page

    def _audit_tab(self) -> QWidget:
        page = QWidget()
        intro = QLabel(self.tr("What administrators and the server changed, newest first."))
        intro.setProperty("role", "muted")
        self.refresh_audit = QPushButton(self.tr("Refresh"))
        top = QHBoxLayout()
        top.addWidget(intro, 1)
        top.addWidget(self.refresh_audit)
        self.audit = QTableWidget(0, 4)
        self.audit.setHorizontalHeaderLabels(
            [self.tr("When"), self.tr("Who"), self.tr("What"), self.tr("From address")]
        )
        self.audit.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.audit.verticalHeader().hide()
        self.audit.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.audit_message = _message_label()
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.audit, 1)
        layout.addWidget(self.audit_message)
        return page

    def _about_tab(self) -> QWidget:
        page = QWidget()
        self.about_name = QLabel("—")
        self.about_version = QLabel("—")
        self.about_address = QLabel(str(self.account.address))
        for label in (self.about_name, self.about_version, self.about_address):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.about_name)
        form.addRow(self.tr("Roost version"), self.about_version)
        form.addRow(self.tr("Address"), self.about_address)
        self.about_message = _message_label()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.about_message)
        layout.addStretch(1)
        return page

    def _capacity_tab(self) -> QWidget:
        page = QWidget()
        card, box = _card(self.tr("Capacity"))
        text = QLabel(
            self.tr(
                "Measure how many people this server can serve chatting at once. The check "
                "takes about a minute and a half with temporary test accounts, which it "
                "removes at the end."
            )
        )
        text.setWordWrap(True)
        self.check_capacity = QPushButton(self.tr("Check how many people this server can serve"))
        row = QHBoxLayout()
        row.addWidget(self.check_capacity)
        row.addStretch(1)
        box.addWidget(text)
        box.addLayout(row)
        layout = QVBoxLayout(page)
        layout.addWidget(card)
        layout.addStretch(1)
        return page

    def on_check_capacity(self) -> None:
        """Opens the capacity check's window (its code is imported only now: the benchmark's
        load generator has no place in the app's start-up)."""
        from ui.dialogs.capacity import CapacityDialog

        if self.capacity_dialog is None:
            self.capacity_dialog = CapacityDialog(self.account, self.capacity_plan, self)
        self.capacity_dialog.open()  # never exec(): the event loop must keep running

    def _connect_signals(self) -> None:
        self.check_capacity.clicked.connect(self.on_check_capacity)
        self.save_settings.clicked.connect(self.on_save_settings)
        self.revert_settings.clicked.connect(self.on_revert_settings)
        for edit in (self.server_name,):
            edit.textChanged.connect(self.on_settings_edited)
        self.allowlist.textChanged.connect(self.on_settings_edited)
        for spin in (self.max_file_mb, self.quota_gb, self.retention):
            spin.valueChanged.connect(self.on_settings_edited)
        for box in (self.presence, self.typing, self.require_2fa):
            box.toggled.connect(self.on_settings_edited)
        self.registration.currentIndexChanged.connect(self.on_settings_edited)
        self.back_up_button.clicked.connect(self.on_back_up)
        self.verify_button.clicked.connect(self.on_verify)
        self.restore_button.clicked.connect(self.on_restore)
        self.download_button.clicked.connect(self.on_download)
        self.cancel_download.clicked.connect(self.on_cancel_download)
        self.save_schedule.clicked.connect(self.on_save_schedule)
        self.files.itemSelectionChanged.connect(self.on_file_selected)
        self.refresh_logs.clicked.connect(self.on_refresh_logs)
        self.log_level.currentIndexChanged.connect(self.on_refresh_logs)
        self.save_logs.clicked.connect(self.on_save_logs)
        self.refresh_audit.clicked.connect(self.on_refresh_audit)
        self._unsubscribe.append(self.backups.events.subscribe(self._on_backups_event))
        self.on_file_selected()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Loads every tab (for an owner or admin); a member sees "only admins"."""
        if not is_admin(self.account.api.user.role):
            self.members_only.show()
            self.tabs.hide()
            return
        await asyncio.gather(
            self._load_settings(),
            self._load_backups(),
            self._load_logs(),
            self._load_audit(),
            self._load_about(),
        )

    async def stop(self) -> None:
        """Cancels what is still running (a download keeps its part file for a resume)."""
        if self.download is not None:
            self.download.cancel()
        if self.capacity_dialog is not None:
            await self.capacity_dialog.stop()  # waits until its test accounts are removed
        running = [t for t in self._tasks if not t.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def _run(
        self,
        coro: Coroutine[Any, Any, Any],
        name: str,
        failed: QLabel,
        on_done: Callable[[Any], None] | None = None,
    ) -> asyncio.Task[Any]:
        task = tasks.spawn(
            coro,
            name=f"server-page-{name}",
            on_done=on_done,
            on_error=lambda exc: _say(failed, explain_server(exc), error=True),
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- settings -----------------------------------------------------------------------------

    async def _load_settings(self) -> None:
        try:
            self._show_settings(await self.form.load())
        except Exception as exc:  # shown, not raised: the shell awaits start()
            _say(self.settings_message, explain_server(exc), error=True)

    def _show_settings(self, s: ServerSettings) -> None:
        self.server_name.setText(s.server_name)
        self.registration.setCurrentIndex(self.registration.findData(s.registration))
        self.max_file_mb.setValue(min(self.max_file_mb.maximum(), max(1, s.max_file_bytes // MIB)))
        self.quota_gb.setValue(min(self.quota_gb.maximum(), s.user_quota_bytes // GIB))
        self.retention.setValue(s.retention_days)
        self.presence.setChecked(s.presence_enabled)
        self.typing.setChecked(s.typing_enabled)
        self.require_2fa.setChecked(s.require_2fa)
        self.allowlist.setPlainText("\n".join(s.login_allowlist))
        self.settings_changes.setText("")

    def settings_values(self) -> dict[str, Any]:
        """The whole form as the server's fields (sizes kept exact when left alone)."""
        current = self.form.current
        max_file = self.max_file_mb.value() * MIB
        quota = self.quota_gb.value() * GIB
        if current is not None:
            # A size that is not a whole MB or GB shows rounded; keep it exact if untouched.
            if self.max_file_mb.value() == current.max_file_bytes // MIB:
                max_file = current.max_file_bytes
            if self.quota_gb.value() == current.user_quota_bytes // GIB:
                quota = current.user_quota_bytes
        lines = self.allowlist.toPlainText().splitlines()
        return {
            "server_name": self.server_name.text().strip(),
            "registration": self.registration.currentData(),
            "max_file_bytes": max_file,
            "user_quota_bytes": quota,
            "retention_days": self.retention.value(),
            "presence_enabled": self.presence.isChecked(),
            "typing_enabled": self.typing.isChecked(),
            "require_2fa": self.require_2fa.isChecked(),
            "login_allowlist": [x.strip() for x in lines if x.strip()],
        }

    def on_settings_edited(self) -> None:
        """Lists what saving would change."""
        changes = self.form.pending_changes(self.settings_values())
        self.settings_changes.setText(
            self.tr("Not saved yet:") + "\n" + "\n".join(changes) if changes else ""
        )

    def on_revert_settings(self) -> None:
        """Puts the settings in force back into the form."""
        if self.form.current is not None:
            self._show_settings(self.form.current)
            _say(self.settings_message, "")

    def on_save_settings(self) -> None:
        """Saves the whole form."""
        values = self.settings_values()
        self.save_settings.setEnabled(False)
        _say(self.settings_message, "")

        async def save() -> None:
            try:
                changed = await self.form.save(values)
            except InvalidSettings as exc:
                _say(self.settings_message, explain_server(exc), error=True)
                return
            finally:
                self.save_settings.setEnabled(True)
            if self.form.current is not None:
                self._show_settings(self.form.current)
            text = (
                self.tr("Saved.") + "\n" + "\n".join(changed)
                if changed
                else self.tr("Nothing had changed.")
            )
            _say(self.settings_message, text)
            self.on_refresh_audit()

        self._run(save(), "save-settings", self.settings_message)

    # -- backups ------------------------------------------------------------------------------

    async def _load_backups(self) -> None:
        try:
            await self.backups.refresh()
        except Exception as exc:  # shown, not raised
            _say(self.job_message, explain_server(exc), error=True)

    def _on_backups_event(self, event: BackupsLoaded | JobProgressed) -> None:
        if isinstance(event, BackupsLoaded):
            self._show_overview(event.overview)
        else:
            self._show_job(event.job)

    def _show_overview(self, overview: BackupOverview) -> None:
        self.last_backup.setText(last_in_words(overview))
        self.restore_pending.setVisible(overview.restore_pending)
        selected = self.selected_backup()
        self.files.setRowCount(len(overview.files))
        for row, f in enumerate(overview.files):
            name = QTableWidgetItem(f.name)
            name.setData(Qt.ItemDataRole.UserRole, f.name)
            self.files.setItem(row, 0, QTableWidgetItem(when(f.modified_at)))
            self.files.setItem(row, 1, QTableWidgetItem(size_in_words(f.size)))
            self.files.setItem(row, 2, name)
            if f.name == selected:
                self.files.selectRow(row)
        self.files.resizeColumnsToContents()
        self.no_backups.setVisible(not overview.files)
        self.files_box.setVisible(bool(overview.files))
        # The empty card says "no backups yet" already; the line above would repeat it.
        self.last_backup.setVisible(overview.last.at is not None)
        if self.selected_backup() is None and overview.files:
            self.files.selectRow(0)
        s = overview.schedule
        self.schedule_enabled.setChecked(s.enabled)
        self.schedule_hour.setValue(s.hour)
        self.schedule_keep.setValue(s.keep)
        self.schedule_folder.setText(s.folder)
        self.on_file_selected()

    def _show_job(self, job: BackupJob) -> None:
        busy = job.state == "running"
        self.back_up_button.setEnabled(not busy)
        self.verify_button.setEnabled(not busy and self.selected_backup() is not None)
        self.restore_button.setEnabled(not busy and self.selected_backup() is not None)
        self.job_progress.setVisible(busy)
        if busy:
            self.job_progress.setRange(0, 1000 if job.total_bytes else 0)
            if job.total_bytes:
                self.job_progress.setValue(int(1000 * job.done_bytes / job.total_bytes))
            _say(self.job_message, stage_in_words(job))
        else:
            _say(self.job_message, job_done_in_words(job), error=job.state == "failed")

    def selected_backup(self) -> str | None:
        """The name of the backup chosen in the list."""
        rows = self.files.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.files.item(rows[0].row(), 2)
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def on_file_selected(self) -> None:
        """Enables the actions on a chosen backup."""
        chosen = self.selected_backup() is not None
        running = self.backups.job is not None and self.backups.job.state == "running"
        self.verify_button.setEnabled(chosen and not running)
        self.restore_button.setEnabled(chosen and not running)
        self.download_button.setEnabled(chosen and not self.cancel_download.isVisible())

    def on_back_up(self) -> None:
        """Makes a backup with the passphrase typed twice."""
        first, again = self.passphrase.text(), self.passphrase_again.text()
        self.back_up_button.setEnabled(False)
        _say(self.job_message, "")

        async def back_up() -> None:
            try:
                job = await self.backups.back_up_now(first, again)
            finally:
                self.back_up_button.setEnabled(True)
            if job.state == "done":
                self.passphrase.clear()
                self.passphrase_again.clear()

        self._run(back_up(), "back-up", self.job_message)

    def on_verify(self) -> None:
        """Checks the chosen backup with its passphrase."""
        name = self.selected_backup()
        if name is not None:
            _say(self.job_message, "")
            self._run(
                self.backups.verify(name, self.file_passphrase.text()), "verify", self.job_message
            )

    def on_restore(self) -> None:
        """Asks before staging a restore of the chosen backup."""
        name = self.selected_backup()
        if name is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Restore this backup?"),
            restore_warning(),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        restore = box.addButton(self.tr("Restore at next start"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm = box
        passphrase = self.file_passphrase.text()

        def answered() -> None:
            if box.clickedButton() is restore:
                self._run(self.backups.stage_restore(name, passphrase), "restore", self.job_message)

        box.finished.connect(answered)
        box.open()  # never exec(): the event loop must keep running

    def _ask_save_path(self, suggested: str) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the backup"), str(Path(folder) / suggested)
        )
        return Path(path) if path else None

    def on_download(self) -> None:
        """Downloads the chosen backup (continuing an earlier, stopped download)."""
        name = self.selected_backup()
        target = self.ask_save_path(name) if name is not None else None
        if name is None or target is None:
            return
        download = Download(self.account.api, name, target)
        self.download = download
        self.download_progress.setRange(0, 0)
        self.download_progress.show()
        self.cancel_download.show()
        self.download_button.setEnabled(False)
        _say(self.download_message, self.tr("Downloading {name}…").format(name=name))

        def progress(done: int, total: int) -> None:
            if total:
                self.download_progress.setRange(0, 1000)
                self.download_progress.setValue(int(1000 * done / total))

        async def fetch() -> None:
            try:
                path = await download.run(progress)
            finally:
                self.download_progress.hide()
                self.cancel_download.hide()
                self.on_file_selected()
            _say(self.download_message, self.tr("Saved to {path}.").format(path=str(path)))

        self._run(fetch(), "download", self.download_message)

    def on_cancel_download(self) -> None:
        """Stops the download; what arrived is kept for the next try."""
        if self.download is not None:
            self.download.cancel()

    def on_save_schedule(self) -> None:
        """Saves the daily backup settings."""
        _say(self.schedule_message, "")

        async def save() -> None:
            await self.backups.set_schedule(
                enabled=self.schedule_enabled.isChecked(),
                hour=self.schedule_hour.value(),
                keep=self.schedule_keep.value(),
                folder=self.schedule_folder.text(),
                passphrase=self.schedule_passphrase.text(),
                again=self.schedule_again.text(),
            )
            self.schedule_passphrase.clear()
            self.schedule_again.clear()
            _say(self.schedule_message, self.tr("Schedule saved."))

        self._run(save(), "schedule", self.schedule_message)

    # -- logs, audit, about -------------------------------------------------------------------

    async def _load_logs(self) -> None:
        try:
            await self.logs.load(str(self.log_level.currentData()))
        except Exception as exc:  # shown, not raised
            _say(self.logs_message, explain_server(exc), error=True)
            return
        self.log_text.setPlainText(self.logs.text())
        self.log_text.verticalScrollBar().setValue(self.log_text.verticalScrollBar().maximum())
        _say(self.logs_message, "")

    def on_refresh_logs(self) -> None:
        """Reads the log lines again at the chosen level."""
        self._run(self._load_logs(), "logs", self.logs_message)

    def on_save_logs(self) -> None:
        """Saves the lines shown as a text file."""
        target = self.ask_save_path("roost-server.log")
        if target is None:
            return
        try:
            self.logs.save_blocking(target)
        except OSError as exc:
            _say(self.logs_message, explain_server(exc), error=True)
        else:
            _say(self.logs_message, self.tr("Saved to {path}.").format(path=str(target)))

    async def _load_audit(self) -> None:
        try:
            self.audit_lines = await load_audit(self.account.api)
        except Exception as exc:  # shown, not raised
            _say(self.audit_message, explain_server(exc), error=True)
            return
        self.audit.setRowCount(len(self.audit_lines))
        for row, line in enumerate(self.audit_lines):
            for col, text in enumerate((line.when, line.who, line.what, line.ip)):
                self.audit.setItem(row, col, QTableWidgetItem(text))
        self.audit.resizeColumnsToContents()
        self.audit.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        _say(self.audit_message, "")

    def on_refresh_audit(self) -> None:
        """Reads the audit log again."""
        self._run(self._load_audit(), "audit", self.audit_message)

    async def _load_about(self) -> None:
        try:
            self.info = await admin_api.server_info(self.account.api)
        except Exception as exc:  # shown, not raised
            _say(self.about_message, explain_server(exc), error=True)
            return
        self.about_name.setText(self.info.name)
        self.about_version.setText(self.info.version)
