"""The desktop app's entry point (`roost`, `python -m app`): Qt, asyncio and the first window."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import qasync
from PySide6.QtWidgets import QApplication

from app.paths import default_paths
from app.preferences import LANGUAGES, THEMES
from ui.shell import Shell


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The app's few command-line options (for people who want them, and for screenshots)."""
    parser = argparse.ArgumentParser(prog="roost", description="Roost: your family's chat server.")
    parser.add_argument("--language", choices=LANGUAGES, help="override the saved language")
    parser.add_argument("--theme", choices=THEMES, help="override the saved theme")
    parser.add_argument(
        "--log-level", choices=["debug", "info", "warning", "error"], default="warning"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Runs the app until its window closes.

    Returns:
        The process exit status.
    """
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Roost")
    app.setOrganizationName("Roost")
    app.setDesktopFileName("roost")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    shell = Shell(default_paths().ensure(), language=args.language, theme=args.theme)
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    with loop:
        shell.start()
        loop.run_until_complete(closed.wait())
        loop.run_until_complete(shell.stop())
    return 0


if __name__ == "__main__":
    sys.exit(main())
