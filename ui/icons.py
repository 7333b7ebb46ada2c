"""Icons from resources/icons, drawn in the current theme's text colour.

The SVGs use ``currentColor``; Qt's SVG renderer does not know it, so it is replaced by a
concrete colour before rendering.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"


@cache
def _svg_text(name: str) -> str:
    return (ICONS_DIR / f"{name}.svg").read_text(encoding="utf-8")


def pixmap(name: str, size: int, colour: str | None = None) -> QPixmap:
    """The icon ``name`` rendered at ``size`` pixels (device-independent) in ``colour``."""
    if colour is None:
        colour = QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()
    svg = _svg_text(name).replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    ratio = 2.0  # sharp on high-density screens; Qt scales down where it is not needed
    pm = QPixmap(int(size * ratio), int(size * ratio))
    pm.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pm)
    renderer.render(painter, QRectF(0, 0, pm.width(), pm.height()))
    painter.end()
    pm.setDevicePixelRatio(ratio)
    return pm


def icon(name: str, colour: str | None = None) -> QIcon:
    """A QIcon of ``name`` in the theme's text colour (or ``colour``)."""
    return QIcon(pixmap(name, 24, colour))


def app_icon() -> QIcon:
    """Roost's own icon (its colours are fixed)."""
    return QIcon(str(ICONS_DIR / "roost.svg"))
