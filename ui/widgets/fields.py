"""Small form helpers: a field with its problem shown under it, and a fingerprint display."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.accounts.credentials import KeyringStatus


class Field(QWidget):
    """A labelled line edit with a problem line beneath it.

    Attributes:
        edit: the line edit.
        problem: the label that explains what is wrong (hidden when nothing is).
    """

    def __init__(
        self,
        label: str,
        *,
        placeholder: str = "",
        password: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        title = QLabel(label)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        if password:
            self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        title.setBuddy(self.edit)
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(title)
        layout.addWidget(self.edit)
        layout.addWidget(self.problem)
        self.edit.textEdited.connect(lambda _t: self.set_problem(None))

    def text(self) -> str:
        """What was typed."""
        return self.edit.text()

    def set_problem(self, text: str | None) -> None:
        """Shows ``text`` under the field (None hides it)."""
        self.problem.setText(text or "")
        self.problem.setVisible(bool(text))


def grouped_fingerprint(fp: str) -> str:
    """``AB:CD:…`` in four lines of eight pairs, as people compare it by eye."""
    pairs = [fp[i : i + 2].upper() for i in range(0, len(fp), 2)]
    return "\n".join(":".join(pairs[i : i + 8]) for i in range(0, len(pairs), 8))


class FingerprintLabel(QLabel):
    """A certificate fingerprint in a fixed-width font, selectable for copying."""

    def __init__(self, fp: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "code")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.set_fingerprint(fp)

    def set_fingerprint(self, fp: str) -> None:
        """Shows ``fp`` (lower-case hex)."""
        self.setText(grouped_fingerprint(fp))


class RememberBox(QWidget):
    """ "Remember me on this computer"; without a keyring, unticked, disabled, and saying why.

    Attributes:
        box: the check box.
        note: the explanation shown when remembering is not possible.
    """

    def __init__(self, status: KeyringStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QCheckBox(QCoreApplication.translate("Fields", "Remember me on this computer"))
        self.note = QLabel(status.explanation)
        self.note.setWordWrap(True)
        self.note.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.box)
        layout.addWidget(self.note)
        self.box.setChecked(status.available)
        self.box.setEnabled(status.available)
        self.note.setVisible(not status.available)

    def isChecked(self) -> bool:  # noqa: N802 (reads like the check box it stands for)
        """Whether to remember the sign-in."""
        return self.box.isChecked()
