"""Showing a one-time password or code to hand over in person, large, with a copy button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class HandOverPanel(QWidget):
    """The explanation, the code in large monospace, and "Copy".

    Attributes:
        explanation: what the code is and what the person does with it.
        code: the code, selectable.
        copy_button: puts the code on the clipboard.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.code = QLabel()
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(max(font.pointSize(), 10) * 2)
        font.setWeight(QFont.Weight.DemiBold)
        self.code.setFont(font)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card = QFrame()
        card.setProperty("role", "card")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(16, 14, 16, 14)
        inner.addWidget(self.code)
        self.copy_button = QPushButton(self.tr("Copy"))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.explanation)
        layout.addWidget(card)
        layout.addLayout(row)
        layout.addStretch(1)
        self.copy_button.clicked.connect(self._copy)

    def show_code(self, code: str, explanation: str) -> None:
        """Shows ``code`` with ``explanation`` above it."""
        self.code.setText(code)
        self.explanation.setText(explanation)
        self.copy_button.setText(self.tr("Copy"))

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code.text())
        self.copy_button.setText(self.tr("Copied"))


class HandOverDialog(QDialog):
    """A one-time password or code with its explanation, and a Close button.

    Attributes:
        panel: the code and its explanation.
    """

    def __init__(
        self, title: str, code: str, explanation: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(520)
        heading = QLabel(title)
        heading.setProperty("role", "title")
        heading.setWordWrap(True)
        self.panel = HandOverPanel()
        self.panel.show_code(code, explanation)
        close = QPushButton(self.tr("Done"))
        close.setProperty("role", "primary")
        close.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(self.panel, 1)
        layout.addLayout(buttons)
        close.clicked.connect(self.accept)
