"""Light and dark themes: Qt's Fusion style with Roost's palette and a small style sheet.

"system" follows the operating system's colour scheme (and its changes while the app runs);
where the platform reports none, as under a bare X server, light is used.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES_DIR = Path(__file__).resolve().parent.parent / "resources" / "themes"

_LIGHT = {
    "window": "#f6f7f9",
    "base": "#ffffff",
    "alt": "#eef1f5",
    "text": "#1d232b",
    "muted": "#5f6b7a",
    "accent": "#2f6fdf",
    "accent_button": "#2f6fdf",
    "accent_text": "#ffffff",
    "border": "#d5dbe3",
    "danger": "#c62828",
    "ok": "#2e7d32",
    "warn": "#a86100",
}
_DARK = {
    "window": "#1b1e23",
    "base": "#23272e",
    "alt": "#2b3038",
    "text": "#e6e9ee",
    "muted": "#9aa4b2",
    "accent": "#5b8ff0",
    # White on #5b8ff0 is 3.2:1; buttons with white text use a deeper blue (4.5:1, WCAG AA).
    "accent_button": "#3b73d9",
    "accent_text": "#ffffff",
    "border": "#3a414c",
    "danger": "#ef6b6b",
    "ok": "#6cc070",
    "warn": "#e0a040",
}


def system_is_dark() -> bool:
    """Whether the platform asks for a dark appearance."""
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def is_dark() -> bool:
    """Whether the dark theme is in use now (set by `apply_theme`)."""
    app = QApplication.instance()
    return bool(app.property("roostDark")) if app is not None else False


def colours(dark: bool) -> dict[str, str]:
    """The named colours of a theme (also used by widgets that paint themselves)."""
    return dict(_DARK if dark else _LIGHT)


def apply_theme(app: QApplication, choice: str) -> bool:
    """Applies "light", "dark" or "system" to the whole application.

    Returns:
        Whether the dark theme is now in use.
    """
    dark = system_is_dark() if choice == "system" else choice == "dark"
    c = colours(dark)
    app.setStyle("Fusion")
    pal = QPalette()
    role = QPalette.ColorRole
    pal.setColor(role.Window, QColor(c["window"]))
    pal.setColor(role.WindowText, QColor(c["text"]))
    pal.setColor(role.Base, QColor(c["base"]))
    pal.setColor(role.AlternateBase, QColor(c["alt"]))
    pal.setColor(role.Text, QColor(c["text"]))
    pal.setColor(role.Button, QColor(c["base"]))
    pal.setColor(role.ButtonText, QColor(c["text"]))
    pal.setColor(role.Highlight, QColor(c["accent"]))
    pal.setColor(role.HighlightedText, QColor(c["accent_text"]))
    pal.setColor(role.ToolTipBase, QColor(c["base"]))
    pal.setColor(role.ToolTipText, QColor(c["text"]))
    pal.setColor(role.PlaceholderText, QColor(c["muted"]))
    pal.setColor(role.Link, QColor(c["accent"]))
    pal.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(c["muted"]))
    pal.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(c["muted"]))
    pal.setColor(QPalette.ColorGroup.Disabled, role.WindowText, QColor(c["muted"]))
    app.setPalette(pal)
    template = (THEMES_DIR / "roost.qss").read_text(encoding="utf-8")
    icons_dir = THEMES_DIR.parent / "icons"
    app.setStyleSheet(template.format_map({**c, "tick": (icons_dir / "tick-white.svg").as_posix()}))
    app.setProperty("roostDark", dark)
    return dark
