"""Awaiting a dialog from a coroutine without a nested event loop (``exec`` is not safe there)."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog


async def run_dialog(dialog: QDialog) -> bool:
    """Opens ``dialog`` window-modal and waits until it closes.

    Returns:
        True if it was accepted.
    """
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not done.done():
            done.set_result(code)

    dialog.finished.connect(finished)
    dialog.open()
    return await done == QDialog.DialogCode.Accepted.value
