"""The messages of the open conversation: a list of painted bubbles, live, paged back on demand."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from app.chat.connection import ChatConnection
from app.chat.directory import Directory
from app.chat.events import (
    ChatEvent,
    ConnectionState,
    ConnectionStateChanged,
    EventStored,
    SendQueued,
)
from app.chat.timeline import MessageRow, Receipt, Thumbnails
from ui.chat.message_delegate import MessageDelegate
from ui.chat.message_model import MessageModel
from ui.tasks import spawn

log = logging.getLogger(__name__)

QUICK_REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏")
# Older history is fetched when the top of the list is closer than this many viewports.
FETCH_WITHIN_VIEWPORTS = 1.0
# "At the bottom" allows for a few pixels of rounding.
BOTTOM_SLACK_PX = 4
MARK_READ_EVERY_MS = 1000
HIGHLIGHT_MS = 2000


class _List(QListView):
    """The list itself: per-pixel scrolling over rows of varying height."""

    keyPressed = Signal(QKeyEvent)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Always there: a scroll bar that comes and goes changes the width, and every row would
        # be laid out again.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.verticalScrollBar().setSingleStep(24)

    widthChanged = Signal(int)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.widthChanged.emit(self.viewport().width())
        super().resizeEvent(event)

    def relayout(self) -> None:
        """Rows changed height: lay them out again (Qt does not on ``dataChanged``)."""
        self.scheduleDelayedItemsLayout()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy) or event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        ):
            self.keyPressed.emit(event)
            return
        super().keyPressEvent(event)


class MessageView(QWidget):
    """The open conversation's messages.

    Signals:
        replyRequested(int, int): the user chose Reply on a message (conversation id, seq).
        editRequested(int, int): the user chose Edit on one of their messages.
        attachmentActivated(int, int, str): open an attachment (conversation, seq, its id).
        attachmentSaveRequested(int, int, str): save an attachment as a file.

    Attributes:
        model: the rows.
        list: the list view.
        dialog: the confirmation open now, if any (the tests answer it).
        menu: the context menu shown last.
    """

    replyRequested = Signal(int, int)
    editRequested = Signal(int, int)
    attachmentActivated = Signal(int, int, str)
    attachmentSaveRequested = Signal(int, int, str)

    def __init__(
        self,
        connection: ChatConnection,
        directory: Directory,
        thumbnails: Thumbnails | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.connection = connection
        self.thumbnails = thumbnails
        self.model = MessageModel(connection, directory, self)
        self.list = _List()
        self.delegate = MessageDelegate(
            self.list, self.model, thumbnails, self._want_thumbnail, self
        )
        self.list.setModel(self.model)
        self.list.setItemDelegate(self.delegate)
        self.dialog: QWidget | None = None
        self.menu: QMenu | None = None

        self.empty = QLabel(self.tr("No messages yet. Say hello!"))
        self.empty.setObjectName("EmptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.stack)

        # Floating over the list: "↓ 3 new", "Jump to first unread", and a loading note.
        self.new_button = QPushButton(self.list)
        self.new_button.setObjectName("NewMessages")
        self.new_button.hide()
        self.unread_button = QPushButton(self.tr("Jump to first unread"), self.list)
        self.unread_button.hide()
        self.loading = QLabel(self.tr("Loading older messages…"), self.list)
        self.loading.hide()

        self._stick = True
        self._new = 0
        self._anchor: tuple[str, int] | None = None
        self._was_bottom = True
        self._unread_seq: int | None = None
        self._thumbs_asked: set[str] = set()
        self._marked: dict[int, int] = {}
        self._mark_due = False
        self._mark_timer = QTimer(self)
        self._mark_timer.setSingleShot(True)
        self._mark_timer.setInterval(MARK_READ_EVERY_MS)
        self._edge_timer = QTimer(self)
        self._edge_timer.setSingleShot(True)
        self._edge_timer.setInterval(0)
        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.setInterval(HIGHLIGHT_MS)
        self._connect_signals()
        unsubscribe = connection.events.subscribe(self._on_event)
        model = self.model

        def gone() -> None:
            unsubscribe()
            model.close()

        self.destroyed.connect(gone)
        self._show_state()

    def _connect_signals(self) -> None:
        bar = self.list.verticalScrollBar()
        bar.valueChanged.connect(self._on_scroll)
        bar.rangeChanged.connect(lambda _lo, _hi: self._on_range())
        self.model.aboutToUpdate.connect(self._before_update)
        self.model.updated.connect(self._after_update)
        self.model.dataChanged.connect(lambda *_: self.list.relayout())
        self.model.loadingChanged.connect(self._on_loading)
        self.model.modelReset.connect(self._show_state)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.doubleClicked.connect(self._on_double_click)
        self.list.clicked.connect(self._on_click)
        self.list.keyPressed.connect(self._on_key)
        self.list.widthChanged.connect(self.delegate.set_width)
        self.new_button.clicked.connect(self.scroll_to_bottom)
        self.unread_button.clicked.connect(self.jump_to_first_unread)
        self._mark_timer.timeout.connect(self._mark_timer_done)
        self._highlight_timer.timeout.connect(self._clear_highlight)
        self._edge_timer.timeout.connect(self._check_edges)

    # --- what the page asks -----------------------------------------------------------------

    def show_conversation(self, conversation_id: int | None) -> None:
        """Shows a conversation from its newest message (None: nothing)."""
        self._new = 0
        self._stick = True
        self.delegate.highlight_key = None
        self.model.set_fetch_allowed(False)
        self.model.show(conversation_id)
        timeline = self.model.timeline
        self._unread_seq = timeline.first_unread_seq() if timeline else None
        self.list.scrollToBottom()
        self._show_state()
        self._after_update()

    def current(self) -> int | None:
        timeline = self.model.timeline
        return timeline.conversation_id if timeline else None

    def jump_to_first_unread(self) -> None:
        """Scrolls to the "new messages" marker (loading the history up to it if needed)."""
        timeline = self.model.timeline
        if timeline is None or timeline.unread_after is None:
            return
        self.unread_button.hide()
        row = self.model.row_of("unread")
        if row is not None:
            self._stick = False
            self.list.visualRect(self.model.index(row))  # lays the rows out, sets the range
            self.list.scrollTo(self.model.index(row), QAbstractItemView.ScrollHint.PositionAtTop)
            return
        seq = self._unread_seq or timeline.first_unread_seq()
        if seq is not None:
            self.scroll_to(seq, highlight=False)
        else:
            self._reach(timeline.unread_after + 1, self.jump_to_first_unread)

    def scroll_to(self, seq: int, *, highlight: bool = True) -> None:
        """Shows message ``seq`` in the middle of the view, briefly highlighted.

        It is read from the cache, or from the server's history first when the cache does not
        reach back that far.
        """
        timeline = self.model.timeline
        if timeline is None:
            return
        row = self.model.row_of_seq(seq)
        if row is None and self.model.open_around(seq):
            row = self.model.row_of_seq(seq)
        if row is None:
            lowest = self.connection.cache.lowest_seq(timeline.conversation_id)
            if lowest is None or lowest > seq:
                self._reach(seq, lambda: self.scroll_to(seq, highlight=highlight))
            return
        self._stick = False
        unread = self.model.row_of("unread")
        target = unread if unread is not None and unread == row - 1 and not highlight else row
        self.list.visualRect(self.model.index(target))  # lays the rows out, sets the range
        self.list.scrollTo(
            self.model.index(target),
            QAbstractItemView.ScrollHint.PositionAtCenter
            if highlight
            else QAbstractItemView.ScrollHint.PositionAtTop,
        )
        if highlight:
            self.delegate.highlight_key = f"m{seq}"
            self.list.setCurrentIndex(self.model.index(row))
            self._highlight_timer.start()
            self.list.viewport().update()

    def _reach(self, seq: int, then: Callable[[], None]) -> None:
        """Loads history from the server until the cache holds ``seq``, then calls ``then``."""
        timeline = self.model.timeline
        if timeline is None:
            return
        cid = timeline.conversation_id
        conn = self.connection

        async def load() -> bool:
            while True:
                lowest = conn.cache.lowest_seq(cid)
                if lowest is not None and lowest <= seq:
                    return True
                if not await conn.load_older(cid, 200):
                    return False

        def done(reached: bool) -> None:
            if reached and self.current() == cid:
                then()

        spawn(
            load(),
            name="chat-reach",
            on_done=done,
            on_error=lambda exc: log.info("could not load the history up to %s: %s", seq, exc),
        )

    def scroll_to_bottom(self) -> None:
        """Back to the newest message."""
        timeline = self.model.timeline
        if timeline is not None and not timeline.at_end:
            self.model.reopen_at_end()
        self._stick = True
        self._new = 0
        self.new_button.hide()
        self.list.scrollToBottom()
        self._maybe_mark_read()

    # --- keeping the place ------------------------------------------------------------------

    def _at_bottom(self) -> bool:
        bar = self.list.verticalScrollBar()
        return bar.value() >= bar.maximum() - BOTTOM_SLACK_PX

    def _before_update(self) -> None:
        self._was_bottom = self._stick and self._at_bottom()
        self._anchor = None
        if self._was_bottom:
            return
        index = self._first_visible_message()
        if index is not None:
            key = str(self.model.row(index.row()).key)  # type: ignore[union-attr]
            self._anchor = (key, self.list.visualRect(index).top())

    def _first_visible_message(self) -> QModelIndex | None:
        y = 0
        height = self.list.viewport().height()
        while y < height:
            index = self.list.indexAt(QPoint(self.list.viewport().width() // 2, y))
            if not index.isValid():
                index = self.list.indexAt(QPoint(1, y))
            if index.isValid():
                if isinstance(self.model.row(index.row()), MessageRow):
                    return index
                y = self.list.visualRect(index).bottom() + 1
            else:
                y += 8
        return None

    def _after_update(self) -> None:
        timeline = self.model.timeline
        if self._was_bottom and timeline is not None and timeline.at_end:
            self.list.scrollToBottom()
        elif self._anchor is not None:
            key, top = self._anchor
            row = self.model.row_of(key)
            if row is not None:
                now = self.list.visualRect(self.model.index(row)).top()  # lays out first
                bar = self.list.verticalScrollBar()
                bar.setValue(bar.value() + now - top)
        self._anchor = None
        self._show_state()
        self._edge_timer.start()  # once the layout has settled

    def _on_scroll(self, _value: int) -> None:
        self._stick = self._at_bottom()
        if self._stick and self.model.timeline is not None and self.model.timeline.at_end:
            self._new = 0
            self.new_button.hide()
        self._check_edges()

    def _on_range(self) -> None:
        if self._stick:
            self.list.scrollToBottom()

    def _check_edges(self) -> None:
        """Fetches older history near the top, newer messages near the bottom of a window."""
        timeline = self.model.timeline
        if timeline is None:
            return
        bar = self.list.verticalScrollBar()
        near_top = bar.value() <= self.list.viewport().height() * FETCH_WITHIN_VIEWPORTS
        self.model.set_fetch_allowed(near_top)
        if near_top and self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())
        elif self._at_bottom() and timeline.has_newer():
            self.model.fetch_newer()
        self._update_unread_button()
        self._maybe_mark_read()

    def _show_state(self) -> None:
        timeline = self.model.timeline
        empty = timeline is not None and timeline.empty and not timeline.has_older()
        self.stack.setCurrentWidget(self.empty if empty else self.list)

    def _on_loading(self, loading: bool) -> None:
        self.loading.setVisible(loading)
        self._place_overlays()

    def _update_unread_button(self) -> None:
        timeline = self.model.timeline
        if timeline is None or self._unread_seq is None:
            self.unread_button.hide()
            return
        row = self.model.row_of("unread")
        above = True
        if row is not None:
            rect = self.list.visualRect(self.model.index(row))
            above = rect.bottom() < 0
            if rect.intersects(self.list.viewport().rect()):
                self._unread_seq = None  # seen: the button has done its job
        self.unread_button.setVisible(above and self._unread_seq is not None)
        self._place_overlays()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_overlays()

    def _place_overlays(self) -> None:
        viewport = self.list.viewport().geometry()
        for button in (self.new_button, self.unread_button, self.loading):
            button.adjustSize()
        self.new_button.move(
            viewport.right() - self.new_button.width() - 16,
            viewport.bottom() - self.new_button.height() - 12,
        )
        self.unread_button.move(viewport.center().x() - self.unread_button.width() // 2, 8)
        self.loading.move(viewport.center().x() - self.loading.width() // 2, 8)

    # --- live -------------------------------------------------------------------------------

    def _on_event(self, event: ChatEvent) -> None:
        cid = self.current()
        if cid is None:
            return
        if isinstance(event, EventStored):
            stored = event.event
            if (
                stored.conversation_id == cid
                and stored.kind == "message"
                and stored.sender_id != self.connection.user_id
                and self._is_newest(stored.seq)
                and not (self._stick and self._at_bottom())
            ):
                self._new += 1
                self.new_button.setText(self.tr("↓ {count} new").format(count=self._new))
                self.new_button.show()
                self._place_overlays()
            self._maybe_mark_read()
        elif isinstance(event, SendQueued) and event.item.conversation_id == cid:
            if event.item.command == "message/send":
                self.scroll_to_bottom()  # what we just wrote is where we look
        elif isinstance(event, ConnectionStateChanged) and event.state is ConnectionState.ONLINE:
            self._check_edges()

    def _is_newest(self, seq: int) -> bool:
        timeline = self.model.timeline
        if timeline is None:
            return False
        seqs = timeline.seqs
        return not timeline.at_end or not seqs or seq >= seqs[-1]

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange:
            self._maybe_mark_read()

    def _maybe_mark_read(self) -> None:
        """Moves our read marker when the newest message is on screen in the active window."""
        timeline = self.model.timeline
        if timeline is None or not timeline.at_end or not self._at_bottom():
            return
        if not self.isVisible() or not self.window().isActiveWindow():
            return
        newest = timeline.newest_seq()
        cid = timeline.conversation_id
        if newest is None or newest <= max(timeline.read_seq(), self._marked.get(cid, 0)):
            return
        if self.connection.state is not ConnectionState.ONLINE:
            return
        if self._mark_timer.isActive():
            self._mark_due = True  # at most once a second; the timer comes back for it
            return
        self._marked[cid] = newest
        self._mark_timer.start()
        spawn(
            self.connection.mark_read(cid, newest),
            name="chat-mark-read",
            on_error=lambda exc: self._mark_failed(cid, exc),
        )

    def _mark_failed(self, cid: int, exc: BaseException) -> None:
        log.info("could not mark conversation %s read: %s", cid, exc)
        self._marked.pop(cid, None)  # try again on the next occasion

    def _mark_timer_done(self) -> None:
        if self._mark_due:
            self._mark_due = False
            self._maybe_mark_read()

    def _clear_highlight(self) -> None:
        self.delegate.highlight_key = None
        self.list.viewport().update()

    # --- thumbnails -------------------------------------------------------------------------

    def _want_thumbnail(self, attachment_id: str) -> None:
        thumbnails = self.thumbnails
        if thumbnails is None or attachment_id in self._thumbs_asked:
            return
        self._thumbs_asked.add(attachment_id)

        def done(path: Path | None) -> None:
            if path is None:
                return
            pixmap = QPixmap(str(path))
            if not pixmap.isNull():
                self.delegate.thumbnail_ready(attachment_id, pixmap)
                self.list.viewport().update()

        def failed(exc: BaseException) -> None:
            log.info("no thumbnail for %s: %s", attachment_id, exc)
            self._thumbs_asked.discard(attachment_id)  # asked again when painted next time

        spawn(
            thumbnails.thumbnail(attachment_id),
            name="chat-thumbnail",
            on_done=done,
            on_error=failed,
        )

    # --- what the user does -----------------------------------------------------------------

    def _message_at(self, index: QModelIndex) -> MessageRow | None:
        row = self.model.row(index.row()) if index.isValid() else None
        return row if isinstance(row, MessageRow) else None

    def _on_key(self, event: QKeyEvent) -> None:
        row = self._message_at(self.list.currentIndex())
        if row is None:
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy(row)
        elif row.attachments and row.seq is not None:
            self.attachmentActivated.emit(row.conversation_id, row.seq, row.attachments[0].id)

    def _on_click(self, index: QModelIndex) -> None:
        row = self._message_at(index)
        if row is None:
            return
        hit = self._hit(index)
        if hit is not None and hit[0] == "quote":
            self.scroll_to(int(str(hit[1])))

    def _on_double_click(self, index: QModelIndex) -> None:
        row = self._message_at(index)
        if row is None or row.seq is None:
            return
        hit = self._hit(index)
        if hit is not None and hit[0] == "attachment":
            self.attachmentActivated.emit(row.conversation_id, row.seq, str(hit[1]))
        elif hit is None and len(row.attachments) == 1:
            self.attachmentActivated.emit(row.conversation_id, row.seq, row.attachments[0].id)

    def _hit(self, index: QModelIndex) -> tuple[str, object] | None:
        row = self.model.row(index.row())
        if row is None:
            return None
        pos = self.list.viewport().mapFromGlobal(self.cursor().pos())
        top_left = self.list.visualRect(index).topLeft()
        return self.delegate.hit(row, pos - top_left)

    def copy(self, row: MessageRow) -> None:
        """Puts a message's text on the clipboard."""
        if row.text:
            QGuiApplication.clipboard().setText(row.text)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        row = self._message_at(index)
        if row is None:
            return
        self.list.setCurrentIndex(index)
        hit = self.delegate.hit(row, pos - self.list.visualRect(index).topLeft())
        menu = self.menu_for(row, str(hit[1]) if hit and hit[0] == "attachment" else None)
        menu.popup(self.list.viewport().mapToGlobal(pos))

    def menu_for(self, row: MessageRow, attachment_id: str | None = None) -> QMenu:
        """The context menu of a message (kept in ``menu``; the caller shows it)."""
        if self.menu is not None:
            self.menu.deleteLater()
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.menu = menu
        cid, seq = row.conversation_id, row.seq
        if row.text:
            menu.addAction(self.tr("Copy"), lambda: self.copy(row))
        if row.receipt is Receipt.FAILED and row.client_id is not None:
            client_id = row.client_id
            menu.addAction(self.tr("Retry"), lambda: self._retry(client_id))
            menu.addAction(self.tr("Discard"), lambda: self._discard(client_id))
        if seq is None or row.deleted:
            return menu
        menu.addAction(self.tr("Reply"), lambda: self.replyRequested.emit(cid, seq))
        react = menu.addMenu(self.tr("React"))
        mine = {r.emoji for r in row.reactions if r.mine}
        for emoji in QUICK_REACTIONS:
            action = react.addAction(emoji)
            action.setCheckable(True)
            action.setChecked(emoji in mine)
            action.triggered.connect(partial(self._react_toggled, cid, seq, emoji, emoji in mine))
        for emoji in sorted(mine - set(QUICK_REACTIONS)):
            react.addAction(
                self.tr("Remove {emoji}").format(emoji=emoji),
                partial(self._react, cid, seq, emoji, remove=True),
            )
        if row.own:
            if row.text:
                menu.addAction(self.tr("Edit"), lambda: self.editRequested.emit(cid, seq))
            menu.addAction(self.tr("Delete…"), lambda: self._confirm_delete(cid, seq))
        files = [a for a in row.attachments if attachment_id in (None, a.id)]
        if files:
            menu.addSeparator()
        for attachment in files:
            aid = attachment.id
            menu.addAction(
                self.tr("Open {name}").format(name=attachment.name),
                partial(self.attachmentActivated.emit, cid, seq, aid),
            )
            menu.addAction(
                self.tr("Save {name}…").format(name=attachment.name),
                partial(self.attachmentSaveRequested.emit, cid, seq, aid),
            )
        return menu

    def _react_toggled(
        self, cid: int, seq: int, emoji: str, mine: bool, _checked: bool = False
    ) -> None:
        self._react(cid, seq, emoji, remove=mine)

    def _react(self, cid: int, seq: int, emoji: str, *, remove: bool) -> None:
        spawn(
            self.connection.react(cid, seq, emoji, remove=remove),
            name="chat-react",
            on_error=lambda exc: log.warning("reaction not queued: %s", exc),
        )

    def _confirm_delete(self, cid: int, seq: int) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Delete message"),
            self.tr("Delete this message for everyone? This cannot be undone."),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        delete = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box

        def finished(_code: int) -> None:
            self.dialog = None
            if box.clickedButton() is delete:
                spawn(
                    self.connection.delete_message(cid, seq),
                    name="chat-delete",
                    on_error=lambda exc: log.warning("delete not queued: %s", exc),
                )

        box.finished.connect(finished)
        box.open()

    def _retry(self, client_id: str) -> None:
        spawn(
            self.connection.retry(client_id),
            name="chat-retry",
            on_done=lambda _item: self.model.outbox_changed(),
            on_error=lambda exc: log.warning("retry not queued: %s", exc),
        )

    def _discard(self, client_id: str) -> None:
        if self.connection.outbox.discard(client_id):
            self.model.outbox_changed()
