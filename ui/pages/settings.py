"""Settings: language, theme, and where the app keeps its things."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
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
    """

    language_chosen = Signal(str)
    theme_chosen = Signal(str)

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
