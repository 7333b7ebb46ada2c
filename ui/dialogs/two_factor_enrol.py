"""Turning on two-step sign-in for the signed-in account: the password, then the QR code and
the code from the phone, then the recovery codes (the same steps as the claim wizard's)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.accounts.account import Account
from app.net.explain import explain
from app.wizard.two_factor import AccountEnrolment
from ui.widgets.fields import Field
from ui.widgets.two_factor_setup import SetupStage, TwoFactorSetup
from ui.wizards.step_dialog import StepDialog


class TwoFactorEnrolDialog(StepDialog):
    """Enrols ``account``; accepted once it is on and the recovery codes were kept.

    Attributes:
        password: where the password is typed.
        tfa: the shared QR code / code / recovery codes part.
    """

    def __init__(self, account: Account, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Two-step sign-in"), parent)
        self.account = account
        self._enrolment: AccountEnrolment | None = None
        self.password_page = QWidget()
        first = QVBoxLayout(self.password_page)
        why = QLabel(
            self.tr(
                "Two-step sign-in asks for a code from your phone as well as your password, so "
                "a stolen password alone is not enough. Type your password to begin."
            )
        )
        why.setWordWrap(True)
        self.password = Field(self.tr("Password"), password=True)
        first.addWidget(why)
        first.addWidget(self.password)
        first.addStretch(1)

        self.setup_page = QWidget()
        setup = QVBoxLayout(self.setup_page)
        self.tfa = TwoFactorSetup()
        setup.addWidget(self.tfa)
        setup.addStretch(1)
        self.tfa.acknowledged.connect(self.set_can_continue)

        self.show_step(
            self.password_page,
            self.tr("Turn on two-step sign-in"),
            self._start,
            button=self.tr("Continue"),
        )
        self.password.edit.setFocus()

    async def _start(self) -> None:
        enrolment = AccountEnrolment(self.account, self.password.text())
        await self.tfa.advance(enrolment)  # a wrong password stops here, on this page
        self._enrolment = enrolment
        self.password.edit.clear()
        self.show_step(
            self.setup_page,
            self.tr("Turn on two-step sign-in"),
            self._next,
            button=self.tr("Check the code"),
        )

    async def _next(self) -> None:
        if self.tfa.stage is SetupStage.CODES:
            self.accept()
            return
        assert self._enrolment is not None
        if await self.tfa.advance(self._enrolment) is SetupStage.CODES:
            self.set_action(self._next, self.tr("Done"))
            self.set_can_continue(False)
            self.cancel_button.hide()  # it is on now: there is nothing to cancel

    def on_failure(self, exc: BaseException) -> None:
        self.show_error(explain(exc))
