"""A dialog of steps for flows whose steps wait on the network (claim, install, join).

QWizard validates pages synchronously; these flows await servers, so each step here is a page
in a stack with one Continue button that runs a coroutine, shows that it is busy, and on
failure shows the reason under the page, keeping what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui import tasks


class StepDialog(QDialog):
    """Title, a stack of pages, an error line, a busy bar, and Cancel / Continue buttons.

    Attributes:
        heading: the current step's title.
        error: the last failure, in words (hidden when there is none).
        busy: an indeterminate progress bar shown while a step works.
        continue_button: runs the current step's action.
    """

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(560)
        self.heading = QLabel()
        self.heading.setProperty("role", "title")
        self.heading.setWordWrap(True)
        self.stack = QStackedWidget()
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedHeight(6)
        self.busy.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.continue_button = QPushButton(self.tr("Continue"))
        self.continue_button.setProperty("role", "primary")
        self.continue_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.continue_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.continue_button.clicked.connect(self._on_continue)
        self._action: Callable[[], Coroutine[Any, Any, Any]] | None = None
        self._running = False
        self._can_continue = True

    def show_step(
        self,
        page: QWidget,
        heading: str,
        action: Callable[[], Coroutine[Any, Any, Any]] | None,
        *,
        button: str | None = None,
    ) -> None:
        """Shows ``page`` with ``heading``; Continue runs ``action`` (None hides Continue)."""
        if self.stack.indexOf(page) < 0:
            layout = page.layout()
            if layout is not None:
                # The dialog's own margins frame every page; a page adds none of its own.
                layout.setContentsMargins(0, 0, 0, 0)
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        self.heading.setText(heading)
        self._action = action
        self.continue_button.setVisible(action is not None)
        self.continue_button.setText(button or self.tr("Continue"))
        self.set_can_continue(True)
        self.show_error("")
        self.fit()

    def set_action(self, action: Callable[[], Coroutine[Any, Any, Any]], button: str) -> None:
        """Gives the current page another Continue action (e.g. "Try again" after a failure)."""
        self._action = action
        self.continue_button.setText(button)
        self.continue_button.show()

    def show_error(self, text: str) -> None:
        """Shows (or, with "", hides) the failure line."""
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.fit()

    def fit(self) -> None:
        """Resizes to what the current page needs (growing for an error line, shrinking for
        a short final page), never below the minimum width."""
        # Only the current page counts: hidden pages of a stack still ask for their size.
        for i in range(self.stack.count()):
            w = self.stack.widget(i)
            if w is not None:
                w.setSizePolicy(
                    w.sizePolicy().horizontalPolicy(),
                    QSizePolicy.Policy.Preferred
                    if w is self.stack.currentWidget()
                    else QSizePolicy.Policy.Ignored,
                )
        self.adjustSize()

    def set_busy(self, busy: bool) -> None:
        """Disables the buttons and the page while a step works.

        A page that shows the work itself (a progress page, marked with the property
        ``showsProgress``) stays enabled, so its log can be scrolled, and needs no busy bar.
        """
        self._running = busy
        page = self.stack.currentWidget()
        shows_progress = page is not None and bool(page.property("showsProgress"))
        self.busy.setVisible(busy and not shows_progress)
        self.continue_button.setEnabled(not busy and self._can_continue)
        self.stack.setEnabled(not busy or shows_progress)

    def set_can_continue(self, ok: bool) -> None:
        """Enables Continue only when the page is complete (e.g. a box must be ticked)."""
        self._can_continue = ok
        self.continue_button.setEnabled(ok and not self._running)

    def _on_continue(self) -> None:
        if self._action is None or self._running:
            return
        self.show_error("")
        self.set_busy(True)
        tasks.spawn(
            self._action(),
            name=f"{type(self).__name__}-step",
            on_done=lambda _r: self._step_done(),
            on_error=self._failed,
        )

    def _step_done(self) -> None:
        self.set_busy(False)
        self.fit()  # the step may have shown more of the page (a QR code, codes)

    def _failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        self.on_failure(exc)
        self.fit()

    def on_failure(self, exc: BaseException) -> None:
        """Shows why a step failed; subclasses map their own exceptions to fields."""
        self.show_error(str(exc))
