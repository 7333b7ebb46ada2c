"""A vertical list of named steps, each waiting, working, done or failed."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from ui import icons
from ui.theme import colours, is_dark


class StepState(Enum):
    """Where a step stands."""

    WAITING = "waiting"
    WORKING = "working"
    DONE = "done"
    FAILED = "failed"


class StepList(QWidget):
    """Shows steps by key with a state marker; the working step is bold."""

    def __init__(self, steps: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        """Creates the list.

        Args:
            steps: (key, title) pairs in order.
            parent: the parent widget.
        """
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(8)
        self._marks: dict[str, QLabel] = {}
        self._titles: dict[str, QLabel] = {}
        self.states: dict[str, StepState] = {}
        for row, (key, title) in enumerate(steps):
            mark = QLabel()
            mark.setFixedSize(22, 22)
            mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
            text = QLabel(title)
            self._grid.addWidget(mark, row, 0)
            self._grid.addWidget(text, row, 1)
            self._marks[key] = mark
            self._titles[key] = text
            self.set_state(key, StepState.WAITING)
        self._grid.setColumnStretch(1, 1)

    def set_state(self, key: str, state: StepState) -> None:
        """Marks step ``key``."""
        self.states[key] = state
        c = colours(is_dark())
        mark, title = self._marks[key], self._titles[key]
        mark.clear()
        if state is StepState.DONE:
            mark.setPixmap(icons.pixmap("check", 18, c["ok"]))
        elif state is StepState.FAILED:
            mark.setPixmap(icons.pixmap("warning", 18, c["danger"]))
        elif state is StepState.WORKING:
            mark.setText("●")
            mark.setStyleSheet(f"color: {c['accent']}; font-size: 14px;")
        else:
            mark.setText("○")
            mark.setStyleSheet(f"color: {c['muted']}; font-size: 14px;")
        title.setStyleSheet("font-weight: 600;" if state is StepState.WORKING else "")

    def reset(self) -> None:
        """Every step back to waiting (before a retry)."""
        for key in self._marks:
            self.set_state(key, StepState.WAITING)
