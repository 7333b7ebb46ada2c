"""The People page (admins): everyone on the server, and inviting, adding and managing them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QPoint, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.accounts.account import Account
from app.net.errors import ApiError
from app.users.people import USER_ROLE, Column, People
from app.users.permissions import is_admin
from app.users.problems import explain_people, only_admins
from app.users.sessions import UserSessions
from server.protocol.admin import AdminUser, OneTimeSecret
from server.protocol.common import Role
from server.protocol.errors import ErrorCode
from ui import tasks
from ui.dialog_runner import run_dialog
from ui.dialogs.invite import InviteDialog
from ui.dialogs.user_create import CreateUserDialog
from ui.dialogs.user_delete import DeleteUserDialog
from ui.dialogs.user_handover import HandOverDialog
from ui.dialogs.user_sessions import UserSessionsDialog

# The list is read again this often while the page is shown (last sign-in, locks, storage).
REFRESH_INTERVAL_MS = 60_000


class PeoplePage(QWidget):
    """A filterable table of the server's accounts with the actions an admin may take.

    Attributes:
        people: the table model and its actions (app/users/people.py).
        table: the view, sorted and filtered through ``proxy``.
        filter: narrows the table to names or usernames containing the text.
        message: the last failure or confirmation, in words.
        dialog: the dialog the page opened last (the tests drive it).
    """

    def __init__(self, account: Account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account = account
        self.people = People(account.api, self)
        self.dialog: QDialog | None = None
        self.transfer_button: QPushButton | None = None  # "Hand over" in the confirmation
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_INTERVAL_MS)

        title = QLabel(self.tr("People"))
        title.setProperty("role", "title")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Find someone"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setMaximumWidth(280)
        self.invite_button = QPushButton(self.tr("Invite someone…"))
        self.invite_button.setProperty("role", "primary")
        self.add_button = QPushButton(self.tr("Add a person…"))
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.filter)
        top.addWidget(self.add_button)
        top.addWidget(self.invite_button)

        self.empty = QFrame()
        self.empty.setProperty("role", "card")
        empty_title = QLabel(self.tr("Invite your family"))
        empty_title.setProperty("role", "section")
        empty_text = QLabel(
            self.tr(
                "Nobody else is on this server yet. Send each person an invite link (they set "
                "up their own account), or add them here and give them a one-time password."
            )
        )
        empty_text.setWordWrap(True)
        self.empty_invite = QPushButton(self.tr("Invite someone…"))
        self.empty_invite.setProperty("role", "primary")
        empty_layout = QVBoxLayout(self.empty)
        empty_layout.setContentsMargins(16, 12, 16, 14)
        empty_layout.addWidget(empty_title)
        empty_layout.addWidget(empty_text)
        row = QHBoxLayout()
        row.addWidget(self.empty_invite)
        row.addStretch(1)
        empty_layout.addLayout(row)
        self.empty.hide()

        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.people)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # server order (by id)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        # Narrow enough that the name keeps room in the window's default width.
        for column, width in (
            (Column.USERNAME, 100),
            (Column.ROLE, 90),
            (Column.TWO_FACTOR, 118),  # its header, "Two-step sign-in", must fit
            (Column.LAST_SEEN, 130),
            (Column.STORAGE, 70),
            (Column.STATE, 96),
        ):
            header.resizeSection(column, width)

        self.reset_password_action = QAction(self.tr("Reset password…"), self)
        self.reset_two_factor_action = QAction(self.tr("Reset two-step sign-in…"), self)
        self.disable_action = QAction(self.tr("Switch off"), self)
        self.enable_action = QAction(self.tr("Switch on"), self)
        self.unlock_action = QAction(self.tr("Unlock (after too many wrong passwords)"), self)
        self.make_admin_action = QAction(self.tr("Make administrator"), self)
        self.make_member_action = QAction(self.tr("Make family member"), self)
        self.transfer_action = QAction(self.tr("Hand over ownership…"), self)
        self.delete_action = QAction(self.tr("Delete…"), self)
        self.sessions_action = QAction(self.tr("Sessions…"), self)
        self.sessions_action.setToolTip(self.tr("See the devices they are signed in on"))
        self._row_actions = (
            self.sessions_action,
            self.reset_password_action,
            self.reset_two_factor_action,
            self.disable_action,
            self.enable_action,
            self.unlock_action,
            self.make_admin_action,
            self.make_member_action,
            self.transfer_action,
            self.delete_action,
        )
        self.sessions_button = self._button(self.sessions_action)
        self.reset_password_button = self._button(self.reset_password_action)
        self.reset_two_factor_button = self._button(self.reset_two_factor_action)
        self.switch_button = QPushButton()
        self.role_button = QPushButton(self.tr("Role"))
        role_menu = QMenu(self.role_button)
        role_menu.addAction(self.make_admin_action)
        role_menu.addAction(self.make_member_action)
        role_menu.addSeparator()
        role_menu.addAction(self.transfer_action)
        self.role_button.setMenu(role_menu)
        self.delete_button = self._button(self.delete_action)
        self.delete_button.setProperty("role", "danger")
        actions = QHBoxLayout()
        actions.addWidget(self.sessions_button)
        actions.addWidget(self.reset_password_button)
        actions.addWidget(self.reset_two_factor_button)
        actions.addWidget(self.switch_button)
        actions.addWidget(self.role_button)
        actions.addStretch(1)
        actions.addWidget(self.delete_button)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.retry_button = QPushButton(self.tr("Try again"))
        self.retry_button.hide()
        message_row = QHBoxLayout()
        message_row.addWidget(self.message, 1)
        message_row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)

        self.members_only = QLabel(only_admins())
        self.members_only.setWordWrap(True)
        self.members_only.setProperty("role", "muted")
        self.members_only.hide()

        self.content = QWidget()
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(12)
        content.addWidget(self.empty)
        content.addWidget(self.table, 1)
        content.addLayout(actions)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(14)
        layout.addLayout(top)
        layout.addLayout(message_row)
        layout.addWidget(self.members_only)
        layout.addWidget(self.content, 1)
        self._connect_signals()
        self._update_actions()

    def _button(self, action: QAction) -> QPushButton:
        """A push button that mirrors ``action`` (text, enabled) and triggers it."""
        button = QPushButton(action.text())
        button.clicked.connect(action.trigger)
        action.changed.connect(lambda: button.setEnabled(action.isEnabled()))
        return button

    def _connect_signals(self) -> None:
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.invite_button.clicked.connect(self.on_invite)
        self.empty_invite.clicked.connect(self.on_invite)
        self.add_button.clicked.connect(self.on_add)
        self.retry_button.clicked.connect(self.on_refresh)
        self._timer.timeout.connect(self.on_refresh)
        self.table.customContextMenuRequested.connect(self.on_context_menu)
        self.people.modelReset.connect(self._update_actions)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.switch_button.clicked.connect(self.on_switch)
        self.reset_password_action.triggered.connect(
            lambda: self._on_row(self._reset_password, "reset-password")
        )
        self.reset_two_factor_action.triggered.connect(
            lambda: self._on_row(self._reset_two_factor, "reset-2fa")
        )
        self.disable_action.triggered.connect(lambda: self._on_row(self._disable, "disable"))
        self.enable_action.triggered.connect(lambda: self._on_row(self._enable, "enable"))
        # Switching on also lifts a lock (protocol 13.2): the same call, named for the case.
        self.unlock_action.triggered.connect(lambda: self._on_row(self._enable, "unlock"))
        self.make_admin_action.triggered.connect(
            lambda: self._on_row(lambda u: self._set_role(u, Role.ADMIN), "make-admin")
        )
        self.make_member_action.triggered.connect(
            lambda: self._on_row(lambda u: self._set_role(u, Role.MEMBER), "make-member")
        )
        self.transfer_action.triggered.connect(lambda: self._on_row(self._transfer, "transfer"))
        self.delete_action.triggered.connect(lambda: self._on_row(self._delete, "delete"))
        self.sessions_action.triggered.connect(self.on_sessions)

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Reads the list (for an owner or admin) and keeps it fresh while shown."""
        if not is_admin(self.account.user.role):
            self._show_members_only()
            return
        self._timer.start()
        try:
            await self.people.refresh()
        except Exception as exc:  # shown, not raised: the shell awaits this
            self._failed(exc)
        else:
            self._show_message("")

    async def stop(self) -> None:
        """Stops refreshing and cancels what is still running."""
        self._timer.stop()
        running = [t for t in self._tasks if not t.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        if self.dialog is not None:
            self.dialog.close()

    def _run(
        self,
        coro: Coroutine[Any, Any, Any],
        name: str,
        on_done: Callable[[Any], None] | None = None,
    ) -> asyncio.Task[Any]:
        task = tasks.spawn(coro, name=f"people-{name}", on_done=on_done, on_error=self._failed)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- what is shown ----------------------------------------------------------------------

    def _show_members_only(self) -> None:
        self._timer.stop()
        self.members_only.show()
        self.content.hide()
        self.invite_button.hide()
        self.add_button.hide()
        self.filter.hide()
        self._show_message("")

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "ok")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))
        self.retry_button.setVisible(False)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ApiError) and exc.code == ErrorCode.FORBIDDEN and not self.people.users:
            # A member (or someone just demoted): the page is not for them.
            self._show_members_only()
            return
        self._show_message(explain_people(exc), error=True)
        self.retry_button.setVisible(not self.people.users)

    def selected_user(self) -> AdminUser | None:
        """The account of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        user = rows[0].data(USER_ROLE)
        return user if isinstance(user, AdminUser) else None

    def select_user(self, user_id: int) -> None:
        """Selects the row of ``user_id`` (for the tests and after actions)."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            user = index.data(USER_ROLE)
            if isinstance(user, AdminUser) and user.id == user_id:
                self.table.selectRow(row)
                return

    def _update_actions(self) -> None:
        self.empty.setVisible(bool(self.people.users) and self.people.only_owner_so_far())
        self.add_button.setEnabled(bool(self.people.allowed_roles_for_new()))
        user = self.selected_user()
        manage = user is not None and self.people.can_manage(user)
        roles = self.people.role_changes(user) if user is not None else ()
        self.reset_password_action.setEnabled(manage)
        self.sessions_action.setEnabled(manage)
        self.reset_two_factor_action.setEnabled(manage)
        self.delete_action.setEnabled(manage)
        self.disable_action.setEnabled(manage and user is not None and not user.disabled)
        self.enable_action.setEnabled(manage and user is not None and user.disabled)
        locked = user is not None and (user.locked_until or 0) > time.time()
        self.unlock_action.setEnabled(manage and locked and user is not None and not user.disabled)
        self.make_admin_action.setEnabled(Role.ADMIN in roles)
        self.make_member_action.setEnabled(Role.MEMBER in roles)
        self.transfer_action.setEnabled(Role.OWNER in roles)
        self.make_admin_action.setVisible(Role.ADMIN in roles)
        self.make_member_action.setVisible(Role.MEMBER in roles)
        self.role_button.setEnabled(bool(roles))
        # Only the owner changes roles: an admin does not need a button that never works.
        self.role_button.setVisible(self.people.actor.role == Role.OWNER)
        switched_off = user is not None and user.disabled
        self.switch_button.setText(self.tr("Switch on") if switched_off else self.tr("Switch off"))
        self.switch_button.setEnabled(manage)
        self.switch_button.setToolTip(
            self.tr("Let them sign in again")
            if switched_off
            else self.tr("Stop them signing in, and sign them out everywhere, until switched on")
        )

    # -- user intent ------------------------------------------------------------------------

    def on_refresh(self) -> None:
        self._run(self.people.refresh(), "refresh", on_done=lambda _r: self._show_message(""))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        # Someone may have joined by invite since the last read: what is shown is current.
        super().showEvent(event)
        if self._timer.isActive():
            self.on_refresh()

    def on_invite(self) -> None:
        dialog = InviteDialog(self.account.api, self)
        self.dialog = dialog
        dialog.open()

    def on_add(self) -> None:
        dialog = CreateUserDialog(self.people, self)
        self.dialog = dialog
        dialog.open()

    def on_switch(self) -> None:
        user = self.selected_user()
        if user is not None:
            (self.enable_action if user.disabled else self.disable_action).trigger()

    def on_sessions(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        self._show_message("")
        dialog = UserSessionsDialog(UserSessions(self.account.api, user), self)
        self.dialog = dialog
        dialog.open()

    def on_context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        menu = QMenu(self)
        for action in self._row_actions:
            if action.isEnabled():
                menu.addAction(action)
        if not menu.actions():
            return
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _on_row(self, action: Callable[[AdminUser], Coroutine[Any, Any, None]], name: str) -> None:
        user = self.selected_user()
        if user is not None:
            self._show_message("")
            self._run(action(user), name)

    # -- the actions (coroutines, also called by the tests) ---------------------------------

    def _hand_over(self, title: str, secret: OneTimeSecret, explanation: str) -> None:
        dialog = HandOverDialog(title, secret.one_time_code, explanation, self)
        self.dialog = dialog
        dialog.open()

    async def _reset_password(self, user: AdminUser) -> None:
        secret = await self.people.reset_password(user.id)
        self._hand_over(
            self.tr("New password for {name}").format(name=user.display_name),
            secret,
            self.tr(
                "Give this one-time password to {name}. They sign in with their username "
                "“{username}” and this password (typed exactly, dashes included), then choose "
                "their own. Their devices have been signed out. It is shown only now."
            ).format(name=user.display_name, username=user.username),
        )

    async def _reset_two_factor(self, user: AdminUser) -> None:
        secret = await self.people.reset_two_factor(user.id)
        self._hand_over(
            self.tr("Two-step sign-in reset for {name}").format(name=user.display_name),
            secret,
            self.tr(
                "Two-step sign-in is now off for {name}, and their devices have been signed "
                "out. Give them this one-time code: they sign in with their usual password, "
                "and type this code when asked for the code from their phone. It works once, "
                "for 7 days. Afterwards they can switch two-step sign-in on again."
            ).format(name=user.display_name),
        )

    async def _disable(self, user: AdminUser) -> None:
        await self.people.disable(user.id)
        self._show_message(
            self.tr(
                "{name} is switched off: they can't sign in, and their devices are signed out."
            ).format(name=user.display_name)
        )

    async def _enable(self, user: AdminUser) -> None:
        await self.people.enable(user.id)
        self._show_message(self.tr("{name} can sign in again.").format(name=user.display_name))

    async def _set_role(self, user: AdminUser, role: Role) -> None:
        await self.people.set_role(user.id, role)
        if role == Role.ADMIN:
            text = self.tr("{name} is now an administrator.")
        else:
            text = self.tr("{name} is now a family member.")
        self._show_message(text.format(name=user.display_name))

    async def _transfer(self, user: AdminUser) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Hand over ownership"),
            self.tr(
                "Make {name} the owner of this server? They will be able to manage everyone, "
                "you included, and you become an administrator. Only they can hand it back."
            ).format(name=user.display_name),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        hand_over = box.addButton(self.tr("Hand over"), QMessageBox.ButtonRole.AcceptRole)
        self.transfer_button = hand_over
        self.dialog = box
        await run_dialog(box)
        # The answer is the button pressed: a message box's result code for a button it did
        # not define itself is not an accept/reject code.
        if box.clickedButton() is not hand_over:
            return
        await self.people.transfer_ownership(user.id)
        self._update_actions()
        self._show_message(
            self.tr("{name} is now the owner. You are an administrator.").format(
                name=user.display_name
            )
        )

    async def _delete(self, user: AdminUser) -> None:
        dialog = DeleteUserDialog(user, self)
        self.dialog = dialog
        if not await run_dialog(dialog):
            return
        await self.people.delete(user.id)
        self._show_message(self.tr("{name}’s account was deleted.").format(name=user.display_name))
