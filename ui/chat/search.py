"""The search panel: type, see matching messages from every conversation, open one."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.chat.cache import ChatCache
from app.chat.directory import Directory
from app.chat.search import SearchRow, search_rows
from ui import icons
from ui.theme import colours, is_dark

# Wait this long after the last key before searching, so typing stays smooth.
TYPING_PAUSE_MS = 150


class SearchPanel(QWidget):
    """A query field and the results, newest first.

    Signals:
        opened(int, int): a result was chosen (conversation id, seq).
        closed: Back or Escape.
    """

    opened = Signal(int, int)
    closed = Signal()

    def __init__(
        self,
        cache: ChatCache,
        directory: Directory,
        title_of: Callable[[int], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._cache = cache
        self._directory = directory
        self._title_of = title_of
        self.rows: list[SearchRow] = []
        self.back = QToolButton()
        self.back.setIcon(icons.icon("back"))
        self.back.setToolTip(self.tr("Back to conversations"))
        self.query = QLineEdit()
        self.query.setPlaceholderText(self.tr("Search messages"))
        self.query.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setObjectName("SearchResults")
        self.results.setWordWrap(True)
        self.results.setFrameShape(QFrame.Shape.NoFrame)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        top = QHBoxLayout()
        top.addWidget(self.back)
        top.addWidget(self.query, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.addLayout(top)
        column.addWidget(self.status)
        column.addWidget(self.results, 1)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(TYPING_PAUSE_MS)
        self._pause.timeout.connect(self.run)
        self.query.textChanged.connect(lambda _t: self._pause.start())
        self.query.returnPressed.connect(self.run)
        self.back.clicked.connect(self.closed)
        self.results.itemActivated.connect(self._open)
        self.results.itemClicked.connect(self._open)
        self.run()

    def start(self) -> None:
        """Focuses the field, with the last query selected for typing over."""
        self.query.setFocus()
        self.query.selectAll()

    def run(self) -> None:
        """Searches for what is typed now."""
        self._pause.stop()
        text = self.query.text()
        self.rows = search_rows(self._cache, self._directory, text, self._title_of)
        self.results.clear()
        muted = colours(is_dark())["muted"]
        for row in self.rows:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, (row.conversation_id, row.seq))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{row.conversation}: {row.snippet}")
            label = QLabel(_result_html(row, muted))
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setContentsMargins(8, 6, 8, 6)
            width = self.results.viewport().width()
            item.setSizeHint(QSize(width, label.heightForWidth(width)))
            self.results.addItem(item)
            self.results.setItemWidget(item, label)
        if not text.strip():
            self.status.setText(self.tr("Search every conversation on this computer, offline too."))
        elif not self.rows:
            self.status.setText(self.tr("No messages contain “{text}”.").format(text=text.strip()))
        else:
            self.status.setText(self.tr("{count} found").format(count=len(self.rows)))

    def _open(self, item: QListWidgetItem) -> None:
        cid, seq = item.data(Qt.ItemDataRole.UserRole)
        self.opened.emit(int(cid), int(seq))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Escape:
            self.closed.emit()
            return
        super().keyPressEvent(event)


def _result_html(row: SearchRow, muted: str) -> str:
    """Where and when in a small muted line; the snippet under it with the match in bold."""
    meta = html.escape(f"{row.conversation} · {row.sender} · {row.when}")
    text = row.snippet
    if row.match_start >= 0:
        end = row.match_start + row.match_length
        snippet = (
            html.escape(text[: row.match_start])
            + "<b>"
            + html.escape(text[row.match_start : end])
            + "</b>"
            + html.escape(text[end:])
        )
    else:
        snippet = html.escape(text)
    return f'<span style="color:{muted}; font-size:12px">{meta}</span><br>{snippet}'
