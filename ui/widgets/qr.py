"""A QR code drawn by Qt from segno's module matrix (crisp at any size, no image library)."""

from __future__ import annotations

import segno
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget


class QrCode(QWidget):
    """Shows ``data`` as a QR code, always dark on white (scanners expect it, in either theme).

    Attributes:
        data: the encoded text.
    """

    def __init__(self, data: str = "", size: int = 200, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._size = size
        self._matrix: list[list[bool]] = []
        self.data = ""
        self.setFixedSize(size, size)
        self.set_data(data)

    def set_data(self, data: str) -> None:
        """Encodes ``data`` (empty clears the code)."""
        self.data = data
        if data:
            qr = segno.make(data, error="m", micro=False)
            self._matrix = [[bool(m) for m in row] for row in qr.matrix]
        else:
            self._matrix = []
        self.setAccessibleName(self.tr("QR code"))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self._size, self._size)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        if not self._matrix:
            return
        painter = QPainter(self)
        side = min(self.width(), self.height())
        quiet = 4  # the quiet zone QR readers need around the code, in modules
        modules = len(self._matrix) + 2 * quiet
        cell = side / modules
        painter.fillRect(QRectF(0, 0, side, side), QColor("white"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("black"))
        for y, row in enumerate(self._matrix):
            for x, dark in enumerate(row):
                if dark:
                    # A hair of overlap avoids seams between modules when scaled.
                    painter.drawRect(
                        QRectF((x + quiet) * cell, (y + quiet) * cell, cell + 0.5, cell + 0.5)
                    )
        painter.end()
