"""Changing the password of a signed-in account (or replacing an administrator's one-time
password that was set while it was signed in)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.accounts.account import Account
from app.net.errors import ApiError
from app.net.explain import explain
from app.wizard.forms import new_password_problems
from server.protocol.errors import ErrorCode
from ui.widgets.fields import Field
from ui.wizards.step_dialog import StepDialog


class ChangePasswordDialog(StepDialog):
    """Current password (or one-time password), new password twice; then a short confirmation.

    Accepted once the password is changed, however it is closed then, so whoever opened it can
    go on (the shell reconnects a chat that was refused for an owed password).

    Attributes:
        current: the password now, or the one-time password an administrator gave.
        new_password: the new password.
        repeat: the new password again.
        changed: whether the server took the new password.
    """

    def __init__(self, account: Account, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Change password"), parent)
        self.account = account
        self.changed = False
        self.form_page = QWidget()
        form = QVBoxLayout(self.form_page)
        form.setSpacing(8)
        if account.user.must_change_password:
            intro = self.tr(
                "An administrator of {server} reset your password. Type the one-time password "
                "they gave you, then choose your own; the one-time password will not work again."
            ).format(server=account.server_name)
        else:
            intro = self.tr(
                "Choose a new password for {username} on {server}. Your other devices will be "
                "signed out; this one stays signed in."
            ).format(username=account.username, server=account.server_name)
        why = QLabel(intro)
        why.setWordWrap(True)
        self.current = Field(self.tr("Current password or one-time password"), password=True)
        self.new_password = Field(self.tr("New password"), password=True)
        self.repeat = Field(self.tr("New password again"), password=True)
        form.addWidget(why)
        for field in (self.current, self.new_password, self.repeat):
            form.addWidget(field)
        form.addStretch(1)

        self.done_page = QWidget()
        done = QVBoxLayout(self.done_page)
        said = QLabel(
            self.tr(
                "From now on, sign in with your new password. Devices that were signed in "
                "with the old one need it too."
            )
        )
        said.setWordWrap(True)
        done.addWidget(said)
        done.addStretch(1)

        self.show_step(
            self.form_page,
            self.tr("Change your password"),
            self._change,
            button=self.tr("Change password"),
        )
        self.current.edit.setFocus()

    async def _change(self) -> None:
        current, new, repeat = self.current.text(), self.new_password.text(), self.repeat.text()
        problems = new_password_problems(
            new, repeat, username=self.account.username, current=current
        )
        if not current:
            problems["current"] = self.tr("Type the password you sign in with now.")
        for key, field in (
            ("current", self.current),
            ("password", self.new_password),
            ("repeat", self.repeat),
        ):
            field.set_problem(problems.get(key))
        if problems:
            return
        await self.account.change_password(current, new)
        self.changed = True
        for field in (self.current, self.new_password, self.repeat):
            field.edit.clear()
        self.show_step(
            self.done_page, self.tr("Your password is changed"), self._close, button=self.tr("Done")
        )
        self.cancel_button.hide()  # it is changed: there is nothing to cancel

    async def _close(self) -> None:
        self.accept()

    def reject(self) -> None:
        # Closing the window after the change still means it is done.
        if self.changed:
            self.accept()
            return
        super().reject()

    def on_failure(self, exc: BaseException) -> None:
        if isinstance(exc, ApiError) and exc.code == ErrorCode.WRONG_PASSWORD:
            self.current.set_problem(explain(exc))
            return
        if isinstance(exc, ApiError) and exc.code == ErrorCode.WEAK_PASSWORD:
            self.new_password.set_problem(explain(exc))
            return
        self.show_error(explain(exc))
