"""The composer under the messages: text, reply and edit banners, emoji, files, voice, typing.

Files (by the button, dropped, or pasted; a pasted image becomes a PNG) are sent at once, in one
message with what the composer holds as their caption and the reply in progress; their uploads
show in the transfer list underneath.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.chat.connection import ChatConnection, CommandRefused, TooLarge
from app.chat.directory import Directory
from app.chat.events import ChatEvent, ConnectionState, ConversationsUpdated, EventStored
from app.chat.media import files_beside
from app.chat.transfers import TransferRefused, Transfers
from server.protocol.errors import ErrorCode
from ui.chat.emoji_picker import EmojiPicker
from ui.chat.transfer_list import TransferList
from ui.chat.voice import VoiceRecorder
from ui.tasks import spawn

# The composer grows with its text up to this many lines, then scrolls.
MAX_LINES = 6
# protocol 20: the server forwards one typing event per user and conversation every 3 s.
TYPING_EVERY_S = 3.0
QUOTE_CHARS = 80


def local_files(mime: QMimeData) -> list[Path]:
    """The local files among dragged or pasted URLs."""
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


class ComposerEdit(QPlainTextEdit):
    """The text field: Enter sends, Shift+Enter breaks the line, Up and Esc go to the composer,
    dropped or pasted files go to the composer instead of becoming text.

    Signals:
        submit: Enter.
        up_in_empty: Up while empty (edit our last message).
        escape: Esc.
        files(list): local files dropped or pasted.
        image(QImage): an image pasted from the clipboard.
    """

    submit = Signal()
    up_in_empty = Signal()
    escape = Signal()
    files = Signal(list)
    image = Signal(QImage)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        key, mods = event.key(), event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submit.emit()
            return
        if key == Qt.Key.Key_Up and not self.toPlainText():
            self.up_in_empty.emit()
            return
        if key == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:  # noqa: N802
        return (
            bool(local_files(source)) or source.hasImage() or super().canInsertFromMimeData(source)
        )

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802
        files = local_files(source)
        if files:
            self.files.emit(files)
        elif source.hasImage():
            self.image.emit(QImage(source.imageData()))
        else:
            super().insertFromMimeData(source)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.files.emit(files)
        else:
            super().dropEvent(event)


class Banner(QFrame):
    """ "Replying to …" or "Editing", with × to cancel."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ComposerBanner")
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setAccessibleName(self.tr("Cancel"))
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.text, 1)
        row.addWidget(self.close_button)
        self.close_button.clicked.connect(self.closed)


