"""Invite someone: make a one-time link (and QR code) that sets up their account."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QLocale, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.net.explain import explain
from app.net.signed_in import SignedInApi
from app.users import invites
from server.protocol.admin import CreatedInvite
from server.protocol.common import Role
from ui.widgets.qr import QrCode
from ui.wizards.step_dialog import StepDialog


class InviteDialog(StepDialog):
    """Asks who the invite is for, then shows the link and its QR code.

    Attributes:
        created: the invite once made.
    """

    def __init__(self, session: SignedInApi, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Invite someone"), parent)
        self.session = session
        self.created: CreatedInvite | None = None
        self.form_page = QWidget()
        form = QFormLayout(self.form_page)
        form.setSpacing(10)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("e.g. Grandma"))
        self.note.setMaxLength(200)
        self.role = QComboBox()
        self.role.addItem(self.tr("Family member"), Role.MEMBER.value)
        if session.user.role == Role.OWNER:
            self.role.addItem(self.tr("Administrator (can manage people)"), Role.ADMIN.value)
        self.expiry = QComboBox()
        labels = {
            24: self.tr("1 day"),
            72: self.tr("3 days"),
            168: self.tr("1 week"),
            720: self.tr("30 days"),
        }
        for hours in invites.EXPIRY_CHOICES_HOURS:
            self.expiry.addItem(labels[hours], hours)
        self.expiry.setCurrentIndex(invites.EXPIRY_CHOICES_HOURS.index(72))
        form.addRow(self.tr("Who is it for?"), self.note)
        form.addRow(self.tr("They join as"), self.role)
        form.addRow(self.tr("The link works for"), self.expiry)

        self.link_page = QWidget()
        shown = QVBoxLayout(self.link_page)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.qr = QrCode(size=200)
        self.link = QPlainTextEdit()
        self.link.setReadOnly(True)
        self.link.setFixedHeight(9 * self.link.fontMetrics().lineSpacing() + 16)
        self.copy_button = QPushButton(self.tr("Copy link"))
        row = QHBoxLayout()
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        right = QVBoxLayout()
        right.addWidget(self.explanation)
        right.addWidget(self.link)
        right.addWidget(self.copy_button)
        right.addStretch(1)
        row.addLayout(right, 1)
        shown.addLayout(row)
        self.copy_button.clicked.connect(self._copy)
        self.show_step(
            self.form_page, self.tr("Invite someone"), self._create, button=self.tr("Make link")
        )

    async def _create(self) -> None:
        self.created = await invites.create(
            self.session,
            role=Role(self.role.currentData()),
            expires_in_hours=int(self.expiry.currentData()),
            note=self.note.text(),
        )
        expires = QDateTime.fromSecsSinceEpoch(int(self.created.invite.expires_at))
        when = QLocale().toString(expires, QLocale.FormatType.ShortFormat)
        self.explanation.setText(
            self.tr(
                "Send this link privately, for example in a message only they can read, or let "
                "them scan the code with the Roost app. It works once, until {when}."
            ).format(when=when)
        )
        self.link.setPlainText(self.created.link)
        self.qr.set_data(self.created.link)
        self.show_step(self.link_page, self.tr("Invite link ready"), None)
        self.cancel_button.setText(self.tr("Close"))

    def _copy(self) -> None:
        if self.created is not None:
            QGuiApplication.clipboard().setText(self.created.link)
            self.copy_button.setText(self.tr("Copied"))

    def on_failure(self, exc: BaseException) -> None:
        self.show_error(explain(exc))
