"""The desktop app's entry point (`roost`, `python -m app`): Qt, asyncio and the first window."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import qasync
from PySide6.QtWidgets import QApplication

from app.discovery.browser import Discovery
from app.paths import default_paths
from app.preferences import LANGUAGES, THEMES
from ui.gc_main_thread import MainThreadGarbageCollector
from ui.shell import Shell


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The app's few command-line options (for people who want them, and for screenshots)."""
    parser = argparse.ArgumentParser(prog="roost", description="Roost: your family's chat server.")
    parser.add_argument("--language", choices=LANGUAGES, help="override the saved language")
    parser.add_argument("--theme", choices=THEMES, help="override the saved theme")
    parser.add_argument(
        "--log-level", choices=["debug", "info", "warning", "error"], default="warning"
    )
    parser.add_argument(
        "--discovery-interface",
        action="append",
        metavar="IP",
        help="look for servers only on the network interface with this address (repeatable)",
    )
    parser.add_argument(
        "link", nargs="?", help="an invite link (roost://join?...) to open at start"
    )
    args = parser.parse_args(argv)
    for ip in args.discovery_interface or []:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            parser.error(f"--discovery-interface needs an IP address, not {ip!r}")
    if args.link is not None and not args.link.strip().lower().startswith("roost://"):
        parser.error(f"not a Roost link: {args.link!r} (invite links start with roost://join)")
    return args


@dataclass
class Running:
    """The pieces of a started app (also used by bench/startup.py to time the first paint)."""

    app: QApplication
    loop: qasync.QEventLoop
    shell: Shell


def new_loop(app: QApplication) -> qasync.QEventLoop:
    """An asyncio loop that runs inside Qt's, with plain threads for blocking work.

    WORKAROUND: qasync's default executor runs blocking calls (every REST request) on QThreads
    that are torn down with the loop; under load that crashed the interpreter when loops came
    and went (as in the tests). A standard thread pool has no Qt objects to outlive.
    """
    loop = qasync.QEventLoop(app)
    loop.set_default_executor(ThreadPoolExecutor(max_workers=4, thread_name_prefix="roost-io"))
    return loop


def build(argv: list[str]) -> Running:
    """Creates the application, the asyncio loop on top of Qt's, and the shell (not shown yet)."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Roost")
    app.setOrganizationName("Roost")
    app.setDesktopFileName("roost")
    collector = MainThreadGarbageCollector(app)
    loop = new_loop(app)
    asyncio.set_event_loop(loop)
    shell = Shell(
        default_paths().ensure(),
        language=args.language,
        theme=args.theme,
        discovery=Discovery(interfaces=args.discovery_interface),
        initial_link=args.link,
        settled=collector.freeze,
    )
    return Running(app=app, loop=loop, shell=shell)


def run(running: Running) -> int:
    """Shows the window and runs until it closes; then stops what the app started."""
    closed = asyncio.Event()
    running.app.aboutToQuit.connect(closed.set)
    with running.loop:
        running.shell.start()
        running.loop.run_until_complete(closed.wait())
        running.loop.run_until_complete(running.shell.stop())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Runs the app until its window closes.

    Returns:
        The process exit status.
    """
    return run(build(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
