"""Settings: language, theme, notifications, and where the app keeps its things."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.i18n import SHIPPED
from app.preferences import Preferences


class SettingsPage(QWidget):
    """Shows the preferences and forwards changes.

    Signals:
        language_chosen(str): "system", "en" or "zh_CN".
        theme_chosen(str): "system", "light" or "dark".
        notifications_chosen(bool, bool): play a sound; show the message's text.
    """

    language_chosen = Signal(str)
    theme_chosen = Signal(str)
    notifications_chosen = Signal(bool, bool)

    def __init__(
        self,
        prefs: Preferences,
        *,
        secrets_status: str,
        data_dir: str,
        version: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        title = QLabel(self.tr("Settings"))
        title.setProperty("role", "title")

        self.language = QComboBox()
        self.language.addItem(self.tr("Same as this computer"), "system")
        for code, name in SHIPPED.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(prefs.language))

        self.theme = QComboBox()
        self.theme.addItem(self.tr("Same as this computer"), "system")
        self.theme.addItem(self.tr("Light"), "light")
        self.theme.addItem(self.tr("Dark"), "dark")
        self.theme.setCurrentIndex(self.theme.findData(prefs.theme))

        self.sound = QCheckBox(self.tr("Play a sound for new messages"))
        self.sound.setChecked(prefs.notification_sound)
        self.show_text = QCheckBox(self.tr("Show the message's text in notifications"))
        self.show_text.setChecked(prefs.notification_text)
        notifications = QVBoxLayout()
        notifications.addWidget(self.sound)
        notifications.addWidget(self.show_text)

        self.secrets = QLabel(secrets_status)
        self.secrets.setWordWrap(True)
        self.secrets.setProperty("role", "muted")
        where = QLabel(data_dir)
        where.setProperty("role", "muted")
        where.setWordWrap(True)
        version_label = QLabel(version)
        version_label.setProperty("role", "muted")

        form = QFormLayout()
        form.setSpacing(12)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Appearance"), self.theme)
        form.addRow(self.tr("Notifications"), notifications)
        form.addRow(self.tr("Remembering sign-ins"), self.secrets)
        form.addRow(self.tr("Roost keeps its files in"), where)
        form.addRow(self.tr("Version"), version_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(16)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addStretch(1)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.language.currentIndexChanged.connect(
            lambda _i: self.language_chosen.emit(self.language.currentData())
        )
        self.theme.currentIndexChanged.connect(
            lambda _i: self.theme_chosen.emit(self.theme.currentData())
        )
        for box in (self.sound, self.show_text):
            box.toggled.connect(
                lambda _on: self.notifications_chosen.emit(
                    self.sound.isChecked(), self.show_text.isChecked()
                )
            )
