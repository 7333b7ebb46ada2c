"""Install Roost on a Pi: sign in over SSH, confirm the Pi, watch the steps, then set it up."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.provision.hostkeys import HostKeyUnknown
from app.provision.installer import Credentials, Installer, InstallResult, Target
from app.provision.problems import InstallProblem, ProblemKind
from app.provision.steps import LogLine, Step, StepFailed, StepFinished, StepStarted, step_title
from ui.widgets.fields import Field
from ui.widgets.step_list import StepList, StepState
from ui.wizards.step_dialog import StepDialog

# Failures fixed by typing something else: go back to the sign-in page rather than retry.
_BACK_TO_SIGN_IN = {
    ProblemKind.WRONG_PASSWORD,
    ProblemKind.KEY_REJECTED,
    ProblemKind.KEY_UNUSABLE,
    ProblemKind.SUDO_PASSWORD_NEEDED,
    ProblemKind.SUDO_PASSWORD_WRONG,
    ProblemKind.HOST_KEY_UNKNOWN,
}


class InstallDialog(StepDialog):
    """Renders an `Installer` run.

    Signals:
        installed(object): the `InstallResult`; the caller goes on to claim or sign in.

    Attributes:
        outcome: the result once installed.
    """

    installed = Signal(object)

    def __init__(
        self, installer: Installer, target: Target, *, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("Install Roost"), parent)
        self.setMinimumWidth(620)
        self.installer = installer
        self.target = target
        self.outcome: InstallResult | None = None
        self._pending_key: asyncio.Future[bool] | None = None
        self._unsubscribe = installer.subscribe(self._on_event)
        self._build_sign_in(title)
        self._build_host_key()
        self._build_progress()
        self._build_done()
        self._show_sign_in()

    # -- pages -------------------------------------------------------------------------------

    def _build_sign_in(self, title: str) -> None:
        self.sign_in_page = QWidget()
        layout = QVBoxLayout(self.sign_in_page)
        layout.setSpacing(8)
        intro = QLabel(
            self.tr(
                "Roost will be installed on {pi}. Type the user name and password you chose "
                "for the Pi in Raspberry Pi Imager. They are used only for the installation and "
                "are not stored."
            ).format(pi=title)
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.username = Field(self.tr("User name on the Pi"), placeholder="pi")
        self.password = Field(self.tr("Password"), password=True)
        layout.addWidget(self.username)
        layout.addWidget(self.password)
        self.use_key = QCheckBox(self.tr("Sign in with a key file instead (advanced)"))
        self.key_row = QWidget()
        row = QHBoxLayout(self.key_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.key_file = Field(self.tr("Key file"))
        browse = QPushButton(self.tr("Choose…"))
        row.addWidget(self.key_file, 1)
        row.addWidget(browse)
        self.key_row.hide()
        layout.addWidget(self.use_key)
        layout.addWidget(self.key_row)
        layout.addStretch(1)
        self.use_key.toggled.connect(self.key_row.setVisible)
        browse.clicked.connect(self._choose_key)

    def _build_host_key(self) -> None:
        self.host_key_page = QWidget()
        layout = QVBoxLayout(self.host_key_page)
        self.host_key_text = QLabel()
        self.host_key_text.setWordWrap(True)
        self.host_key_advice = QLabel()
        self.host_key_advice.setWordWrap(True)
        self.host_key_advice.setProperty("role", "muted")
        self.trust_button = QPushButton(self.tr("Yes, this is my Pi"))
        self.trust_button.setProperty("role", "primary")
        self.distrust_button = QPushButton(self.tr("No, stop"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.distrust_button)
        buttons.addWidget(self.trust_button)
        layout.addWidget(self.host_key_text)
        layout.addWidget(self.host_key_advice)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.trust_button.clicked.connect(lambda: self._answer_host_key(True))
        self.distrust_button.clicked.connect(lambda: self._answer_host_key(False))

    def _build_progress(self) -> None:
        self.progress_page = QWidget()
        self.progress_page.setProperty("showsProgress", True)
        layout = QVBoxLayout(self.progress_page)
        layout.setSpacing(10)
        self.steps = StepList([(s.value, step_title(s)) for s in Step])
        self.progress = QProgressBar()
        self.progress.setRange(0, len(Step))
        self.progress.setTextVisible(False)
        self.problem = QFrame()
        self.problem.setProperty("role", "danger-card")
        problem_layout = QVBoxLayout(self.problem)
        self.problem_what = QLabel()
        self.problem_what.setWordWrap(True)
        self.problem_what.setStyleSheet("font-weight: 600;")
        self.problem_todo = QLabel()
        self.problem_todo.setWordWrap(True)
        problem_layout.addWidget(self.problem_what)
        problem_layout.addWidget(self.problem_todo)
        self.problem.hide()
        self.show_details = QCheckBox(self.tr("Show details"))
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)
        self.log.setMinimumHeight(140)
        self.log.hide()
        layout.addWidget(self.steps)
        layout.addWidget(self.progress)
        layout.addWidget(self.problem)
        layout.addWidget(self.show_details)
        layout.addWidget(self.log, 1)
        self.show_details.toggled.connect(self.log.setVisible)

    def _build_done(self) -> None:
        self.done_page = QWidget()
        layout = QVBoxLayout(self.done_page)
        self.done_text = QLabel()
        self.done_text.setWordWrap(True)
        layout.addWidget(self.done_text)
        layout.addStretch(1)

    # -- steps -------------------------------------------------------------------------------

    def _show_sign_in(self) -> None:
        self.show_step(
            self.sign_in_page,
            self.tr("Sign in on the Pi"),
            self._install,
            button=self.tr("Install"),
        )
        self.username.edit.setFocus()

    async def _install(self) -> None:
        username = self.username.text().strip() or "pi"
        key = self.key_file.text().strip() if self.use_key.isChecked() else ""
        credentials = Credentials(
            username=username,
            password=self.password.text() or None,
            key_file=Path(key) if key else None,
        )
        self.problem.hide()
        self.steps.reset()
        self.progress.setValue(0)
        self.show_step(self.progress_page, self.tr("Installing Roost on your Pi"), self._install)
        self.continue_button.hide()
        self.set_busy(True)  # again, now that the progress page is the one shown
        try:
            self.outcome = await self.installer.run(
                self.target, credentials, confirm_host_key=self._confirm_host_key
            )
        except InstallProblem as problem:
            self._show_problem(problem)
            return
        self.password.edit.clear()
        self._show_done(self.outcome)

    async def _confirm_host_key(self, question: HostKeyUnknown) -> bool:
        self.host_key_text.setText(question.what_happened)
        self.host_key_advice.setText(question.what_to_do)
        self.show_step(self.host_key_page, self.tr("Is this your Pi?"), None)
        self.set_busy(False)
        self._pending_key = asyncio.get_running_loop().create_future()
        try:
            answer = await self._pending_key
        finally:
            self._pending_key = None
        self.set_busy(True)
        self.show_step(self.progress_page, self.tr("Installing Roost on your Pi"), None)
        return answer

    def _answer_host_key(self, trusted: bool) -> None:
        if self._pending_key is not None and not self._pending_key.done():
            self._pending_key.set_result(trusted)

    def _show_problem(self, problem: InstallProblem) -> None:
        self.problem_what.setText(problem.what_happened)
        self.problem_todo.setText(problem.what_to_do)
        self.problem.show()
        if problem.kind in _BACK_TO_SIGN_IN:
            self.set_action(self._back, self.tr("Back"))
        else:
            self.set_action(self._install, self.tr("Try again"))

    async def _back(self) -> None:
        self._show_sign_in()
        self.password.edit.selectAll()

    def _show_done(self, result: InstallResult) -> None:
        if result.setup_code is not None:
            text = self.tr(
                "Roost {version} is installed and running on your Pi. Next, give your server a "
                "name and create your own account."
            ).format(version=result.version)
            button = self.tr("Set it up")
        else:
            text = self.tr(
                "Roost on your Pi was updated to version {version}. Everything on it was kept."
            ).format(version=result.version)
            button = self.tr("Sign in")
        self.done_text.setText(text)
        self.show_step(self.done_page, self.tr("Roost is running"), self._finish, button=button)
        self.cancel_button.setText(self.tr("Close"))

    async def _finish(self) -> None:
        assert self.outcome is not None
        self.installed.emit(self.outcome)
        self.accept()

    # -- slots -------------------------------------------------------------------------------

    def _on_event(self, event: object) -> None:
        match event:
            case StepStarted(step=step):
                self.steps.set_state(step.value, StepState.WORKING)
            case StepFinished(step=step):
                self.steps.set_state(step.value, StepState.DONE)
                self.progress.setValue(list(Step).index(step) + 1)
            case StepFailed(step=step):
                self.steps.set_state(step.value, StepState.FAILED)
            case LogLine(text=text):
                self.log.appendPlainText(text)

    def _choose_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose your SSH key"), str(Path.home() / ".ssh")
        )
        if path:
            self.key_file.edit.setText(path)

    def reject(self) -> None:
        self._answer_host_key(False)
        self._unsubscribe()
        super().reject()

    def on_failure(self, exc: BaseException) -> None:
        self.show_error(str(exc))
