"""Voice messages: record from the microphone to a file the composer then sends.

Qt's FFmpeg backend encodes AAC but (in the builds we ship) not Opus, so a voice message is an
M4A file with AAC unless the installed backend can write Ogg/Opus. The record button exists
only while the computer has a microphone (``QMediaDevices.audioInputs``).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtMultimedia import (
    QAudioInput,
    QMediaCaptureSession,
    QMediaDevices,
    QMediaFormat,
    QMediaRecorder,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

# Longer recordings are stopped and kept (a voice message, not a podcast).
MAX_SECONDS = 15 * 60


def voice_format() -> tuple[QMediaFormat, str] | None:
    """The container and codec to record with, and the file suffix; None when the backend can
    encode neither Ogg/Opus nor M4A/AAC."""
    probe = QMediaFormat()
    files = probe.supportedFileFormats(QMediaFormat.ConversionMode.Encode)
    for file_format, codec, suffix in (
        (QMediaFormat.FileFormat.Ogg, QMediaFormat.AudioCodec.Opus, ".ogg"),
        (QMediaFormat.FileFormat.Mpeg4Audio, QMediaFormat.AudioCodec.AAC, ".m4a"),
    ):
        if file_format not in files:
            continue
        chosen = QMediaFormat(file_format)
        if codec in chosen.supportedAudioCodecs(QMediaFormat.ConversionMode.Encode):
            chosen.setAudioCodec(codec)
            return chosen, suffix
    return None


def has_microphone() -> bool:
    return bool(QMediaDevices.audioInputs()) and voice_format() is not None


class VoiceRecorder(QWidget):
    """The record button and, while recording, the elapsed time with Cancel and Send.

    Signals:
        recorded(str): the path of a finished recording, to send.
        failed(str): a sentence for the user (no microphone, the recording could not start).
        active(bool): recording started or ended (the composer hides its text meanwhile).
    """

    recorded = Signal(str)
    failed = Signal(str)
    active = Signal(bool)

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._folder = folder
        self._session: QMediaCaptureSession | None = None
        self._recorder: QMediaRecorder | None = None
        self._input: QAudioInput | None = None
        self._started = 0.0
        self._target: Path | None = None
        self._send_when_stopped = False
        self.button = QToolButton()
        self.button.setText("🎤")
        self.button.setToolTip(self.tr("Record a voice message"))
        self.button.setAccessibleName(self.tr("Record a voice message"))
        self.elapsed = QLabel()
        self.cancel = QPushButton(self.tr("Cancel"))
        self.send = QPushButton(self.tr("Send"))
        self.send.setDefault(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.elapsed)
        row.addWidget(self.cancel)
        row.addWidget(self.send)
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._tick)
        self.button.clicked.connect(self.start)
        self.cancel.clicked.connect(lambda: self.stop(send=False))
        self.send.clicked.connect(lambda: self.stop(send=True))
        self._devices = QMediaDevices(self)
        self._devices.audioInputsChanged.connect(self.refresh)
        self._show_recording(False)
        self.refresh()

    @property
    def recording(self) -> bool:
        return self._recorder is not None

    def refresh(self) -> None:
        """Shows the record button only while a microphone exists."""
        self.setVisible(self.recording or has_microphone())

    def start(self) -> None:
        """Starts recording from the default microphone."""
        chosen = voice_format()
        device = QMediaDevices.defaultAudioInput()
        if chosen is None or device.isNull():
            self.failed.emit(self.tr("No microphone was found, so nothing can be recorded."))
            self.refresh()
            return
        media_format, suffix = chosen
        self._folder.mkdir(parents=True, exist_ok=True)
        self._target = self._folder / time.strftime(f"voice-%Y%m%d-%H%M%S{suffix}")
        self._input = QAudioInput(device, self)
        self._session = QMediaCaptureSession(self)
        self._session.setAudioInput(self._input)
        self._recorder = QMediaRecorder(self)
        self._recorder.setMediaFormat(media_format)
        self._recorder.setQuality(QMediaRecorder.Quality.NormalQuality)
        self._recorder.setOutputLocation(QUrl.fromLocalFile(str(self._target)))
        self._recorder.errorOccurred.connect(self._on_error)
        self._recorder.recorderStateChanged.connect(self._on_state)
        self._session.setRecorder(self._recorder)
        self._send_when_stopped = False
        self._started = time.monotonic()
        self._recorder.record()
        self._timer.start()
        self._tick()
        self._show_recording(True)
        self.active.emit(True)

    def stop(self, *, send: bool) -> None:
        """Ends the recording: sent once the file is written, or thrown away."""
        if self._recorder is None:
            return
        self._send_when_stopped = send
        self._timer.stop()
        if self._recorder.recorderState() == QMediaRecorder.RecorderState.StoppedState:
            self._finish()
        else:
            self._recorder.stop()  # _on_state finishes once the file is complete

    def _tick(self) -> None:
        seconds = int(time.monotonic() - self._started)
        self.elapsed.setText(f"● {seconds // 60}:{seconds % 60:02d}")
        if seconds >= MAX_SECONDS:
            self.stop(send=True)

    def _on_state(self, state: QMediaRecorder.RecorderState) -> None:
        if state == QMediaRecorder.RecorderState.StoppedState and self._recorder is not None:
            self._finish()

    def _on_error(self, _error: QMediaRecorder.Error, message: str) -> None:
        self._send_when_stopped = False
        self.failed.emit(self.tr("The recording failed: {reason}").format(reason=message))
        self._finish()

    def _finish(self) -> None:
        recorder, self._recorder = self._recorder, None
        target, self._target = self._target, None
        if recorder is not None:
            actual = recorder.actualLocation().toLocalFile()
            if actual:
                target = Path(actual)
            recorder.deleteLater()
        if self._session is not None:
            self._session.deleteLater()
            self._session = None
        if self._input is not None:
            self._input.deleteLater()
            self._input = None
        self._timer.stop()
        self._show_recording(False)
        self.active.emit(False)
        if target is None:
            return
        if self._send_when_stopped and target.is_file() and target.stat().st_size > 0:
            self.recorded.emit(str(target))
        else:
            target.unlink(missing_ok=True)
        self.refresh()

    def _show_recording(self, on: bool) -> None:
        self.button.setVisible(not on)
        for widget in (self.elapsed, self.cancel, self.send):
            widget.setVisible(on)
