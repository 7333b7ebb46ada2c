"""Opening an attachment: an image viewer, a player for audio and video, or "Save as"."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QKeySequence,
    QPixmap,
    QResizeEvent,
    QShortcut,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.chat.cache import CachedAttachment
from app.chat.media import MediaFiles
from app.chat.transfers import TransferProblem
from app.monitoring.units import format_bytes
from app.net.explain import explain
from ui.chat.media_player import PlayerWindow
from ui.tasks import spawn

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.05, 20.0


def kind_of(attachment: CachedAttachment) -> str:
    """``image``, ``video``, ``audio`` or ``file`` (SVG is a file: it is never rendered)."""
    top = attachment.mime.split("/", 1)[0]
    if top == "image" and attachment.mime != "image/svg+xml":
        return "image"
    if top in ("video", "audio"):
        return top
    return "file"


def download_words(exc: BaseException) -> str:
    """Why a download stopped, for the user."""
    if isinstance(exc, TransferProblem):
        return str(exc)
    if isinstance(exc, OSError):
        return QCoreApplication.translate(
            "MediaViewer", "The file could not be written: {reason}"
        ).format(reason=exc.strerror or str(exc))
    return explain(exc)


class DownloadPanel(QWidget):
    """ "Save as…" with its progress and what went wrong; one download at a time.

    Signals:
        saved(str): the file was written and verified.
    """

    saved = Signal(str)

    def __init__(
        self, media: MediaFiles, attachment: CachedAttachment, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._media = media
        self._attachment = attachment
        self._task: asyncio.Task[Path] | None = None
        self.dialog: QFileDialog | None = None
        self.save_button = QPushButton(self.tr("Save as…"))
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 1)
        row.addWidget(self.bar)
        row.addWidget(self.save_button)
        self.bar.hide()
        self.save_button.clicked.connect(self.choose)

    def choose(self) -> None:
        """Asks where to save (Qt's own dialog, opened with open())."""
        dialog = QFileDialog(self, self.tr("Save as"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.selectFile(self._attachment.name)
        dialog.fileSelected.connect(lambda name: self.save_to(Path(name)))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def save_to(self, dest: Path) -> None:
        if self._task is not None and not self._task.done():
            return
        self.save_button.setEnabled(False)
        self.bar.setValue(0)
        self.bar.show()
        self.status.setProperty("role", "")
        self.status.setText(self.tr("Saving {name}…").format(name=dest.name))
        self._task = spawn(
            self._media.download(self._attachment, dest, self._progress),
            name="save-attachment",
            on_done=self._done,
            on_error=self._failed,
        )

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _progress(self, have: int, size: int) -> None:
        self.bar.setValue(round(1000 * have / size) if size else 1000)
        self.status.setText(
            self.tr("{done} of {size}").format(done=format_bytes(have), size=format_bytes(size))
        )

    def _done(self, path: Path) -> None:
        self.bar.hide()
        self.save_button.setEnabled(True)
        self.status.setText(self.tr("Saved to {path}").format(path=str(path)))
        self.saved.emit(str(path))

    def _failed(self, exc: BaseException) -> None:
        self.bar.hide()
        self.save_button.setEnabled(True)
        self.status.setProperty("role", "error")
        self.status.setText(
            self.tr("Not saved: {reason} Try again to continue where it stopped.").format(
                reason=download_words(exc)
            )
        )


class ImageView(QGraphicsView):
    """The picture: fits the window until zoomed; the wheel zooms, dragging pans."""

    zoomed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scene = QGraphicsScene(self)
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._item)
        self.setScene(self._scene)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.zoom = 1.0
        self.fitting = True

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self._item.setPixmap(pixmap)
        self._scene.setSceneRect(self._item.boundingRect())
        self.fit()

    def fit(self) -> None:
        """The whole picture in the window (never enlarged past 100 %)."""
        self.fitting = True
        rect = self._item.boundingRect()
        if rect.isEmpty():
            return
        view = self.viewport().rect()
        scale = min(1.0, view.width() / rect.width(), view.height() / rect.height())
        self._apply(scale)

    def actual_size(self) -> None:
        self.fitting = False
        self._apply(1.0)

    def zoom_by(self, factor: float) -> None:
        self.fitting = False
        self._apply(self.zoom * factor)

    def _apply(self, zoom: float) -> None:
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self.setTransform(QTransform.fromScale(self.zoom, self.zoom))
        self.zoomed.emit(self.zoom)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt's name)
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP**steps)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.fitting:
            self.fit()


class ImageViewer(QWidget):
    """A window with one picture: Fit, −, +, 100 %, Save as…"""

    def __init__(
        self, media: MediaFiles, attachment: CachedAttachment, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(attachment.name)
        self._media = media
        self._attachment = attachment
        self.view = ImageView()
        self.loading = QProgressBar()
        self.loading.setRange(0, 1000)
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.fit_button = QPushButton(self.tr("Fit"))
        self.zoom_out = QPushButton("−")
        self.zoom_out.setAccessibleName(self.tr("Zoom out"))
        self.zoom_in = QPushButton("+")
        self.zoom_in.setAccessibleName(self.tr("Zoom in"))
        self.actual = QPushButton(self.tr("100 %"))
        self.zoom_label = QLabel()
        self.save = DownloadPanel(media, attachment)
        tools = QHBoxLayout()
        for widget in (self.fit_button, self.zoom_out, self.zoom_in, self.actual):
            tools.addWidget(widget)
        tools.addWidget(self.zoom_label)
        tools.addWidget(self.save, 1)
        column = QVBoxLayout(self)
        column.addWidget(self.view, 1)
        column.addWidget(self.loading)
        column.addWidget(self.problem)
        column.addLayout(tools)
        self.fit_button.clicked.connect(self.view.fit)
        self.zoom_in.clicked.connect(lambda: self.view.zoom_by(ZOOM_STEP))
        self.zoom_out.clicked.connect(lambda: self.view.zoom_by(1 / ZOOM_STEP))
        self.actual.clicked.connect(self.view.actual_size)
        self.view.zoomed.connect(lambda z: self.zoom_label.setText(f"{round(z * 100)} %"))
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, lambda: self.view.zoom_by(ZOOM_STEP))
        QShortcut(QKeySequence("="), self, lambda: self.view.zoom_by(ZOOM_STEP))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, lambda: self.view.zoom_by(1 / ZOOM_STEP))
        QShortcut(QKeySequence("-"), self, lambda: self.view.zoom_by(1 / ZOOM_STEP))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self.resize(900, 700)
        self._task = spawn(
            media.content(attachment, self._progress),
            name="open-image",
            on_done=self._show,
            on_error=self._failed,
        )

    @property
    def loaded(self) -> bool:
        return not self.loading.isVisible() and not self.problem.isVisible()

    def _progress(self, have: int, size: int) -> None:
        self.loading.setValue(round(1000 * have / size) if size else 1000)

    def _show(self, path: Path) -> None:
        pixmap = QPixmap(str(path))
        self.loading.hide()
        if pixmap.isNull():
            self._problem(self.tr("This picture cannot be shown. Save it to open it elsewhere."))
            return
        self.view.set_pixmap(pixmap)

    def _failed(self, exc: BaseException) -> None:
        self.loading.hide()
        self._problem(
            self.tr("The picture could not be loaded: {reason}").format(reason=download_words(exc))
        )

    def _problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._task.cancel()
        self.save.cancel()
        super().closeEvent(event)


