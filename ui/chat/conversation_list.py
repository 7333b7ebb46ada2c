"""The conversation list: filter field, "New" menu, the rows, and a menu per conversation.

The rows come from ``app.chat.conversation_rows``; this module adapts them to a Qt model and
forwards what the user does. It refreshes at most once per turn of the event loop however many
events arrive (a sync can bring hundreds), and keeps the selected conversation selected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.chat.connection import ChatConnection
from app.chat.conversation_rows import (
    ConversationRow,
    conversation_rows,
    filter_rows,
    must_hand_over,
)
from app.chat.directory import Directory
from app.chat.events import (
    ChatEvent,
    ConversationsUpdated,
    EventStored,
    ReadMarkerMoved,
    SendAcked,
    SendFailed,
    SendQueued,
)
from app.chat.failures import explain_chat_failure
from app.chat.mutes import Mutes
from ui import icons, tasks
from ui.chat.conversation_delegate import ROW_ROLE, ConversationDelegate, badge_text
from ui.chat.group_settings import group_command
from ui.chat.new_conversation import NewGroupDialog, NewMessageDialog

log = logging.getLogger(__name__)

# The events after which the rows may read differently (presence comes through the directory).
_CHANGES_THE_LIST = (
    ConversationsUpdated,
    EventStored,
    ReadMarkerMoved,
    SendQueued,
    SendAcked,
    SendFailed,
)


_ROOT = QModelIndex()


class ConversationModel(QAbstractListModel):
    """The rows shown (already filtered), one ``ConversationRow`` per item under ``ROW_ROLE``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ConversationRow] = []

    def rowCount(  # noqa: N802 (Qt's name)
        self, parent: QModelIndex | QPersistentModelIndex = _ROOT
    ) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return row.title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if row.unread:
                return self.tr("{title}, {count} unread: {preview}").format(
                    title=row.title, count=badge_text(row.unread), preview=row.preview
                )
            return self.tr("{title}: {preview}").format(title=row.title, preview=row.preview)
        return None

    def rows(self) -> list[ConversationRow]:
        return list(self._rows)

    def row_of(self, conversation_id: int) -> int | None:
        """The position of a conversation among the rows shown, or None."""
        for i, row in enumerate(self._rows):
            if row.id == conversation_id:
                return i
        return None

    def set_rows(self, rows: list[ConversationRow]) -> None:
        """Shows ``rows``.

        The same conversations in another order are moved (persistent indexes follow, so the
        view keeps its selection and scroll position); otherwise the model is reset.
        """
        old_ids = [r.id for r in self._rows]
        new_ids = [r.id for r in rows]
        if old_ids == new_ids:
            self._rows = rows
            if rows:
                self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        if sorted(old_ids) != sorted(new_ids):
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
            return
        self.layoutAboutToBeChanged.emit()
        position = {cid: i for i, cid in enumerate(new_ids)}
        persistent = self.persistentIndexList()
        moved = [self.index(position[old_ids[p.row()]]) for p in persistent]
        self._rows = rows
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()


