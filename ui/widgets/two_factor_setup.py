"""Turning on two-step sign-in: the QR code and the key, the code from the phone, then the
recovery codes to keep. Shared by the claim wizard and the sign-in dialog."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.wizard.two_factor import Enrolment, grouped_key
from ui.widgets.fields import Field
from ui.widgets.qr import QrCode


class SetupStage(StrEnum):
    """Where the enrolment stands."""

    NOT_STARTED = "not_started"
    SCAN = "scan"  # the QR code and key are shown; waiting for a code from the phone
    CODES = "codes"  # it is on; the recovery codes are shown


def _text(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class TwoFactorSetup(QWidget):
    """Drives an ``Enrolment`` one ``advance`` at a time; the dialog around it owns the button.

    Signals:
        acknowledged(bool): the "I have kept these codes" box was ticked or cleared.

    Attributes:
        stage: where it stands.
        qr, secret, code: the QR code, the key as text, the field for the phone's code.
        setup_box, codes_box: the scan part and the recovery-codes part.
        recovery, saved: the codes, and the box the user ticks once they are kept.
    """

    acknowledged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = SetupStage.NOT_STARTED
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)

        self.setup_box = QWidget()
        setup = QFormLayout(self.setup_box)
        setup.setContentsMargins(0, 0, 0, 0)
        self.qr = QrCode(size=180)
        self.secret = QLabel()
        self.secret.setProperty("role", "code")
        self.secret.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.secret.setWordWrap(True)
        self.code = Field(self.tr("Code from the app"), placeholder="123456")
        setup.addRow(
            _text(
                self.tr(
                    "Scan this with an authenticator app (such as Google Authenticator, "
                    "Microsoft Authenticator or 2FAS), or type the key below into it:"
                )
            )
        )
        setup.addRow(self.qr)
        setup.addRow(self.secret)
        setup.addRow(self.code)
        self.setup_box.hide()
        layout.addWidget(self.setup_box)

        self.codes_box = QWidget()
        codes = QVBoxLayout(self.codes_box)
        codes.setContentsMargins(0, 0, 0, 0)
        codes.addWidget(
            _text(
                self.tr(
                    "Two-step sign-in is on. If you lose your phone, each of these recovery codes "
                    "lets you in once. Print them or write them down and keep them somewhere safe:"
                )
            )
        )
        self.recovery = QPlainTextEdit()
        self.recovery.setReadOnly(True)
        self.recovery.setProperty("role", "code")
        # Room for all ten codes, so none hides behind a scroll bar.
        # (The style sheet's monospace font is larger than the default: measure generously.)
        line = self.recovery.fontMetrics().lineSpacing()
        self.recovery.setFixedHeight(12 * line + 24)
        codes.addWidget(self.recovery)
        self.saved = QCheckBox(self.tr("I have kept these codes somewhere safe"))
        codes.addWidget(self.saved)
        self.codes_box.hide()
        layout.addWidget(self.codes_box)
        self.saved.toggled.connect(self.acknowledged)

    async def advance(self, enrolment: Enrolment) -> SetupStage:
        """The next step: show the QR code, then check the code and show the recovery codes.

        Returns:
            The stage reached. At ``CODES`` it stays there; the dialog finishes once
            ``saved`` is ticked.

        Raises:
            ApiError and the network errors: nothing moved on; the same step can be retried.
        """
        if self.stage is SetupStage.NOT_STARTED:
            secret, uri = await enrolment.start_two_factor()
            self.qr.set_data(uri)
            self.secret.setText(grouped_key(secret))
            self.setup_box.show()
            self.stage = SetupStage.SCAN
            self.code.edit.setFocus()
        elif self.stage is SetupStage.SCAN:
            codes = await enrolment.confirm_two_factor(self.code.text().strip())
            self.setup_box.hide()
            self.recovery.setPlainText("\n".join(codes))
            self.codes_box.show()
            self.stage = SetupStage.CODES
        return self.stage
