"""The player for audio and video attachments, streamed with Range through the loopback proxy."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from app.chat.cache import CachedAttachment
from app.chat.media import MediaFiles
from ui.tasks import spawn


def clock(ms: int) -> str:
    """A position such as 1:05 or 1:02:03."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class PlayerWindow(QWidget):
    """Play/pause, a seek slider and the time; the picture for video; Save as…"""

    def __init__(
        self, media: MediaFiles, attachment: CachedAttachment, parent: QWidget | None = None
    ) -> None:
        # Imported here: media_viewer imports this module for open_attachment.
        from ui.chat.media_viewer import DownloadPanel

        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(attachment.name)
        self._media = media
        self.url: str | None = None
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.video: QVideoWidget | None = None
        if attachment.mime.startswith("video/"):
            self.video = QVideoWidget()
            self.player.setVideoOutput(self.video)
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.setEnabled(False)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.time = QLabel("0:00 / 0:00")
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.save = DownloadPanel(media, attachment)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time)
        column = QVBoxLayout(self)
        if self.video is not None:
            column.addWidget(self.video, 1)
        column.addLayout(controls)
        column.addWidget(self.problem)
        column.addWidget(self.save)
        self._connect_signals()
        self.resize(800, 560 if self.video is not None else 140)
        self._task = spawn(
            media.stream_url(attachment),
            name="media-stream",
            on_done=self._open,
            on_error=self._fail,
        )

    def _connect_signals(self) -> None:
        self.play_button.clicked.connect(self.toggle)
        self.player.durationChanged.connect(self._on_duration)
        self.player.positionChanged.connect(self._on_position)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.errorOccurred.connect(lambda _e, text: self._fail_text(text))
        self.slider.sliderMoved.connect(self.player.setPosition)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.toggle)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)

    def _open(self, url: str) -> None:
        self.url = url
        self.player.setSource(QUrl(url))

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        ready = status in (
            QMediaPlayer.MediaStatus.LoadedMedia,
            QMediaPlayer.MediaStatus.BufferedMedia,
            QMediaPlayer.MediaStatus.BufferingMedia,
            QMediaPlayer.MediaStatus.EndOfMedia,
        )
        self.play_button.setEnabled(ready)
        self.slider.setEnabled(ready and self.player.isSeekable())

    def _on_duration(self, ms: int) -> None:
        self.slider.setRange(0, ms)
        self._on_position(self.player.position())

    def _on_position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time.setText(f"{clock(ms)} / {clock(self.player.duration())}")

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))

    def _fail(self, exc: BaseException) -> None:
        self._fail_text(str(exc))

    def _fail_text(self, reason: str) -> None:
        self.problem.setText(
            self.tr("This cannot be played here ({reason}). Save it to open it elsewhere.").format(
                reason=reason
            )
        )
        self.problem.show()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._task.cancel()
        self.save.cancel()
        self.player.stop()
        self.player.setSource(QUrl())
        if self.url is not None:
            self._media.forget_stream(self.url)
        super().closeEvent(event)