class ConversationList(QWidget):
    """The list of one account's conversations.

    Signals:
        activated(int): the user picked a conversation, or created one.
        settingsRequested(int): the user asked for a group's settings.

    Attributes:
        filter: the filter field.
        new_button: opens the menu with "New message" and "New group".
        view: the list view.
        model: the rows shown.
        empty: the text shown instead of the list when there is nothing to show.
        problem: why the last action from the menu failed (hidden when none did).
        dialog: the dialog opened last from this list (for tests), or None.
        confirm: the open "Leave group?" question, or None.
    """

    activated = Signal(int)
    settingsRequested = Signal(int)  # noqa: N815 (Qt signal naming)

    def __init__(
        self,
        connection: ChatConnection,
        directory: Directory,
        mutes: Mutes,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.connection = connection
        self.directory = directory
        self.mutes = mutes
        self._current: int | None = None
        self._quiet = False  # selection changes made by code, not by the user
        self.dialog: QWidget | None = None
        self.confirm: QMessageBox | None = None

        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter conversations"))
        self.filter.setClearButtonEnabled(True)
        self.new_button = QToolButton()
        self.new_button.setText(self.tr("New"))
        self.new_button.setIcon(icons.icon("plus"))
        self.new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.new_menu = QMenu(self.new_button)
        self.new_message_action = QAction(self.tr("New message…"), self)
        self.new_group_action = QAction(self.tr("New group…"), self)
        self.new_menu.addAction(self.new_message_action)
        self.new_menu.addAction(self.new_group_action)
        self.new_button.setMenu(self.new_menu)

        self.model = ConversationModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(ConversationDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setUniformItemSizes(True)
        self.view.setMouseTracking(True)  # hover highlight
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.setFrameShape(QListView.Shape.NoFrame)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setProperty("role", "muted")
        self.empty.setMargin(16)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.setMargin(6)
        self.problem.hide()

        top = QHBoxLayout()
        top.setContentsMargins(8, 8, 8, 4)
        top.setSpacing(6)
        top.addWidget(self.filter, 1)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.problem)
        layout.addWidget(self.stack, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        self._unsubscribe: list[Callable[[], None]] = []
        self._connect_signals()
        self.refresh()

    def _connect_signals(self) -> None:
        self.filter.textChanged.connect(lambda _t: self.refresh())
        self.new_message_action.triggered.connect(self.open_new_message)
        self.new_group_action.triggered.connect(self.open_new_group)
        self.view.selectionModel().selectionChanged.connect(self.on_selection_changed)
        self.view.customContextMenuRequested.connect(self.on_context_menu)
        self._unsubscribe = [
            self.connection.events.subscribe(self._on_chat_event),
            self.directory.changed.subscribe(lambda _n: self._schedule()),
            self.mutes.changed.subscribe(lambda _c: self._schedule()),
        ]
        unsubscribe = self._unsubscribe

        def detach_all() -> None:  # holds no reference to the widget itself
            for undo in unsubscribe:
                undo()

        self.destroyed.connect(detach_all)

    def detach(self) -> None:
        """Stops following the connection, directory and mutes (the page closes it)."""
        self._timer.stop()
        for undo in self._unsubscribe:
            undo()
        self._unsubscribe.clear()

    # --- the interface the page uses -------------------------------------------------------

    def current(self) -> int | None:
        """The selected conversation, or None."""
        return self._current

    def select(self, conversation_id: int) -> None:
        """Selects a conversation without emitting ``activated``."""
        self._current = conversation_id
        self._show_current()

    # --- refreshing ------------------------------------------------------------------------

    def _on_chat_event(self, event: ChatEvent) -> None:
        if isinstance(event, ReadMarkerMoved) and event.user_id != self.connection.user_id:
            return  # others' read receipts do not change the list
        if isinstance(
            event,
            ConversationsUpdated
            | EventStored
            | ReadMarkerMoved
            | SendQueued
            | SendAcked
            | SendFailed,
        ):
            self._schedule()

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def refresh(self) -> None:
        """Reads the rows again now (events call this through the coalescing timer)."""
        self._timer.stop()
        rows = conversation_rows(
            self.connection.cache, self.connection.outbox, self.directory, self.mutes
        )
        query = self.filter.text()
        shown = filter_rows(rows, query)
        self._quiet = True
        try:
            self.model.set_rows(shown)
            self._show_current()
        finally:
            self._quiet = False
        if shown:
            self.stack.setCurrentWidget(self.view)
        else:
            if rows:
                self.empty.setText(self.tr("Nothing matches “{filter}”.").format(filter=query))
            else:
                self.empty.setText(self.tr("No conversations yet. Start one with New."))
            self.stack.setCurrentWidget(self.empty)

    def _show_current(self) -> None:
        position = None if self._current is None else self.model.row_of(self._current)
        selection = self.view.selectionModel()
        was_quiet, self._quiet = self._quiet, True
        try:
            if position is None:
                selection.clearSelection()
            else:
                index = self.model.index(position)
                if not selection.isSelected(index):
                    selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect)
        finally:
            self._quiet = was_quiet

    def on_selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._quiet:
            return
        indexes = selected.indexes()
        if not indexes:
            return  # the list keeps the conversation open even when a filter hides it
        row = indexes[0].data(ROW_ROLE)
        if isinstance(row, ConversationRow) and row.id != self._current:
            self._current = row.id
            self.activated.emit(row.id)

    # --- the menu of one conversation ------------------------------------------------------

    def on_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        row = index.data(ROW_ROLE) if index.isValid() else None
        if isinstance(row, ConversationRow):
            self.menu_for(row).popup(self.view.viewport().mapToGlobal(pos))

    def menu_for(self, row: ConversationRow) -> QMenu:
        """The menu of one conversation (deleted when it closes)."""
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        cid = row.id
        if row.muted:
            menu.addAction(self.tr("Unmute"), lambda: self.mutes.set_muted(cid, False))
        else:
            menu.addAction(self.tr("Mute"), lambda: self.mutes.set_muted(cid, True))
        read = menu.addAction(self.tr("Mark as read"), lambda: self.mark_read(cid))
        read.setEnabled(row.unread > 0 and not row.left)
        if row.kind == "group" and not row.left:
            menu.addSeparator()
            menu.addAction(self.tr("Group settings…"), lambda: self.settingsRequested.emit(cid))
            menu.addAction(self.tr("Leave group…"), lambda: self.ask_to_leave(cid))
        return menu

    def mark_read(self, conversation_id: int) -> None:
        """Moves our read marker to the newest event of a conversation."""
        conversation = self.connection.cache.conversation(conversation_id)
        if conversation is None or conversation.last_seq <= 0:
            return
        self._run(self.connection.mark_read(conversation_id, conversation.last_seq), "mark-read")

    def ask_to_leave(self, conversation_id: int) -> None:
        """Asks "Leave this group?", then leaves it (or says why not)."""
        conversation = self.connection.cache.conversation(conversation_id)
        if conversation is None:
            return
        if must_hand_over(conversation, self.connection.user_id):
            self._show_problem(
                self.tr(
                    "You own “{name}”. Open its settings and make someone else the owner "
                    "first; then you can leave."
                ).format(name=conversation.name)
            )
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Leave group"),
            self.tr(
                "Leave “{name}”? You will stop receiving its messages. You can still read "
                "what was said until now, and a group admin can add you again."
            ).format(name=conversation.name),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        leave = box.addButton(self.tr("Leave group"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm = box

        def answered(_code: int) -> None:
            self.confirm = None
            if box.clickedButton() is leave:
                self._run(
                    group_command(
                        self.connection, "conversation/leave", conversation_id=conversation_id
                    ),
                    "leave-group",
                )
            box.deleteLater()

        box.finished.connect(answered)
        box.open()

    def _run(self, coro: Any, name: str) -> None:
        self._show_problem("")
        tasks.spawn(
            coro,
            name=f"conversation-list-{name}",
            on_done=lambda _r: self._schedule(),
            on_error=lambda exc: self._show_problem(explain_chat_failure(exc)),
        )

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    # --- new conversations -----------------------------------------------------------------

    def open_new_message(self) -> None:
        """Opens "New message": pick a person, then their conversation opens."""
        dialog = NewMessageDialog(self.connection, self.directory, self)
        self._open(dialog, dialog.activated)

    def open_new_group(self) -> None:
        """Opens "New group": name, topic and members."""
        dialog = NewGroupDialog(self.connection, self.directory, self)
        self._open(dialog, dialog.activated)

    def _open(self, dialog: QWidget, created: Any) -> None:
        # Not deleted on close: the step that accepted it still finishes after it closed. The
        # dialogs are modal, so the previous one is done with when the next one opens.
        if self.dialog is not None:
            self.dialog.deleteLater()
        created.connect(self._created)
        self.dialog = dialog
        dialog.open()  # type: ignore[attr-defined]

    def _created(self, conversation_id: int) -> None:
        self.refresh()
        self.select(conversation_id)
        self.activated.emit(conversation_id)
