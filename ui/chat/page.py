"""The chat page of one account: conversations (or search) on the left; the open conversation's
header, messages and composer on the right."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from app.chat.account_chat import AccountChat
from app.chat.cache import CachedAttachment
from app.chat.events import (
    ChatEvent,
    ConnectionStateChanged,
    ConversationsUpdated,
    EventStored,
)
from app.chat.header import subtitle
from app.chat.media import MediaFiles
from app.chat.typing import typing_line
from app.chat.wording import conversation_title
from ui.chat.composer import Composer
from ui.chat.conversation_list import ConversationList
from ui.chat.group_settings import GroupSettingsDialog
from ui.chat.header import ConnectionBanner, ConversationHeader
from ui.chat.media_viewer import open_attachment, save_attachment
from ui.chat.message_view import MessageView
from ui.chat.search import SearchPanel


class ChatPage(QWidget):
    """Shows one ``AccountChat``; built again when the language changes, the chat goes on.

    Attributes:
        current: the open conversation's id, or None.
        dialog: the dialog the page opened last (the tests drive it).
    """

    def __init__(self, chat: AccountChat, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chat = chat
        self.current: int | None = None
        self.dialog: QWidget | None = None
        conn = chat.connection
        self.conversations = ConversationList(conn, chat.directory, chat.mutes)
        self.search = SearchPanel(conn.cache, chat.directory, self.title_of)
        self.left = QStackedWidget()
        self.left.addWidget(self.conversations)
        self.left.addWidget(self.search)
        self.left.setMinimumWidth(240)

        self.header = ConversationHeader()
        self.banner = ConnectionBanner()
        self.messages = MessageView(conn, chat.directory, chat.media)
        self.composer = Composer(conn, chat.directory, chat.transfers)
        pane = QWidget()
        column = QVBoxLayout(pane)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        column.addWidget(self.banner)
        column.addWidget(self.messages, 1)
        column.addWidget(self.composer)
        self.empty = QLabel(self.tr("Pick a conversation on the left, or start one with New."))
        self.empty.setObjectName("EmptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.right = QStackedWidget()
        self.right.addWidget(self.empty)
        self.right.addWidget(pane)

        split = QSplitter()
        split.setChildrenCollapsible(False)
        split.addWidget(self.left)
        split.addWidget(self.right)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 700])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

        self._unsubscribe: list[Callable[[], None]] = [
            conn.events.subscribe(self._on_event),
            chat.directory.changed.subscribe(lambda _n: self._show_header()),
            chat.typing.changed.subscribe(self._on_typing),
        ]
        self._connect_signals()
        self.banner.show_state(conn.state, None, None)

    def _connect_signals(self) -> None:
        self.conversations.activated.connect(self.open_conversation)
        self.conversations.settingsRequested.connect(self.open_group_settings)
        self.header.search_requested.connect(self.show_search)
        self.header.settings_requested.connect(self._open_current_settings)
        self.search.closed.connect(self.hide_search)
        self.search.opened.connect(self.open_message)
        self.messages.replyRequested.connect(self.composer.start_reply)
        self.messages.editRequested.connect(self.composer.start_edit)
        self.messages.attachmentActivated.connect(
            lambda cid, seq, aid: self._with_attachment(cid, seq, aid, open_attachment)
        )
        self.messages.attachmentSaveRequested.connect(
            lambda cid, seq, aid: self._with_attachment(cid, seq, aid, save_attachment)
        )
        QShortcut(QKeySequence.StandardKey.Find, self, self.show_search)

    def stop(self) -> None:
        """Stops listening (the page is about to be deleted; the chat goes on)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self.conversations.detach()
        self.messages.model.close()
        self.composer.stop()

    # --- what the user does -----------------------------------------------------------------

    def open_conversation(self, conversation_id: int) -> None:
        self.current = conversation_id
        self.conversations.select(conversation_id)
        self.right.setCurrentIndex(1)
        self._show_header()
        self._on_typing(conversation_id)
        self.messages.show_conversation(conversation_id)
        self.composer.set_conversation(conversation_id)

    def open_message(self, conversation_id: int, seq: int) -> None:
        """Opens a conversation at one message (a search result, a notification)."""
        if conversation_id != self.current:
            self.open_conversation(conversation_id)
        self.messages.scroll_to(seq)

    def show_search(self) -> None:
        self.left.setCurrentWidget(self.search)
        self.search.start()

    def hide_search(self) -> None:
        self.left.setCurrentWidget(self.conversations)

    def open_group_settings(self, conversation_id: int) -> None:
        dialog = GroupSettingsDialog(
            self.chat.connection, self.chat.directory, conversation_id, self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def _open_current_settings(self) -> None:
        if self.current is not None:
            self.open_group_settings(self.current)

    def title_of(self, conversation_id: int) -> str:
        conversation = self.chat.connection.cache.conversation(conversation_id)
        if conversation is None:
            return ""
        return conversation_title(conversation, self.chat.directory, self.chat.connection.user_id)

    # --- keeping up -------------------------------------------------------------------------

    def _on_event(self, event: ChatEvent) -> None:
        if isinstance(event, ConnectionStateChanged):
            self.banner.show_state(event.state, event.retry_in, event.problem)
        elif isinstance(event, ConversationsUpdated) and self.current in event.conversation_ids:
            self._show_header()
        elif (
            isinstance(event, EventStored)
            and event.event.conversation_id == self.current
            and event.event.kind not in ("message", "edit", "reaction", "delete")
        ):
            self._show_header()  # membership, rename, topic

    def _show_header(self) -> None:
        if self.current is None:
            return
        conversation = self.chat.connection.cache.conversation(self.current)
        if conversation is None:
            return
        self.header.show_conversation(
            self.title_of(self.current),
            subtitle(conversation, self.chat.directory, self.chat.connection.user_id),
            is_group=conversation.kind == "group",
        )

    def _on_typing(self, conversation_id: int) -> None:
        if conversation_id == self.current:
            self.header.show_typing(
                typing_line(self.chat.typing, self.chat.directory, conversation_id)
            )

    def _with_attachment(
        self,
        conversation_id: int,
        seq: int,
        attachment_id: str,
        action: Callable[[QWidget, MediaFiles, CachedAttachment], None],
    ) -> None:
        message = self.chat.connection.cache.message(conversation_id, seq)
        if message is None:
            return
        for attachment in message.attachments:
            if attachment.id == attachment_id:
                action(self, self.chat.media, attachment)
                return
