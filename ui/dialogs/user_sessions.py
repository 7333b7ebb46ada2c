"""The devices one person is signed in on, for an admin: sign out one, or all of them."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.users.problems import explain_people
from app.users.sessions import UserSessions, address, when
from server.protocol.auth import SessionInfo
from ui import tasks
from ui.dialog_runner import run_dialog


class UserSessionsDialog(QDialog):
    """Lists ``sessions.user``'s devices; each sign-out is confirmed first.

    Attributes:
        table: one row per device (the session id in its data).
        sign_out_button, sign_out_all_button: the two actions.
        confirm: the confirmation box while one is open (for the tests).
        error: the failure line.
    """

    def __init__(self, sessions: UserSessions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.confirm: QMessageBox | None = None
        self.busy: asyncio.Task[None] | None = None
        name = sessions.user.display_name
        self.setWindowTitle(self.tr("Signed-in devices"))
        self.setModal(True)
        self.setMinimumWidth(620)
        heading = QLabel(self.tr("{name}’s devices").format(name=name))
        heading.setProperty("role", "title")
        self.summary = QLabel(self.tr("Loading…"))
        self.summary.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setHeaderLabels(
            [self.tr("Device"), self.tr("Address"), self.tr("Signed in"), self.tr("Last active")]
        )
        self.table.setColumnWidth(0, 200)
        self.table.setColumnWidth(1, 120)
        self.table.setColumnWidth(2, 130)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.sign_out_button = QPushButton(self.tr("Sign out this device"))
        self.sign_out_all_button = QPushButton(self.tr("Sign out everywhere"))
        self.sign_out_all_button.setProperty("role", "danger")
        close = QPushButton(self.tr("Close"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out_button)
        buttons.addWidget(self.sign_out_all_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        close.clicked.connect(self.accept)
        self.sign_out_button.clicked.connect(lambda: self._run(self.sign_out_selected()))
        self.sign_out_all_button.clicked.connect(lambda: self._run(self.sign_out_everywhere()))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._update_buttons()
        self._run(self.load())

    # -- what is shown ----------------------------------------------------------------------

    def _show(self, rows: list[SessionInfo]) -> None:
        self.table.clear()
        for info in rows:
            item = QTreeWidgetItem(
                [info.device_name, address(info), when(info.created_at), when(info.last_seen_at)]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, info.id)
            self.table.addTopLevelItem(item)
        self.summary.setText(self.sessions.summary())
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = self.busy is None or self.busy.done()
        self.sign_out_button.setEnabled(idle and self.selected_session() is not None)
        self.sign_out_all_button.setEnabled(idle and bool(self.sessions.sessions))

    def selected_session(self) -> str | None:
        """The session id of the selected row, if any."""
        items = self.table.selectedItems()
        return str(items[0].data(0, Qt.ItemDataRole.UserRole)) if items else None

    def _run(self, coro: Coroutine[Any, Any, None]) -> None:
        self.error.hide()
        self.busy = tasks.spawn(
            coro,
            name="user-sessions",
            on_done=lambda _r: self._update_buttons(),
            on_error=self._failed,
        )
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(explain_people(exc))
        self.error.show()
        self._update_buttons()

    # -- the actions (coroutines, also awaited by the tests) --------------------------------

    async def load(self) -> None:
        self._show(await self.sessions.refresh())

    async def _confirmed(self, title: str, text: str, button: str) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, self
        )
        yes = box.addButton(button, QMessageBox.ButtonRole.AcceptRole)
        self.confirm = box
        try:
            await run_dialog(box)
        finally:
            self.confirm = None
        return box.clickedButton() is yes

    async def sign_out_selected(self) -> None:
        session_id = self.selected_session()
        info = next((s for s in self.sessions.sessions if s.id == session_id), None)
        if info is None:
            return
        name = self.sessions.user.display_name
        if not await self._confirmed(
            self.tr("Sign out this device"),
            self.tr(
                "Sign {name} out of “{device}”? It stops working at once, until someone "
                "signs in on it again with {name}’s password."
            ).format(name=name, device=info.device_name),
            self.tr("Sign out"),
        ):
            return
        await self.sessions.end(info.id)
        self._show(self.sessions.sessions)

    async def sign_out_everywhere(self) -> None:
        name = self.sessions.user.display_name
        if not await self._confirmed(
            self.tr("Sign out everywhere"),
            self.tr(
                "Sign {name} out of every device? Each one stops working at once. {name} can "
                "sign in again with their password: if it may be known to someone else, reset "
                "the password too."
            ).format(name=name),
            self.tr("Sign out everywhere"),
        ):
            return
        await self.sessions.end_all()
        self._show(self.sessions.sessions)
