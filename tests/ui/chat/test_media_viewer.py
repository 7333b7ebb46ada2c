"""Opening attachments against a real server: the image viewer zooms, audio plays through the
loopback Range stream, other files are saved."""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.chat.cache import CachedAttachment
from app.chat.media import MediaFiles
from app.chat.transfers import Transfers
from tests.ui.chat.people import ChatPerson, chat_people
from tests.ui.conftest import until
from tests.ui.helpers import ThreadServer
from ui.chat.media_player import PlayerWindow
from ui.chat.media_viewer import ImageViewer, SaveWindow, open_attachment


@pytest.fixture
async def family(tsrv: ThreadServer, tmp_path: Path) -> AsyncIterator[list[ChatPerson]]:
    async with chat_people(tsrv, tmp_path, [("mum", "Mum"), ("dad", "Dad")]) as people:
        yield people


@pytest.fixture
async def sent(
    family: list[ChatPerson], tmp_path: Path
) -> AsyncIterator[tuple[list[ChatPerson], Transfers, MediaFiles, int]]:
    """Mum's transfers, dad's media files, and their direct conversation."""
    mum, dad = family
    transfers = Transfers(mum.connection, mum.api, retry_delays=(0.05,))
    transfers.start()
    media = MediaFiles(dad.api, tmp_path / "dad-media")
    cid = (await mum.connection.create_direct(dad.user_id)).id
    yield family, transfers, media, cid
    await transfers.close()
    await media.close()


async def _arrived(
    sent: tuple[list[ChatPerson], Transfers, MediaFiles, int], path: Path
) -> CachedAttachment:
    (mum, dad), transfers, _media, cid = sent
    before = len(dad.connection.cache.messages(cid))
    transfers.send_files(cid, [path])
    await until(lambda: len(dad.connection.cache.messages(cid)) > before, what="the file")
    [attachment] = dad.connection.cache.messages(cid)[-1].attachments
    return attachment


def _parent(qtbot: QtBot) -> QWidget:
    parent = QWidget()
    qtbot.addWidget(parent)
    return parent


def _tone(path: Path, seconds: float = 1.5) -> Path:
    """A short 440 Hz WAV, small enough to send in a test."""
    rate = 8000
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(rate * seconds))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


async def test_an_image_opens_fitted_and_zooms(
    qtbot: QtBot, sent: tuple[list[ChatPerson], Transfers, MediaFiles, int], tmp_path: Path
) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (1600, 1200), (30, 90, 160)).save(buf, "PNG")
    (tmp_path / "lake.png").write_bytes(buf.getvalue())
    attachment = await _arrived(sent, tmp_path / "lake.png")
    media = sent[2]
    parent = _parent(qtbot)

    open_attachment(parent, media, attachment)
    [viewer] = parent.findChildren(ImageViewer)
    await until(lambda: viewer.loaded, what="the picture")
    fitted = viewer.view.zoom
    assert fitted < 1.0  # 1600 px wide in a 900 px window
    viewer.zoom_in.click()
    assert viewer.view.zoom == pytest.approx(fitted * 1.25)
    wheel = QWheelEvent(
        QPointF(50, 50),
        QPointF(viewer.view.mapToGlobal(QPoint(50, 50))),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewer.view.viewport(), wheel)
    assert viewer.view.zoom == pytest.approx(fitted * 1.25**3)
    viewer.actual.click()
    assert viewer.view.zoom == 1.0 and viewer.zoom_label.text() == "100 %"
    viewer.fit_button.click()
    assert viewer.view.zoom == pytest.approx(fitted)
    # The viewed file is kept: opening it again needs no download.
    assert media.cached_content(attachment) is not None

    viewer.save.save_to(tmp_path / "saved" / "lake.png")
    await until(lambda: (tmp_path / "saved" / "lake.png").exists(), what="save as")
    assert (tmp_path / "saved" / "lake.png").read_bytes() == buf.getvalue()
    viewer.close()


async def test_audio_plays_through_the_range_stream(
    qtbot: QtBot, sent: tuple[list[ChatPerson], Transfers, MediaFiles, int], tmp_path: Path
) -> None:
    attachment = await _arrived(sent, _tone(tmp_path / "hello.wav"))
    assert attachment.mime.startswith("audio/")
    parent = _parent(qtbot)

    open_attachment(parent, sent[2], attachment)
    [player] = parent.findChildren(PlayerWindow)
    await until(lambda: player.url is not None, what="the stream's URL")
    assert player.url is not None and player.url.startswith("http://127.0.0.1:")
    # Qt's FFmpeg backend reads the WAV header through the proxy and learns its length.
    await until(
        lambda: (
            player.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia
            or bool(player.problem.text())
        ),
        what="the player to load",
    )
    assert not player.problem.text(), player.problem.text()
    assert 1400 <= player.player.duration() <= 1600
    assert player.play_button.isEnabled()
    assert player.time.text().endswith("/ 0:01")
    player.close()


async def test_other_files_go_to_save_as(
    qtbot: QtBot, sent: tuple[list[ChatPerson], Transfers, MediaFiles, int], tmp_path: Path
) -> None:
    (tmp_path / "tax.bin").write_bytes(b"\x00\x01binary" * 1000)
    attachment = await _arrived(sent, tmp_path / "tax.bin")
    parent = _parent(qtbot)

    open_attachment(parent, sent[2], attachment)
    [window] = parent.findChildren(SaveWindow)
    dialog = window.save.dialog
    assert dialog is not None and dialog.isVisible()
    target = tmp_path / "out" / "tax.bin"
    dialog.fileSelected.emit(str(target))
    dialog.close()
    # The label follows the file's rename on a later turn of the loop: wait for it too.
    await until(lambda: "Saved to" in window.save.status.text(), what="the saved status")
    assert target.read_bytes() == (tmp_path / "tax.bin").read_bytes()
    window.close()
