"""The claim wizard: check the server, name it and create the owner, optionally turn on 2FA."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from app.net.explain import explain
from app.wizard.claim import ClaimProblem, ClaimWizard, FingerprintSource
from app.wizard.forms import AccountForm, suggest_username
from ui.widgets.fields import Field, FingerprintLabel, RememberBox
from ui.widgets.two_factor_setup import SetupStage, TwoFactorSetup
from ui.wizards.step_dialog import StepDialog


def _text(text: str, role: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if role:
        label.setProperty("role", role)
    return label


class ClaimDialog(StepDialog):
    """Renders `ClaimWizard`'s steps.

    Signals:
        claimed(object): the owner's `Account`, once the server is theirs.
    """

    claimed = Signal(object)

    def __init__(self, wizard: ClaimWizard, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Set up your Roost server"), parent)
        self.wizard = wizard
        self._build_verify()
        self._build_account()
        self._build_two_factor()
        self._build_done()
        self._show_verify()

    # -- pages -------------------------------------------------------------------------------

    def _build_verify(self) -> None:
        t = self.wizard.target
        self.verify_page = QWidget()
        form = QVBoxLayout(self.verify_page)
        form.setSpacing(10)
        name = t.advertised_name or str(t.address)
        form.addWidget(_text(self.tr("Roost found a server that is waiting to be set up:")))
        title = _text(name)
        title.setStyleSheet("font-weight: 600; font-size: 15px;")
        form.addWidget(title)
        form.addWidget(_text(str(t.address), "muted"))
        form.addWidget(_text(self.tr("Its security fingerprint:")))
        form.addWidget(FingerprintLabel(t.fingerprint))
        explanation = {
            FingerprintSource.INSTALLER: self.tr(
                "Roost read this fingerprint from the Pi itself while installing, so you can "
                "trust it. From now on this app will only talk to this server."
            ),
            FingerprintSource.TRIAL: self.tr(
                "This is the trial server on this computer. From now on this app will only "
                "talk to this server."
            ),
            FingerprintSource.NETWORK: self.tr(
                "Anyone on your network could pretend to be a server. To be sure, compare this "
                "fingerprint with the one the Pi shows on its screen or in its log "
                "(roost-server info)."
            ),
            FingerprintSource.FIRST_USE: self.tr(
                "To be sure this is your Pi, compare this fingerprint with the one the Pi shows "
                "on its screen or in its log (roost-server info)."
            ),
        }[t.source]
        form.addWidget(_text(explanation, "muted"))
        self.setup_code = Field(
            self.tr("Setup code"),
            placeholder=self.tr("shown on the Pi's screen, e.g. 5agev2eqzrp3"),
        )
        self.setup_code.setVisible(t.setup_code is None)
        form.addWidget(self.setup_code)
        form.addStretch(1)

    def _build_account(self) -> None:
        self.account_page = QWidget()
        layout = QVBoxLayout(self.account_page)
        layout.setSpacing(8)
        layout.addWidget(
            _text(
                self.tr(
                    "Give your server a name your family will recognise, and create your own "
                    "account. You will be its owner."
                ),
                "muted",
            )
        )
        self.server_name = Field(self.tr("Server name"), placeholder=self.tr("e.g. Chen family"))
        self.display_name = Field(self.tr("Your name"), placeholder=self.tr("e.g. Mum"))
        self.username = Field(self.tr("Username (for signing in)"), placeholder=self.tr("e.g. mum"))
        self.password = Field(self.tr("Password"), password=True)
        self.repeat = Field(self.tr("Password again"), password=True)
        for f in (self.server_name, self.display_name, self.username, self.password, self.repeat):
            layout.addWidget(f)
        self.remember = RememberBox(self.wizard.flows.credentials.status())
        layout.addWidget(self.remember)
        layout.addStretch(1)
        self._username_touched = False
        self.username.edit.textEdited.connect(lambda _t: setattr(self, "_username_touched", True))
        self.display_name.edit.textEdited.connect(self._on_display_name)

    def _build_two_factor(self) -> None:
        self.tfa_page = QWidget()
        layout = QVBoxLayout(self.tfa_page)
        layout.setSpacing(10)
        layout.addWidget(
            _text(
                self.tr(
                    "Two-step sign-in asks for a code from your phone as well as your password, "
                    "so a stolen password alone is not enough. You are the owner: we recommend it."
                )
            )
        )
        self.tfa_enable = QCheckBox(self.tr("Turn on two-step sign-in now"))
        self.tfa_enable.setChecked(True)
        layout.addWidget(self.tfa_enable)
        self.tfa = TwoFactorSetup()
        layout.addWidget(self.tfa)
        # The parts tests and screenshots look at, by their names from before they were shared.
        self.qr, self.secret, self.tfa_code = self.tfa.qr, self.tfa.secret, self.tfa.code
        self.tfa_setup, self.codes_box = self.tfa.setup_box, self.tfa.codes_box
        self.recovery, self.saved = self.tfa.recovery, self.tfa.saved
        layout.addStretch(1)
        self.tfa_enable.toggled.connect(self._on_tfa_toggled)
        self.tfa.acknowledged.connect(self.set_can_continue)

    def _build_done(self) -> None:
        self.done_page = QWidget()
        layout = QVBoxLayout(self.done_page)
        self.done_text = _text("")
        layout.addWidget(self.done_text)
        layout.addStretch(1)

    # -- steps -------------------------------------------------------------------------------

    def _show_verify(self) -> None:
        self.show_step(
            self.verify_page,
            self.tr("Is this your server?"),
            self._verify,
            button=self.tr("Yes, set it up"),
        )

    async def _verify(self) -> None:
        await self.wizard.confirm_server(self.setup_code.text() or None)
        self.show_step(
            self.account_page,
            self.tr("Name your server and create your account"),
            self._claim,
            button=self.tr("Create"),
        )
        self.server_name.edit.setFocus()

    async def _claim(self) -> None:
        account = await self.wizard.claim(
            self.server_name.text(),
            AccountForm(
                display_name=self.display_name.text(),
                username=self.username.text(),
                password=self.password.text(),
                repeat=self.repeat.text(),
            ),
            remember=self.remember.isChecked(),
        )
        self.password.edit.clear()
        self.repeat.edit.clear()
        self.claimed.emit(account)
        self.show_step(
            self.tfa_page,
            self.tr("Protect your account"),
            self._two_factor,
            button=self.tr("Continue"),
        )
        self.cancel_button.hide()  # the server is claimed now; there is nothing to cancel

    async def _two_factor(self) -> None:
        if not self.tfa_enable.isChecked() or self.tfa.stage is SetupStage.CODES:
            self._finish()
            return
        stage = await self.tfa.advance(self.wizard)
        if stage is SetupStage.SCAN:
            self.tfa_enable.setEnabled(False)
            self.continue_button.setText(self.tr("Check the code"))
        else:
            self.continue_button.setText(self.tr("Continue"))
            self.set_can_continue(False)

    def _finish(self) -> None:
        self.wizard.finish()
        account = self.wizard.account
        name = account.server_name if account else ""
        who = account.user.display_name if account else ""
        self.done_text.setText(
            self.tr(
                "{server} is ready, and you are signed in as {name}. Next, invite your family: "
                "each person gets a link that sets up their account."
            ).format(server=name, name=who)
        )
        self.show_step(self.done_page, self.tr("All set"), self._close, button=self.tr("Finish"))

    async def _close(self) -> None:
        self.accept()

    # -- slots -------------------------------------------------------------------------------

    def _on_display_name(self, text: str) -> None:
        if not self._username_touched:
            self.username.edit.setText(suggest_username(text))

    def _on_tfa_toggled(self, on: bool) -> None:
        self.continue_button.setText(self.tr("Continue") if on else self.tr("Skip for now"))

    def on_failure(self, exc: BaseException) -> None:
        if isinstance(exc, ClaimProblem):
            fields = {
                "setup_code": self.setup_code,
                "server_name": self.server_name,
                "display_name": self.display_name,
                "username": self.username,
                "password": self.password,
                "repeat": self.repeat,
            }
            for key, problem in exc.fields.items():
                fields[key].set_problem(problem)
            return
        self.show_error(explain(exc))