class SaveWindow(QWidget):
    """For a file the app does not show: its name and size, and Save as… with progress."""

    def __init__(
        self, media: MediaFiles, attachment: CachedAttachment, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(attachment.name)
        self.label = QLabel(f"{attachment.name} · {format_bytes(attachment.size)}")
        self.save = DownloadPanel(media, attachment)
        column = QVBoxLayout(self)
        column.addWidget(self.label)
        column.addWidget(self.save)
        self.resize(480, 120)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save.cancel()
        super().closeEvent(event)


def open_attachment(parent: QWidget, media: MediaFiles, attachment: CachedAttachment) -> None:
    """Opens an attachment the way its type calls for: a picture in the viewer, audio and video
    in the player (streamed), anything else straight to "Save as"."""
    kind = kind_of(attachment)
    window: QWidget
    if kind == "image":
        window = ImageViewer(media, attachment, parent)
    elif kind in ("video", "audio"):
        window = PlayerWindow(media, attachment, parent)
    else:
        save_attachment(parent, media, attachment)
        return
    window.show()


def save_attachment(parent: QWidget, media: MediaFiles, attachment: CachedAttachment) -> None:
    """Asks where to save an attachment, then downloads it there with progress."""
    saver = SaveWindow(media, attachment, parent)
    saver.show()
    saver.save.choose()
