"""Join with an invite link: paste (or open) the link, choose a name and password, done."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.accounts.account import Account
from app.accounts.invite import InvalidInvite, Invite, parse_invite
from app.accounts.session import AccountFlows
from app.net.explain import explain
from app.wizard.forms import AccountForm, account_problems, suggest_username
from ui.widgets.fields import Field, RememberBox
from ui.wizards.step_dialog import StepDialog


class JoinDialog(StepDialog):
    """Creates an account from an invite; no questions about servers or certificates.

    Signals:
        joined(object): the new `Account`, signed in.
    """

    joined = Signal(object)

    def __init__(self, flows: AccountFlows, link: str = "", parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Join with an invite"), parent)
        self.flows = flows
        self.invite: Invite | None = None
        self.account: Account | None = None

        self.link_page = QWidget()
        lp = QVBoxLayout(self.link_page)
        hint = QLabel(
            self.tr(
                "Paste the invite link you were sent. It starts with roost://join and was made "
                "for you by the person who runs your Roost server."
            )
        )
        hint.setWordWrap(True)
        self.link = QPlainTextEdit()
        self.link.setPlaceholderText("roost://join?…")
        self.link.setFixedHeight(90)
        self.link.setPlainText(link)
        lp.addWidget(hint)
        lp.addWidget(self.link)
        lp.addStretch(1)

        self.account_page = QWidget()
        ap = QVBoxLayout(self.account_page)
        ap.setSpacing(8)
        self.welcome = QLabel()
        self.welcome.setWordWrap(True)
        self.display_name = Field(
            self.tr("Your name"), placeholder=self.tr("as your family knows you, e.g. Grandma")
        )
        self.username = Field(self.tr("Username (for signing in)"))
        self.password = Field(self.tr("Password"), password=True)
        self.repeat = Field(self.tr("Password again"), password=True)
        self.remember = RememberBox(flows.credentials.status())
        ap.addWidget(self.welcome)
        for f in (self.display_name, self.username, self.password, self.repeat):
            ap.addWidget(f)
        ap.addWidget(self.remember)
        ap.addStretch(1)
        self._username_touched = False
        self.username.edit.textEdited.connect(lambda _t: setattr(self, "_username_touched", True))
        self.display_name.edit.textEdited.connect(self._on_display_name)

        self.show_step(self.link_page, self.tr("Join with an invite"), self._read_link)
        if link:
            # Opened from a link: go straight on.
            self.continue_button.click()

    async def _read_link(self) -> None:
        self.invite = parse_invite(self.link.toPlainText())
        self.welcome.setText(
            self.tr(
                "You are invited to {server}. Choose the name others will see and a password "
                "for signing in."
            ).format(server=self.invite.server_name)
        )
        self.show_step(
            self.account_page,
            self.tr("Join {server}").format(server=self.invite.server_name),
            self._register,
            button=self.tr("Join"),
        )
        self.display_name.edit.setFocus()

    async def _register(self) -> None:
        assert self.invite is not None
        form = AccountForm(
            display_name=self.display_name.text(),
            username=self.username.text(),
            password=self.password.text(),
            repeat=self.repeat.text(),
        )
        problems = account_problems(form)
        if problems:
            for key, field in (
                ("display_name", self.display_name),
                ("username", self.username),
                ("password", self.password),
                ("repeat", self.repeat),
            ):
                field.set_problem(problems.get(key))
            return
        self.account = await self.flows.register_with_invite(
            self.invite,
            form.username.strip().lower(),
            form.display_name.strip(),
            form.password,
            remember=self.remember.isChecked(),
        )
        self.password.edit.clear()
        self.repeat.edit.clear()
        self.joined.emit(self.account)
        self.accept()

    def _on_display_name(self, text: str) -> None:
        if not self._username_touched:
            self.username.edit.setText(suggest_username(text))

    def on_failure(self, exc: BaseException) -> None:
        if isinstance(exc, InvalidInvite):
            self.show_error(exc.explanation)
            return
        self.show_error(explain(exc))
