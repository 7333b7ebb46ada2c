"""Deleting an account: say what happens, and have the admin type the username to confirm."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from server.protocol.admin import AdminUser
from ui.widgets.fields import Field


class DeleteUserDialog(QDialog):
    """Confirms deleting ``user``: the Delete button works once their username is typed.

    Attributes:
        confirm: where the username is typed.
        delete_button: accepts the dialog.
    """

    def __init__(self, user: AdminUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user = user
        self.setWindowTitle(self.tr("Delete an account"))
        self.setModal(True)
        self.setMinimumWidth(480)
        heading = QLabel(self.tr("Delete {name}’s account?").format(name=user.display_name))
        heading.setProperty("role", "title")
        heading.setWordWrap(True)
        text = QLabel(
            self.tr(
                "{name} will be signed out everywhere and can't sign in again. What they wrote "
                "stays in the conversations, shown as “Deleted user”. This can't be undone; to "
                "stop them for a while, switch the account off instead."
            ).format(name=user.display_name)
        )
        text.setWordWrap(True)
        self.confirm = Field(
            self.tr("To confirm, type their username: {username}").format(username=user.username)
        )
        cancel = QPushButton(self.tr("Cancel"))
        self.delete_button = QPushButton(self.tr("Delete account"))
        self.delete_button.setProperty("role", "danger")
        self.delete_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(text)
        layout.addWidget(self.confirm)
        layout.addLayout(buttons)
        cancel.clicked.connect(self.reject)
        self.delete_button.clicked.connect(self.accept)
        self.confirm.edit.textChanged.connect(self._on_typed)

    def _on_typed(self, text: str) -> None:
        self.delete_button.setEnabled(text.strip().lower() == self.user.username)
