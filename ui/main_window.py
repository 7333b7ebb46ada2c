"""The main window: a sidebar of pages (home, settings) and the page shown beside it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui import icons


class MainWindow(QMainWindow):
    """Sidebar navigation over a stack of pages.

    Pages are added by the composition root (`ui.main`), so this class stays a frame.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Roost")
        self.setWindowIcon(icons.app_icon())
        self.resize(1000, 660)
        self.setMinimumSize(QSize(760, 520))
        self.on_close: Callable[[], None] | None = None
        self._build()

    def _build(self) -> None:
        sidebar = QWidget()
        sidebar.setObjectName("Sidebar")
        sidebar.setFixedWidth(210)
        title = QLabel("Roost")
        title.setObjectName("AppTitle")
        self.nav = QListWidget()
        self.nav.setObjectName("Nav")
        self.nav.setIconSize(QSize(18, 18))
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(0, 0, 0, 8)
        side.setSpacing(0)
        side.addWidget(title)
        side.addWidget(self.nav, 1)

        self.stack = QStackedWidget()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(sidebar)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)

    def add_page(
        self, key: str, label: str, icon_name: str, page: QWidget, *, at: int | None = None
    ) -> None:
        """Adds a page to the sidebar and the stack, at the end or at position ``at``."""
        item = QListWidgetItem(icons.icon(icon_name), label)
        item.setData(Qt.ItemDataRole.UserRole, key)
        row = self.nav.count() if at is None else max(0, min(at, self.nav.count()))
        # The stack first: inserting the item may change the current row, which shows the
        # stack's widget at that row.
        self.stack.insertWidget(row, page)
        self.nav.insertItem(row, item)
        if self.nav.count() == 1:
            self.nav.setCurrentRow(0)

    def show_page(self, key: str) -> None:
        """Switches to the page added under ``key``."""
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
                return
        raise KeyError(key)

    def page(self, key: str) -> QWidget:
        """The page added under ``key``."""
        for row in range(self.nav.count()):
            widget = self.stack.widget(row)
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key and widget is not None:
                return widget
        raise KeyError(key)

    def set_page_label(self, key: str, label: str) -> None:
        """Renames the sidebar entry of the page added under ``key``."""
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                item.setText(label)
                return
        raise KeyError(key)

    def has_page(self, key: str) -> bool:
        """Whether a page was added under ``key``."""
        return any(
            self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key
            for row in range(self.nav.count())
        )

    def remove_page(self, key: str) -> None:
        """Removes the page added under ``key`` (and deletes it)."""
        widget = self.take_page(key)
        if widget is not None:
            widget.deleteLater()

    def take_page(self, key: str) -> QWidget | None:
        """Removes the page added under ``key`` without deleting it (the caller does, later)."""
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                widget = self.stack.widget(row)
                self.nav.takeItem(row)
                if widget is not None:
                    self.stack.removeWidget(widget)
                    widget.hide()
                return widget
        return None

    def clear_pages(self) -> None:
        """Removes every page (before rebuilding them in another language)."""
        self.nav.clear()
        while (w := self.stack.widget(0)) is not None:
            self.stack.removeWidget(w)
            w.deleteLater()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.on_close is not None:
            self.on_close()
        super().closeEvent(event)
