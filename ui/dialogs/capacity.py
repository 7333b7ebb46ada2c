"""The capacity check's window: what it does, Start, progress, Cancel, and the answer."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.accounts.account import Account
from app.capacity.check import (
    AccountsProgressed,
    CapacityCheck,
    CapacityResult,
    CheckEvent,
    CleanedUp,
    CleaningUp,
    Plan,
    StepMeasured,
    StepStarted,
)
from app.capacity.verdict import step_in_words
from app.server_admin.problems import explain_server
from bench.remote import Busy, TwoFactorRequired
from ui import tasks


class CapacityDialog(QDialog):
    """Runs one capacity check at a time against the account's server.

    Attributes:
        start_button: starts the check (or, after a refusal, runs it anyway).
        cancel_button: stops it; the test accounts are still removed.
        status: the current step in words.
        answer: the sentence at the end.
        open_report: opens the HTML report.
        check: the check running or run last.
        outcome: the last finished check's result.
        cleaned_up: test accounts removed by the last check (None until it cleaned up).
    """

    def __init__(self, account: Account, plan: Plan | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.account = account
        self.plan = plan
        self.check: CapacityCheck | None = None
        self.outcome: CapacityResult | None = None
        self.cleaned_up: int | None = None
        self._task: asyncio.Task[Any] | None = None
        self._run_anyway = False
        self._unsubscribe: list[Any] = []
        self.setWindowTitle(self.tr("Capacity check"))
        self.setMinimumWidth(520)

        heading = QLabel(self.tr("Check how many people this server can serve"))
        heading.setProperty("role", "title")
        heading.setWordWrap(True)
        intro = QLabel(
            self.tr(
                "This sends test messages between temporary test accounts for about a minute; "
                "your family will not see them. Best at a quiet time."
            )
        )
        intro.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.hide()
        self.answer = QLabel()
        self.answer.setWordWrap(True)
        self.answer.setProperty("role", "section")
        self.answer.hide()
        self.report = QLabel()
        self.report.setWordWrap(True)
        self.report.setProperty("role", "muted")
        self.report.hide()
        self.start_button = QPushButton(self.tr("Start the check"))
        self.start_button.setProperty("role", "primary")
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.hide()
        self.open_report = QPushButton(self.tr("Open the report"))
        self.open_report.hide()
        self.close_button = QPushButton(self.tr("Close"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_report)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.answer)
        layout.addWidget(self.report)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.start_button.clicked.connect(self.on_start)
        self.cancel_button.clicked.connect(self.on_cancel)
        self.close_button.clicked.connect(self.reject)
        self.open_report.clicked.connect(self.on_open_report)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def on_start(self) -> None:
        """Starts a check (after a refusal because people are online: runs it anyway)."""
        if self.running:
            return
        check = CapacityCheck(self.account.api, self.plan, run_anyway=self._run_anyway)
        self.check, self.outcome, self.cleaned_up = check, None, None
        self._unsubscribe.append(check.events.subscribe(self._on_event))
        self.start_button.hide()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.answer.hide()
        self.report.hide()
        self.open_report.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(self.tr("Reading the server's settings…"))
        self._task = tasks.spawn(
            check.run(), name="capacity-check", on_done=self._finished, on_error=self._failed
        )

    def on_cancel(self) -> None:
        """Stops the check; the test accounts are removed before it ends."""
        if self.check is not None and self.running:
            self.check.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText(self.tr("Cancelling: removing the test accounts…"))

    def on_open_report(self) -> None:
        if self.outcome is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.outcome.html_path)))

    def _on_event(self, event: CheckEvent) -> None:
        if isinstance(event, AccountsProgressed):
            self.progress.setRange(0, event.total)
            self.progress.setValue(event.done)
            text = (
                self.tr("Making test accounts: {done} of {total}")
                if event.stage == "accounts"
                else self.tr("Bringing test accounts online: {done} of {total}")
            )
            self.status.setText(text.format(done=event.done, total=event.total))
        elif isinstance(event, StepStarted):
            self.progress.setRange(0, event.count)
            self.progress.setValue(event.index)
            self.status.setText(step_in_words(event.index, event.count, event.rate, None))
        elif isinstance(event, StepMeasured):
            self.progress.setValue(event.index + 1)
            self.status.setText(step_in_words(event.index, event.count, event.rate, event.p99_ms))
        elif isinstance(event, CleaningUp):
            self.cancel_button.setEnabled(False)
            self.progress.setRange(0, 0)
            self.status.setText(self.tr("Removing the test accounts…"))
        elif isinstance(event, CleanedUp):
            self.cleaned_up = event.removed

    def _ended(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.start_button.setText(self.tr("Check again"))
        self.start_button.show()
        self._run_anyway = False

    def _finished(self, result: CapacityResult | None) -> None:
        self._ended()
        if result is None:
            self.status.setText(self.tr("Check cancelled. The test accounts were removed."))
            return
        self.outcome = result
        self.status.setText(self.tr("Done. The test accounts were removed."))
        self.answer.setText(result.sentence)
        self.answer.show()
        self.report.setText(
            self.tr("The report is saved in {path}").format(path=str(result.html_path))
        )
        self.report.show()
        self.open_report.show()

    def _failed(self, exc: BaseException) -> None:
        self._ended()
        if isinstance(exc, Busy):
            self.status.setText(
                self.tr(
                    "{n} people are using the server now. The check is best at a quiet time, "
                    "so that nobody notices; you can run it anyway."
                ).format(n=exc.online)
            )
            self.start_button.setText(self.tr("Run it anyway"))
            self._run_anyway = True
        elif isinstance(exc, TwoFactorRequired):
            self.status.setText(
                self.tr(
                    "This server requires two-step sign-in for everyone, so the check's test "
                    "accounts cannot chat. Switch that off on the Settings tab for the check, "
                    "and on again afterwards."
                )
            )
        elif self.cleaned_up is not None:
            self.status.setText(
                self.tr("The check stopped: {reason} The test accounts were removed.").format(
                    reason=explain_server(exc)
                )
            )
        else:
            self.status.setText(
                self.tr(
                    "The check stopped: {reason} If accounts named bench-… are left on the "
                    "People page, delete them there."
                ).format(reason=explain_server(exc))
            )

    async def stop(self) -> None:
        """Cancels a running check and waits until its test accounts are removed."""
        if self.check is not None:
            if self.running:
                self.check.cancel()
            await self.check.wait_stopped()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def reject(self) -> None:
        # Closing the window stops the check; its clean-up carries on in the background.
        self.on_cancel()
        super().reject()
