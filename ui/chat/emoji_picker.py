"""A small popup grid of common emoji; picking one inserts it where the composer's cursor is."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QGridLayout, QToolButton, QWidget

# The emoji people use most in family chats, faces first. A full catalogue with search would
# be a dialog of its own; this is the quick row of a phone keyboard.
COMMON_EMOJI = (
    "😀",
    "😃",
    "😄",
    "😁",
    "😆",
    "😅",
    "😂",
    "🤣",
    "😊",
    "😇",
    "🙂",
    "😉",
    "😍",
    "🥰",
    "😘",
    "😋",
    "😜",
    "🤪",
    "🤔",
    "🤗",
    "🤭",
    "😐",
    "😏",
    "😒",
    "🙄",
    "😬",
    "😌",
    "😔",
    "😴",
    "😷",
    "🤒",
    "🤧",
    "🥳",
    "😎",
    "🤓",
    "😕",
    "😟",
    "😮",
    "😲",
    "😳",
    "🥺",
    "😢",
    "😭",
    "😱",
    "😤",
    "😡",
    "👍",
    "👎",
    "👌",
    "✌️",
    "🤞",
    "👏",
    "🙌",
    "🙏",
    "💪",
    "👋",
    "❤️",
    "🧡",
    "💛",
    "💚",
    "💙",
    "💜",
    "🎉",
    "🎂",
    "🎁",
    "🌹",
    "🌞",
    "🌧️",
    "⛄",
    "🍜",
    "🍕",
    "🍰",
    "☕",
    "🍺",
    "🚗",
    "✈️",
    "🏠",
    "⏰",
    "✅",
    "❌",
)
COLUMNS = 10


class EmojiPicker(QFrame):
    """A popup of emoji buttons.

    Signals:
        picked(str): the emoji the user chose (the popup then closes).
    """

    picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("EmojiPicker")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.setSpacing(2)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.buttons: list[QToolButton] = []
        for index, emoji in enumerate(COMMON_EMOJI):
            button = QToolButton()
            button.setText(emoji)
            button.setFont(font)
            button.setAutoRaise(True)
            button.setAccessibleName(emoji)
            button.clicked.connect(lambda _checked=False, e=emoji: self._pick(e))
            grid.addWidget(button, index // COLUMNS, index % COLUMNS)
            self.buttons.append(button)

    def popup_at(self, anchor: QWidget) -> None:
        """Shows the grid just above ``anchor`` (the composer's emoji button)."""
        self.adjustSize()
        spot = anchor.mapToGlobal(QPoint(0, 0))
        self.move(spot.x(), max(0, spot.y() - self.height()))
        self.show()

    def _pick(self, emoji: str) -> None:
        self.picked.emit(emoji)
        self.close()
