"""The strip above a conversation: its name, who is in it or online, who is typing; and the
banner that says when the connection is down."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from app.chat.events import ConnectionState
from app.chat.header import connection_sentence
from ui import icons
from ui.widgets.elided import ElidedLabel


class ConversationHeader(QWidget):
    """Title, subtitle and typing line, with the search and group-settings buttons.

    Signals:
        search_requested: the magnifier was clicked.
        settings_requested: the group's settings button was clicked.
    """

    search_requested = Signal()
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ConversationHeader")
        self.title = ElidedLabel()
        self.title.setObjectName("ConversationTitle")
        self.subtitle = ElidedLabel()
        self.subtitle.setProperty("role", "muted")
        self.typing = QLabel()
        self.typing.setObjectName("Typing")
        self.search = QToolButton()
        self.search.setIcon(icons.icon("search"))
        self.search.setToolTip(self.tr("Search messages (Ctrl+F)"))
        self.settings = QToolButton()
        self.settings.setIcon(icons.icon("settings"))
        self.settings.setToolTip(self.tr("Group settings"))
        texts = QVBoxLayout()
        texts.setSpacing(0)
        texts.addWidget(self.title)
        line = QHBoxLayout()
        line.setSpacing(8)
        line.addWidget(self.subtitle, 1)
        line.addWidget(self.typing)
        texts.addLayout(line)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 10, 12, 10)
        row.addLayout(texts, 1)
        row.addWidget(self.search)
        row.addWidget(self.settings)
        self.search.clicked.connect(self.search_requested)
        self.settings.clicked.connect(self.settings_requested)

    def show_conversation(self, title: str, subtitle: str, *, is_group: bool) -> None:
        self.title.set_full_text(title)
        self.subtitle.set_full_text(subtitle)
        self.settings.setVisible(is_group)

    def show_typing(self, sentence: str) -> None:
        self.typing.setText(sentence)


class ConnectionBanner(QLabel):
    """A line under the header while the connection is not online, counting down to the next
    attempt."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ConnectionBanner")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()
        self._state = ConnectionState.ONLINE
        self._retry_at: float | None = None
        self._problem: str | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._render)

    def show_state(
        self, state: ConnectionState, retry_in: float | None, problem: str | None
    ) -> None:
        self._state = state
        self._retry_at = None if retry_in is None else time.monotonic() + retry_in
        self._problem = problem
        self._render()

    def _render(self) -> None:
        text = connection_sentence(
            self._state, retry_at=self._retry_at, problem=self._problem, now=time.monotonic()
        )
        self.setText(text)
        self.setVisible(bool(text))
        if self._retry_at is not None and text:
            self._tick.start()
        else:
            self._tick.stop()
