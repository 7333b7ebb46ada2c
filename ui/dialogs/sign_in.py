"""Sign in to a server: username and password, then the code from the phone if 2FA is on; then
a password of one's own after a one-time password, and turning 2FA on when the server requires
it."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.accounts.account import Account
from app.accounts.credentials import KeyringStatus
from app.accounts.session import EnrolmentNeeded, NewPasswordNeeded, SecondFactorNeeded, SignIn
from app.net.errors import ApiError
from app.net.explain import explain
from server.protocol.errors import ErrorCode
from ui import tasks
from ui.widgets.fields import Field, RememberBox
from ui.widgets.two_factor_setup import SetupStage, TwoFactorSetup
from ui.wizards.step_dialog import StepDialog


class SignInDialog(StepDialog):
    """Drives a `SignIn`.

    Signals:
        signed_in(object): the `Account`.

    Attributes:
        account: the account once signed in.
    """

    signed_in = Signal(object)

    def __init__(
        self,
        sign_in: SignIn,
        *,
        server_name: str,
        keyring: KeyringStatus,
        username: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("Sign in"), parent)
        self.flow = sign_in
        self.account: Account | None = None
        self.closing: asyncio.Task[None] | None = None
        self.password_page = QWidget()
        layout = QVBoxLayout(self.password_page)
        layout.setSpacing(8)
        self.username = Field(self.tr("Username"))
        self.username.edit.setText(username)
        self.password = Field(self.tr("Password"), password=True)
        self.remember = RememberBox(keyring)
        layout.addWidget(self.username)
        layout.addWidget(self.password)
        layout.addWidget(self.remember)
        layout.addStretch(1)

        self.code_page = QWidget()
        code = QVBoxLayout(self.code_page)
        hint = QLabel(
            self.tr(
                "Open your authenticator app and type the 6-digit code it shows for Roost. "
                "Lost your phone? Type one of your recovery codes instead."
            )
        )
        hint.setWordWrap(True)
        self.code = Field(self.tr("Code"), placeholder="123456")
        code.addWidget(hint)
        code.addWidget(self.code)
        code.addStretch(1)

        self.new_password_page = QWidget()
        chosen = QVBoxLayout(self.new_password_page)
        chosen.setSpacing(8)
        reason = QLabel(
            self.tr(
                "You signed in with a one-time password from your administrator. Choose your "
                "own password now; the one-time password will not work again."
            )
        )
        reason.setWordWrap(True)
        self.new_password = Field(self.tr("New password"), password=True)
        self.repeat = Field(self.tr("New password again"), password=True)
        chosen.addWidget(reason)
        chosen.addWidget(self.new_password)
        chosen.addWidget(self.repeat)
        chosen.addStretch(1)

        self.enrol_page = QWidget()
        enrol = QVBoxLayout(self.enrol_page)
        enrol.setSpacing(10)
        why = QLabel(
            self.tr(
                "An administrator of this server requires two-step sign-in: a code from your "
                "phone as well as your password. Turn it on now to continue."
            )
        )
        why.setWordWrap(True)
        self.tfa = TwoFactorSetup()
        enrol.addWidget(why)
        enrol.addWidget(self.tfa)
        enrol.addStretch(1)
        self.tfa.acknowledged.connect(self.set_can_continue)

        self.show_step(
            self.password_page,
            self.tr("Sign in to {server}").format(server=server_name),
            self._login,
            button=self.tr("Sign in"),
        )
        (self.password if username else self.username).edit.setFocus()

    async def _login(self) -> None:
        result = await self.flow.login(
            self.username.text().strip(), self.password.text(), remember=self.remember.isChecked()
        )
        self.password.edit.clear()
        if isinstance(result, SecondFactorNeeded):
            self.show_step(
                self.code_page, self.tr("Two-step sign-in"), self._second, button=self.tr("Sign in")
            )
            self.code.edit.setFocus()
            return
        await self._signed_in(result)

    async def _second(self) -> None:
        await self._signed_in(await self.flow.second_factor(self.code.text().strip()))

    async def _signed_in(self, result: Account | NewPasswordNeeded | EnrolmentNeeded) -> None:
        if isinstance(result, NewPasswordNeeded):
            self.show_step(
                self.new_password_page,
                self.tr("Choose a new password"),
                self._choose_password,
                button=self.tr("Continue"),
            )
            self.new_password.edit.setFocus()
            return
        if isinstance(result, EnrolmentNeeded):
            self.show_step(
                self.enrol_page,
                self.tr("Turn on two-step sign-in"),
                self._enrol,
                button=self.tr("Try again"),  # what it does if the QR code fails to come
            )
            # The QR code comes at once: there is nothing to choose before it.
            await self.tfa.advance(self.flow)
            self.set_action(self._enrol, self.tr("Check the code"))
            return
        self._done(result)

    async def _choose_password(self) -> None:
        new, repeat = self.new_password.text(), self.repeat.text()
        problems = self.flow.new_password_problems(new, repeat)
        self.new_password.set_problem(problems.get("password"))
        self.repeat.set_problem(problems.get("repeat"))
        if problems:
            return
        result = await self.flow.new_password(new)
        self.new_password.edit.clear()
        self.repeat.edit.clear()
        await self._signed_in(result)

    async def _enrol(self) -> None:
        if self.tfa.stage is SetupStage.CODES:
            self._done(await self.flow.finish())
            return
        stage = await self.tfa.advance(self.flow)
        if stage is SetupStage.SCAN:
            self.set_action(self._enrol, self.tr("Check the code"))
        elif stage is SetupStage.CODES:
            self.set_action(self._enrol, self.tr("Continue"))
            self.set_can_continue(False)

    def _done(self, account: Account) -> None:
        self.account = account
        self.signed_in.emit(account)
        self.accept()

    def on_failure(self, exc: BaseException) -> None:
        if (
            isinstance(exc, ApiError)
            and exc.code == ErrorCode.WEAK_PASSWORD
            and self.stack.currentWidget() is self.new_password_page
        ):
            # A rule only the server knows: it belongs under the field, like the others.
            self.new_password.set_problem(explain(exc))
            return
        self.show_error(explain(exc))

    def reject(self) -> None:
        if self.account is None:
            # Closes the connection the sign-in opened; nothing to undo on the server.
            self.closing = tasks.spawn(self.flow.cancel(), name="sign-in-cancel")
        super().reject()
