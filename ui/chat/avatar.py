"""Round avatars with initials: a paint function for delegates and a tiny widget for layouts.

The palette's colours are mid-tones: white initials on each are at least 5:1 (WCAG AA), and the
discs show on the light theme's white as on the dark theme's near-black, so one palette serves
both themes and a person has the same colour in either.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.chat.avatars import PALETTE_SIZE

# Indexed by app.chat.avatars.colour_index; the length must be PALETTE_SIZE.
PALETTE = (
    "#c62828",  # red
    "#ad1457",  # raspberry
    "#8e24aa",  # purple
    "#5e35b1",  # indigo
    "#1565c0",  # blue
    "#00695c",  # teal
    "#2e7d32",  # green
    "#9e4a00",  # amber, deepened for white text
    "#795548",  # brown
    "#546e7a",  # slate
)
assert len(PALETTE) == PALETTE_SIZE

# The initials fill at most this share of the diameter, so two wide Chinese characters fit.
_TEXT_SHARE = 0.62


def avatar_colour(index: int) -> QColor:
    """The disc colour for a palette index (any int: it wraps)."""
    return QColor(PALETTE[index % len(PALETTE)])


def paint_avatar(
    painter: QPainter, rect: QRectF, initials: str, colour: int, font: QFont | None = None
) -> None:
    """Paints a round avatar filling ``rect`` (a square).

    Args:
        painter: an active painter; its state is restored afterwards.
        rect: where to paint.
        initials: one or two characters (``app.chat.avatars.initials``).
        colour: the palette index (``app.chat.avatars.colour_index``).
        font: the font to start from (its family); the size is chosen to fit.
    """
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(avatar_colour(colour))
    painter.drawEllipse(rect)
    f = QFont(font) if font is not None else QFont(painter.font())
    f.setBold(True)
    f.setPixelSize(max(6, round(rect.height() * (0.42 if len(initials) < 2 else 0.36))))
    width = QFontMetricsF(f).horizontalAdvance(initials)
    if width > rect.width() * _TEXT_SHARE:
        f.setPixelSize(max(6, int(f.pixelSize() * rect.width() * _TEXT_SHARE / width)))
    painter.setFont(f)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, initials)
    painter.restore()


def avatar_pixmap(initials: str, colour: int, size: int, ratio: float = 2.0) -> QPixmap:
    """An avatar as a transparent pixmap of ``size`` device-independent pixels."""
    pm = QPixmap(int(size * ratio), int(size * ratio))
    pm.fill(Qt.GlobalColor.transparent)
    pm.setDevicePixelRatio(ratio)
    painter = QPainter(pm)
    paint_avatar(painter, QRectF(0, 0, size, size), initials, colour)
    painter.end()
    return pm


class Avatar(QWidget):
    """A fixed-size round avatar (for headers, member lists and dialogs).

    Attributes:
        initials: what it shows.
        colour: its palette index.
    """

    def __init__(
        self, initials: str = "?", colour: int = 0, size: int = 36, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.initials = initials
        self.colour = colour
        self.setFixedSize(QSize(size, size))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_avatar(self, initials: str, colour: int) -> None:
        """Shows other initials or another colour."""
        self.initials, self.colour = initials, colour
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        side = min(self.width(), self.height())
        paint_avatar(painter, QRectF(0, 0, side, side), self.initials, self.colour, self.font())
        painter.end()
