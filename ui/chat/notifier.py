"""The tray icon with the unread count, desktop notifications and the message sound, for every
signed-in account at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRect, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from app.chat.account_chat import AccountChat
from app.chat.events import (
    ChatEvent,
    ConversationsUpdated,
    EventStored,
    MessageReceived,
    ReadMarkerMoved,
)
from app.chat.notifications import Notice, Situation, notice_for, unread_total
from ui import icons

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QSoundEffect

SOUND = Path(__file__).resolve().parents[2] / "resources" / "sounds" / "message.wav"


class ChatNotifier(QObject):
    """Watches the accounts' connections and tells the user about new messages.

    Attributes:
        notices: every notification decided on, newest last (the tray may be missing: the
            decision is still made, and the window flashes in the taskbar instead).
        unread: the tray's count over all accounts.

    Signals:
        open_requested(str, int, int): the user clicked a notification (account key,
            conversation id, seq).
    """

    open_requested = Signal(str, int, int)

    def __init__(
        self,
        window: QWidget,
        *,
        show_text: Callable[[], bool],
        sound: Callable[[], bool],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._show_text = show_text
        self._sound_on = sound
        self._chats: dict[str, tuple[AccountChat, Callable[[], None]]] = {}
        self._sound: QSoundEffect | None = None
        self.notices: list[tuple[str, Notice]] = []
        self.unread = 0
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icons.app_icon(), self)
            menu = QMenu()
            menu.addAction(self.tr("Open Roost"), self._raise_window)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda _reason: self._raise_window())
            self.tray.messageClicked.connect(self._open_last)
            self.tray.show()
        self._update_count()

    def add(self, chat: AccountChat) -> None:
        self.remove(chat.key)
        unsubscribe = chat.connection.events.subscribe(lambda e: self._on(chat, e))
        self._chats[chat.key] = (chat, unsubscribe)
        self._update_count()

    def remove(self, key: str) -> None:
        entry = self._chats.pop(key, None)
        if entry is not None:
            entry[1]()
            self._update_count()

    def close(self) -> None:
        for key in list(self._chats):
            self.remove(key)
        if self.tray is not None:
            self.tray.hide()

    def _on(self, chat: AccountChat, event: ChatEvent) -> None:
        if isinstance(event, MessageReceived):
            self._notify(chat, event)
        if isinstance(event, MessageReceived | ReadMarkerMoved | ConversationsUpdated):
            self._update_count()
        elif isinstance(event, EventStored) and event.event.kind != "message":
            self._update_count()  # a deletion or a leave can change the count too

    def _notify(self, chat: AccountChat, received: MessageReceived) -> None:
        event = received.event
        cache = chat.connection.cache
        message = cache.message(event.conversation_id, event.seq)
        notice = notice_for(
            cache.conversation(event.conversation_id),
            seq=event.seq,
            sender_id=event.sender_id,
            text=message.text if message is not None else None,
            attachments=message.attachments if message is not None else (),
            muted=chat.mutes.is_muted(event.conversation_id),
            directory=chat.directory,
            situation=Situation(
                window_active=self._window.isActiveWindow(),
                show_text=self._show_text(),
            ),
        )
        if notice is None:
            return
        self.notices.append((chat.key, notice))
        del self.notices[:-20]
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(notice.title, notice.body, icons.app_icon(), 8000)
        else:
            QApplication.alert(self._window)
        if self._sound_on():
            self._play()

    def _play(self) -> None:
        if self._sound is None:
            # Imported on the first notification: QtMultimedia costs start-up time.
            from PySide6.QtMultimedia import QSoundEffect

            self._sound = QSoundEffect(self)
            self._sound.setSource(QUrl.fromLocalFile(str(SOUND)))
            self._sound.setVolume(0.6)
        self._sound.play()

    def _update_count(self) -> None:
        total = 0
        for chat, _ in self._chats.values():
            cache = chat.connection.cache
            conversations = cache.conversations()
            total += unread_total(
                conversations, [c.id for c in conversations if chat.mutes.is_muted(c.id)]
            )
        self.unread = total
        self._window.setWindowTitle(f"Roost ({total})" if total else "Roost")
        if self.tray is not None:
            self.tray.setIcon(_badged(icons.app_icon(), total))
            self.tray.setToolTip(
                self.tr("Roost: {count} unread").format(count=total) if total else "Roost"
            )

    def _raise_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()

    def _open_last(self) -> None:
        if not self.notices:
            return
        key, notice = self.notices[-1]
        self._raise_window()
        self.open_requested.emit(key, notice.conversation_id, notice.seq)


def _badged(base: QIcon, count: int) -> QIcon:
    """The app icon with the count in a red disc (what trays everywhere do)."""
    if count <= 0:
        return base
    size = 64
    pm = base.pixmap(size, size)
    painter = QPainter(pm)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    disc = QRect(size // 3, 0, size * 2 // 3, size * 2 // 3)
    painter.setBrush(QColor("#d93025"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(disc)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(size // 3 if count < 100 else size // 4)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, str(count) if count < 100 else "99+")
    painter.end()
    return QIcon(pm)