class Composer(QWidget):
    """Writes messages into the open conversation.

    Signals:
        sent: a message, an edit or files went out (to the outbox or the transfers).
    """

    sent = Signal()

    def __init__(
        self,
        connection: ChatConnection,
        directory: Directory,
        transfers: Transfers,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._connection = connection
        self._directory = directory
        self._transfers = transfers
        self._conversation: int | None = None
        self._reply_to: int | None = None
        self._editing: int | None = None
        self._typing_sent = 0.0
        self._typing_off = False
        self._writable = False
        self.outgoing = files_beside(connection.cache.path) / "outgoing"
        self.file_dialog: QFileDialog | None = None

        self.banner = Banner()
        self.editor = ComposerEdit()
        self.editor.setPlaceholderText(self.tr("Write a message…"))
        self.editor.setTabChangesFocus(True)
        self.attach = QToolButton()
        self.attach.setText("📎")
        self.attach.setToolTip(self.tr("Send files"))
        self.attach.setAccessibleName(self.tr("Send files"))
        self.emoji = QToolButton()
        self.emoji.setText("🙂")
        self.emoji.setToolTip(self.tr("Insert an emoji"))
        self.emoji.setAccessibleName(self.tr("Insert an emoji"))
        self.voice = VoiceRecorder(self.outgoing)
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setProperty("role", "primary")
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.left_notice = QLabel(
            self.tr("You are no longer in this conversation, so you cannot write here.")
        )
        self.left_notice.setProperty("role", "muted")
        self.left_notice.setWordWrap(True)
        self.transfer_list = TransferList(transfers)
        self.picker: EmojiPicker | None = None

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.attach, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.emoji, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.editor, 1)
        row.addWidget(self.voice, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 8)
        column.setSpacing(4)
        column.addWidget(self.transfer_list)
        column.addWidget(self.banner)
        column.addWidget(self.problem)
        column.addWidget(self.left_notice)
        column.addLayout(row)
        self.setAcceptDrops(True)
        self.banner.hide()
        self.problem.hide()
        self.left_notice.hide()
        self._fit_height()
        self._unsubscribe = connection.events.subscribe(self._on_event)
        self.destroyed.connect(self._unsubscribe)
        self._connect_signals()
        self.set_conversation(None)

    def _connect_signals(self) -> None:
        self.editor.submit.connect(self.send)
        self.editor.up_in_empty.connect(self._edit_last)
        self.editor.escape.connect(self.cancel_banner)
        self.editor.files.connect(lambda paths: self.send_files(paths))
        self.editor.image.connect(self.send_image)
        self.editor.textChanged.connect(self._on_text_changed)
        self.banner.closed.connect(self.cancel_banner)
        self.send_button.clicked.connect(self.send)
        self.attach.clicked.connect(self.choose_files)
        self.emoji.clicked.connect(self.show_emoji)
        self.voice.recorded.connect(lambda path: self.send_files([Path(path)]))
        self.voice.failed.connect(self._show_problem)
        self.voice.active.connect(lambda on: self.editor.setVisible(not on))

    def stop(self) -> None:
        """Stops listening (the page is going away)."""
        self._unsubscribe()
        self.transfer_list.stop()

    # --- the interface the chat page uses ---------------------------------------------------

    def set_conversation(self, conversation_id: int | None) -> None:
        """Writes into this conversation from now on (None: nothing to write into)."""
        if conversation_id != self._conversation:
            self.editor.clear()
            self._reply_to = self._editing = None
            self.banner.hide()
            self.problem.hide()
        self._conversation = conversation_id
        self.transfer_list.set_conversation(conversation_id)
        self._show_left_state()

    def start_reply(self, conversation_id: int, seq: int) -> None:
        """Shows the reply banner; the next message answers ``seq``."""
        if conversation_id != self._conversation:
            self.set_conversation(conversation_id)
        message = self._connection.cache.message(conversation_id, seq)
        if message is None or message.deleted:
            return
        self._editing = None
        self._reply_to = seq
        quote = (message.text or "").replace("\n", " ")
        if len(quote) > QUOTE_CHARS:
            quote = quote[: QUOTE_CHARS - 1] + "…"
        if not quote and message.attachments:
            quote = ", ".join(a.name for a in message.attachments)
        self.banner.text.setText(
            self.tr("Replying to {name}: {text}").format(
                name=self._directory.name(message.sender_id), text=quote
            )
        )
        self.banner.show()
        self.editor.setFocus()

    def start_edit(self, conversation_id: int, seq: int) -> None:
        """Puts one of our messages into the composer to change its text."""
        if conversation_id != self._conversation:
            self.set_conversation(conversation_id)
        message = self._connection.cache.message(conversation_id, seq)
        me = self._connection.user_id
        if message is None or message.deleted or message.sender_id != me or me is None:
            return
        self._reply_to = None
        self._editing = seq
        self.banner.text.setText(self.tr("Editing your message (Esc to cancel)"))
        self.banner.show()
        self.editor.setPlainText(message.text or "")
        self.editor.moveCursor(QTextCursor.MoveOperation.End)
        self.editor.setFocus()

    # --- what the user does -----------------------------------------------------------------

    @property
    def reply_to(self) -> int | None:
        return self._reply_to

    @property
    def editing(self) -> int | None:
        return self._editing

    def cancel_banner(self) -> None:
        """Esc or ×: no reply, no edit (an edit's text is dropped)."""
        if self._editing is not None:
            self.editor.clear()
        self._reply_to = self._editing = None
        self.banner.hide()

    def send(self) -> None:
        """Sends the text (or the edit)."""
        cid = self._conversation
        text = self.editor.toPlainText()
        if cid is None or not self._writable or not text.strip():
            return
        editing, reply_to = self._editing, self._reply_to
        if editing is not None:
            work = self._connection.edit_message(cid, editing, text)
        else:
            work = self._connection.send_message(cid, text, reply_to=reply_to)
        self.editor.clear()
        self._reply_to = self._editing = None
        self.banner.hide()
        self.problem.hide()
        spawn(work, name="composer-send", on_error=lambda exc: self._send_failed(text, exc))
        self.sent.emit()

    def send_files(self, paths: Sequence[Path]) -> None:
        """Uploads files and sends them, with the text and reply as caption."""
        cid = self._conversation
        if cid is None or not self._writable or not paths:
            return
        if self._editing is not None:
            self._show_problem(self.tr("Finish or cancel the edit before sending files."))
            return
        text = self.editor.toPlainText().strip()
        try:
            self._transfers.send_files(cid, list(paths), text=text, reply_to=self._reply_to)
        except TransferRefused as exc:
            self._show_problem(str(exc))
            return
        self.editor.clear()
        self._reply_to = None
        self.banner.hide()
        self.problem.hide()
        self.sent.emit()

    def send_image(self, image: QImage) -> None:
        """A pasted image: saved as PNG, then sent like a file."""
        if image.isNull() or self._conversation is None:
            return
        self.outgoing.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.outgoing / f"pasted-{stamp}-{uuid.uuid4().hex[:6]}.png"
        if not image.save(str(path)):  # PNG, from the suffix
            self._show_problem(self.tr("The pasted image could not be saved."))
            return
        self.send_files([path])

    def choose_files(self) -> None:
        """The file dialog (Qt's own, opened with open(): never a nested loop)."""
        dialog = QFileDialog(self, self.tr("Send files"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.filesSelected.connect(lambda names: self.send_files([Path(n) for n in names]))
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()

    def show_emoji(self) -> None:
        if self.picker is None:
            self.picker = EmojiPicker(self)
            self.picker.picked.connect(self.insert_emoji)
        self.picker.popup_at(self.emoji)

    def insert_emoji(self, emoji: str) -> None:
        self.editor.insertPlainText(emoji)
        self.editor.setFocus()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if local_files(event.mimeData()) and self._writable:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.send_files(files)

    # --- inner workings ---------------------------------------------------------------------

    def _edit_last(self) -> None:
        cid, me = self._conversation, self._connection.user_id
        if cid is None or me is None:
            return
        for message in reversed(self._connection.cache.messages(cid, limit=50)):
            if message.sender_id == me and not message.deleted and message.text:
                self.start_edit(cid, message.seq)
                return

    def _send_failed(self, text: str, exc: BaseException) -> None:
        if not self.editor.toPlainText():
            self.editor.setPlainText(text)  # nothing typed since: give the text back
        if isinstance(exc, TooLarge):
            self._show_problem(self.tr("This message is too long. Shorten it or split it."))
        else:
            self._show_problem(self.tr("This message could not be sent. Try again."))

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def _on_text_changed(self) -> None:
        self._fit_height()
        cid = self._conversation
        if (
            cid is None
            or self._typing_off
            or self._editing is not None
            or not self.editor.toPlainText()
            or self._connection.state is not ConnectionState.ONLINE
        ):
            return
        now = time.monotonic()
        if now - self._typing_sent < TYPING_EVERY_S:
            return
        self._typing_sent = now
        spawn(self._connection.typing(cid), name="typing", on_error=self._typing_failed)

    def _typing_failed(self, exc: BaseException) -> None:
        # The owner turned typing notifications off (protocol 20): stop asking.
        if isinstance(exc, CommandRefused) and exc.code == ErrorCode.FEATURE_DISABLED:
            self._typing_off = True

    def _fit_height(self) -> None:
        lines = max(1, min(MAX_LINES, self.editor.document().lineCount()))
        metrics = QFontMetrics(self.editor.font())
        frame = 2 * self.editor.frameWidth() + int(self.editor.document().documentMargin() * 2)
        self.editor.setFixedHeight(metrics.lineSpacing() * lines + frame + 4)

    def _on_event(self, event: ChatEvent) -> None:
        cid = self._conversation
        listed = isinstance(event, ConversationsUpdated) and cid in event.conversation_ids
        stored = isinstance(event, EventStored) and event.event.conversation_id == cid
        if listed or stored:
            self._show_left_state()

    def _show_left_state(self) -> None:
        cid = self._conversation
        conversation = self._connection.cache.conversation(cid) if cid is not None else None
        left = conversation is not None and conversation.left
        writable = self._writable = cid is not None and not left
        for widget in (self.editor, self.attach, self.emoji, self.voice, self.send_button):
            widget.setEnabled(writable)
        self.left_notice.setVisible(left)
