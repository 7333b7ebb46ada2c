"""The QR widget encodes what it is given, readable: dark modules on white with a quiet zone."""

from __future__ import annotations

import segno
from pytestqt.qtbot import QtBot

from ui.widgets.qr import QrCode


def test_qr_draws_the_matrix_of_its_data(qtbot: QtBot) -> None:
    data = "otpauth://totp/Roost:mum?secret=JBSWY3DPEHPK3PXP&issuer=Roost"
    w = QrCode(data, size=240)
    qtbot.addWidget(w)
    w.resize(240, 240)
    image = w.grab().toImage()
    matrix = segno.make(data, error="m").matrix
    modules = len(matrix) + 8
    cell = 240 / modules
    # Sample the centre of every module and compare with segno's matrix.
    wrong = 0
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            px = image.pixelColor(int((x + 4.5) * cell), int((y + 4.5) * cell))
            wrong += (px.lightness() < 128) != bool(dark)
    assert wrong == 0
    # The quiet zone is white.
    assert image.pixelColor(2, 2).lightness() > 200


def test_empty_qr_paints_nothing(qtbot: QtBot) -> None:
    w = QrCode("x", size=120)
    qtbot.addWidget(w)
    w.set_data("")
    assert w.data == ""
    image = w.grab().toImage()
    # No white quiet zone and no dark modules: the widget's own background only.
    background = w.palette().color(w.backgroundRole())
    assert all(
        image.pixelColor(x, y) == background for x in range(0, 120, 7) for y in range(0, 120, 7)
    )
