"""The Qt list model of one conversation's messages, kept current from the connection's events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.chat.connection import ChatConnection
from app.chat.directory import Directory
from app.chat.events import ChatEvent, ConnectionState, ConnectionStateChanged
from app.chat.timeline import MessageRow, Row, Timeline
from ui.tasks import spawn

log = logging.getLogger(__name__)

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row itself (a ``timeline`` row dataclass)
KEY_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's key

_Index = QModelIndex | QPersistentModelIndex


class MessageModel(QAbstractListModel):
    """The rows of the open conversation's ``Timeline``.

    Older history comes in through Qt's ``canFetchMore``/``fetchMore`` (cache first, then the
    server). Because a chat grows upwards, the view decides when the top is near and says so
    with ``set_fetch_allowed``: Qt's own calls (made whenever the last row is visible) must not
    page back through the whole history while the user reads the newest messages.

    Signals:
        aboutToUpdate: rows are about to change (the view notes what it shows).
        updated: rows changed (the view puts it back, or stays at the bottom).
        loadingChanged(bool): older history is being fetched from the server.
        conversationChanged: another conversation (or none) is shown.
    """

    aboutToUpdate = Signal()
    updated = Signal()
    loadingChanged = Signal(bool)
    conversationChanged = Signal()

    def __init__(
        self, connection: ChatConnection, directory: Directory, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.connection = connection
        self.directory = directory
        self.timeline: Timeline | None = None
        self._rows: list[Row] = []
        self._source: list[Row] | None = None  # the timeline's list the rows were copied from
        self._row_of: dict[str, int] = {}
        self._fetch_allowed = False
        self.loading = False
        self._loading_task: asyncio.Task[int] | None = None
        self._unsubscribe: list[Callable[[], None]] = [
            connection.events.subscribe(self._on_event),
            directory.changed.subscribe(self._on_names),
        ]

    def close(self) -> None:
        """Stops following the connection and loading (the view is going away)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._loading_task is not None:
            self._loading_task.cancel()
            self._loading_task = None

    # --- what is shown ----------------------------------------------------------------------

    def show(self, conversation_id: int | None) -> None:
        """Shows a conversation's newest messages (or nothing)."""
        self.beginResetModel()
        self.timeline = (
            None
            if conversation_id is None
            else Timeline(self.connection, self.directory, conversation_id)
        )
        self._source = self.timeline.rows() if self.timeline else None
        self._rows = list(self._source or [])
        self._index_keys()
        self.loading = False
        self.endResetModel()
        self.conversationChanged.emit()

    def reopen_at_end(self) -> None:
        """Shows the newest messages again (after the user had scrolled far back)."""
        if self.timeline is not None:
            self.timeline.open_at_end()
            self._reset_rows()

    def open_around(self, seq: int) -> bool:
        """Shows the messages around ``seq`` if the cache holds it."""
        if self.timeline is None or not self.timeline.open_around(seq):
            return False
        self._reset_rows()
        return True

    def _reset_rows(self) -> None:
        self.beginResetModel()
        assert self.timeline is not None
        self._source = self.timeline.rows()
        self._rows = list(self._source)
        self._index_keys()
        self.endResetModel()

    def row(self, index: int) -> Row | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def row_of(self, key: str) -> int | None:
        """The row number of a key, or None."""
        return self._row_of.get(key)

    def row_of_seq(self, seq: int) -> int | None:
        return self._row_of.get(f"m{seq}")

    def last_message_row(self) -> int | None:
        for i in range(len(self._rows) - 1, -1, -1):
            if isinstance(self._rows[i], MessageRow):
                return i
        return None

    def rows(self) -> list[Row]:
        return list(self._rows)

    # --- Qt model ---------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role == KEY_ROLE:
            return row.key
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if isinstance(row, MessageRow):
                return f"{row.sender}: {row.text}" if row.text else row.sender
            return row.label
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        row = self.row(index.row()) if index.isValid() else None
        if isinstance(row, MessageRow):
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.ItemIsEnabled

    def set_fetch_allowed(self, allowed: bool) -> None:
        """The view says whether the user is near the top (where older history belongs)."""
        self._fetch_allowed = allowed

    def canFetchMore(self, parent: _Index) -> bool:
        if parent.isValid() or self.timeline is None or self.loading or not self._fetch_allowed:
            return False
        if self.timeline.waiting_for_server:
            return False  # offline: the connection coming back tries again
        return self.timeline.has_older()

    def fetchMore(self, parent: _Index) -> None:
        if not self.canFetchMore(parent) or self.timeline is None:
            return
        if self.timeline.older_from_cache():
            self.refresh()
            return
        self._load_from_server(self.timeline)

    def fetch_newer(self) -> bool:
        """Reads the page after the window from the cache (the user scrolled back down).

        Returns:
            Whether rows were added.
        """
        if self.timeline is None or not self.timeline.has_newer():
            return False
        added = self.timeline.load_newer()
        self.refresh()
        return added > 0

    def _load_from_server(self, timeline: Timeline) -> None:
        self._set_loading(True)

        def done(_added: int) -> None:
            if timeline is self.timeline:
                self._set_loading(False)
                self.refresh()

        def failed(exc: BaseException) -> None:
            log.warning("loading older messages failed: %s", exc)
            if timeline is self.timeline:
                self._set_loading(False)

        self._loading_task = spawn(
            timeline.load_older(), name="chat-load-older", on_done=done, on_error=failed
        )

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.loadingChanged.emit(loading)

    # --- live updates -----------------------------------------------------------------------

    def _on_event(self, event: ChatEvent) -> None:
        timeline = self.timeline
        if timeline is None:
            return
        if timeline.apply(event):
            self.refresh()
        elif isinstance(event, ConnectionStateChanged) and event.state is ConnectionState.ONLINE:
            self.updated.emit()  # the view may fetch what it could not while offline

    def _on_names(self, _none: None) -> None:
        if self.timeline is not None:
            self.timeline.names_changed()
            self.refresh()

    def outbox_changed(self) -> None:
        """An outbox entry was discarded (no event says so)."""
        if self.timeline is not None:
            self.timeline.outbox_changed()
            self.refresh()

    def refresh(self) -> None:
        """Brings the rows up to date with the timeline, touching only the rows that changed.

        Rows keep their keys, so the difference is found as the common head and tail by key;
        what lies between is removed and inserted, and rows with the same key but new content
        are reported changed.
        """
        if self.timeline is None:
            return
        new = self.timeline.rows()
        if new is self._source:
            return
        self._source = new
        old = self._rows
        self.aboutToUpdate.emit()
        n_old, n_new = len(old), len(new)
        head = 0
        limit = min(n_old, n_new)
        while head < limit and old[head].key == new[head].key:
            head += 1
        tail = 0
        while tail < limit - head and old[n_old - 1 - tail].key == new[n_new - 1 - tail].key:
            tail += 1
        removed_end = n_old - tail  # old[head:removed_end] goes
        inserted_end = n_new - tail  # new[head:inserted_end] comes
        if removed_end > head:
            self.beginRemoveRows(QModelIndex(), head, removed_end - 1)
            self._rows = old[:head] + old[removed_end:]
            self.endRemoveRows()
        if inserted_end > head:
            self.beginInsertRows(QModelIndex(), head, inserted_end - 1)
            self._rows = self._rows[:head] + new[head:inserted_end] + self._rows[head:]
            self.endInsertRows()
        # Same keys, maybe new content (an edit, a reaction, a read receipt, the grouping).
        changed = [
            i
            for i in (*range(head), *range(inserted_end, n_new))
            if self._rows[i] is not new[i] and self._rows[i] != new[i]
        ]
        self._rows = list(new)
        self._index_keys()
        for i in changed:
            index = self.index(i)
            self.dataChanged.emit(index, index, [ROW_ROLE])
        self.updated.emit()

    def _index_keys(self) -> None:
        self._row_of = {r.key: i for i, r in enumerate(self._rows)}
