"""Documentation screenshots of the desktop app, driven through its real flows.

For each language (en, zh_CN) and theme (light, dark) a fresh `Shell` is built, and every page
and dialog step is reached the way a person would reach it, against real servers (each on its own
thread, as in tests/ui) and a sandbox Pi reached over real SSH (tests/helpers/ssh_pi.py). Each
step is saved with ``widget.grab()`` as ``<page>-<lang>-<theme>.png``.

Run under a real X server::

    xvfb-run -a -s "-screen 0 1280x900x24 -nolisten tcp" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python scripts/screenshots.py [--out docs/images] [--only en-light,zh-dark]

Nothing touches the real home: the app's files live in a temporary ROOST_APP_HOME, sign-ins are
remembered in an in-memory keyring.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

import pyotp  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QWidget,
)

from app.accounts.credentials import Credentials  # noqa: E402
from app.home import Action, EntryKind, HomeEntry, PiSeen, ServerSeen  # noqa: E402
from app.paths import AppPaths  # noqa: E402
from app.provision.bundle import PACKAGING, Bundle, build_wheel_blocking  # noqa: E402
from app.provision.installer import Installer  # noqa: E402
from app.provision.steps import Step  # noqa: E402
from tests.helpers.keyring_memory import MemoryKeyring  # noqa: E402
from tests.helpers.ssh_pi import (  # noqa: E402
    PASSWORD as PI_PASSWORD,
)
from tests.helpers.ssh_pi import (  # noqa: E402
    USERNAME as PI_USERNAME,
)
from tests.helpers.ssh_pi import (  # noqa: E402
    build_wheelhouse_blocking,
    sandbox_pi,
)
from tests.ui.helpers import ThreadServer, thread_server  # noqa: E402
from ui.dialogs.invite import InviteDialog  # noqa: E402
from ui.dialogs.join import JoinDialog  # noqa: E402
from ui.dialogs.sign_in import SignInDialog  # noqa: E402
from ui.dialogs.trust import TrustDialog  # noqa: E402
from ui.gc_main_thread import MainThreadGarbageCollector  # noqa: E402
from ui.main import new_loop  # noqa: E402
from ui.pages.home import HomePage  # noqa: E402
from ui.shell import Shell  # noqa: E402
from ui.widgets.step_list import StepState  # noqa: E402
from ui.wizards.claim import ClaimDialog  # noqa: E402
from ui.wizards.install import InstallDialog  # noqa: E402
from ui.wizards.step_dialog import StepDialog  # noqa: E402

PASSWORD = "a long family passphrase"  # noqa: S105 (sample data)
CACHE = ROOT / ".pytest_cache" / "d"
D = TypeVar("D", bound=QWidget)


@dataclass(frozen=True)
class Sample:
    """The friendly sample data of one language."""

    server: str
    owner: str
    member: str
    long_server: str


SAMPLES = {
    "en": Sample(
        server="Chen family",
        owner="Mum",
        member="Grandma Li",
        long_server="The Extended Wu–Hernández Family Chat Server at Grandma's House",
    ),
    "zh_CN": Sample(
        server="陈家",
        owner="妈妈",
        member="李奶奶",
        # 57 characters (a server name may have up to 64).
        long_server="吴–埃尔南德斯大家庭的聊天服务器，放在奶奶家客厅电视柜旁边那台小小的树莓派上，"
        "欢迎所有亲戚朋友们常回来一起聊聊天吧",
    ),
}
SHORT_LANG = {"en": "en", "zh_CN": "zh"}
COMBOS = [(lang, theme) for lang in ("en", "zh_CN") for theme in ("light", "dark")]


# -- small helpers -------------------------------------------------------------------------------


class DesktopKeyring(MemoryKeyring):
    """The in-memory keyring, named as the one a Linux desktop has (the Settings page shows it)."""


DesktopKeyring.__module__ = "keyring.backends.SecretService"
DesktopKeyring.__name__ = DesktopKeyring.__qualname__ = "Keyring"


async def until(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "") -> None:  # noqa: ASYNC109
    """Waits on the running (qasync) loop until ``predicate()`` is true; no nested Qt loop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.02)


async def settle(seconds: float = 0.25) -> None:
    """Lets Qt lay out and paint what just changed."""
    await asyncio.sleep(seconds)


async def proceed(dialog: StepDialog) -> None:
    """Presses Continue once the dialog has finished its previous step."""
    await until(lambda: not dialog.busy.isVisible(), what="the previous step to finish")
    dialog.continue_button.click()


def visible(shell: Shell, kind: type[D]) -> D | None:
    found = [d for d in shell.window.findChildren(kind) if d.isVisible()]
    return found[-1] if found else None


async def wait_dialog(shell: Shell, kind: type[D], timeout: float = 30.0) -> D:  # noqa: ASYNC109
    await until(lambda: visible(shell, kind) is not None, timeout, kind.__name__)
    dialog = visible(shell, kind)
    assert dialog is not None
    await settle()
    return dialog


def say(line: str) -> None:
    """One line of progress on standard output (the files written, the timings)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def type_into(edit: Any, text: str) -> None:
    """Sets the text as if typed (textEdited fires, so suggestions and problem lines react)."""
    edit.setText(text)
    edit.textEdited.emit(text)


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_WORDS = re.compile(r"[A-Za-z]{3,}[ ,.'’]+[A-Za-z]{2,}")


def shown_texts(widget: QWidget) -> list[str]:
    """The texts a person sees in ``widget`` (labels, buttons, placeholders, lists, combos)."""
    out: list[str] = []
    for w in [widget, *widget.findChildren(QWidget)]:
        if not w.isVisibleTo(widget) and w is not widget:
            continue
        if isinstance(w, QLabel) and w.property("role") != "code" or isinstance(w, QAbstractButton):
            out.append(w.text())
        elif isinstance(w, QLineEdit):
            out.append(w.placeholderText())
        elif isinstance(w, QComboBox):
            out.append(w.currentText())
        elif isinstance(w, QListWidget):
            out += [w.item(i).text() for i in range(w.count())]
    if isinstance(widget, QWidget) and widget.isWindow():
        out.append(widget.windowTitle())
    return [t for t in out if t]


class Shots:
    """Saves grabs under ``out`` as ``<page>-<lang>-<theme>.png`` and remembers them.

    In Chinese, texts shown that look English (Latin words, no Chinese character) are collected
    in ``english``: untranslated strings, or data such as names (judge them by eye).
    """

    def __init__(self, out: Path, lang: str, theme: str) -> None:
        self.out = out
        self.lang = lang
        self.suffix = f"{SHORT_LANG[lang]}-{theme}"
        self.written: list[Path] = []
        self.english: dict[str, str] = {}

    async def save(self, widget: QWidget, page: str) -> None:
        await settle()
        path = self.out / f"{page}-{self.suffix}.png"
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        self.written.append(path)
        say(str(path))
        if self.lang != "en":
            for text in shown_texts(widget):
                if _WORDS.search(text) and not _CJK.search(text):
                    self.english.setdefault(text, page)


def server_info(srv: ThreadServer) -> dict[str, Any]:
    r = srv.client.get("/api/v1/server")
    r.raise_for_status()
    info: dict[str, Any] = r.json()
    return info


def seen(srv: ThreadServer, *, name: str | None = None) -> ServerSeen:
    """How discovery would announce ``srv`` (its real id, name, address and fingerprint)."""
    info = server_info(srv)
    return ServerSeen(
        server_id=info["server_id"],
        name=name or info["name"],
        claimed=info["state"] == "ready",
        host=srv.address.host,
        port=srv.address.port,
        fingerprint=srv.fingerprint,
        protocol_version=info["protocol_version"],
    )


def claim_over_http(srv: ThreadServer, name: str, owner: str) -> str:
    """Claims ``srv`` as another device would, with 2FA on; returns the TOTP secret."""
    r = srv.post(
        "/api/v1/setup/claim",
        {
            "setup_code": srv.setup_code(),
            "server_name": name,
            "admin": {"username": "mum", "display_name": owner, "password": PASSWORD},
        },
    )
    r.raise_for_status()
    token = r.json()["tokens"]["access_token"]
    secret: str = srv.post("/api/v1/me/2fa/enrol", {"password": PASSWORD}, token).json()["secret"]
    r = srv.post("/api/v1/me/2fa/confirm", {"code": pyotp.TOTP(secret).now()}, token)
    r.raise_for_status()
    return secret


# -- the flows -----------------------------------------------------------------------------------


async def claim_flow(shell: Shell, home: HomePage, a: ThreadServer, s: Sample, shots: Shots) -> str:
    """Home row "Set up" → claim wizard, every step; returns A's server id."""
    found = seen(a)
    shell.home.server_seen(found)
    row = next(r for r in home.rows if r.entry.server_id == found.server_id)
    row.button.click()
    c = await wait_dialog(shell, ClaimDialog)
    c.setup_code.edit.setText(a.setup_code())
    await shots.save(c, "claim-verify")

    await proceed(c)
    await until(
        lambda: c.stack.currentWidget() is c.account_page or c.error.isVisible(), what="account"
    )
    if c.error.isVisible():
        raise RuntimeError(c.error.text())
    c.server_name.edit.setText(s.server)
    type_into(c.display_name.edit, s.owner)
    if not c.username.text():
        c.username.edit.setText("mum")
    c.password.edit.setText(PASSWORD)
    c.repeat.edit.setText(PASSWORD + "!")
    await proceed(c)
    await until(
        lambda: any(f.problem.isVisibleTo(c) for f in (c.password, c.repeat)), what="mismatch"
    )
    await shots.save(c, "claim-account")

    c.repeat.edit.setText(PASSWORD)
    await proceed(c)
    await until(lambda: c.stack.currentWidget() is c.tfa_page or c.error.isVisible(), what="2FA")
    if c.error.isVisible():
        raise RuntimeError(c.error.text())
    await proceed(c)  # start enrolment
    await until(lambda: c.qr.data.startswith("otpauth://") or c.error.isVisible(), what="QR")
    secret = c.secret.text().replace(" ", "")
    c.tfa_code.edit.setText(pyotp.TOTP(secret).now())
    await shots.save(c, "claim-2fa")

    await proceed(c)
    await until(lambda: c.codes_box.isVisible() or c.error.isVisible(), what="recovery codes")
    if c.error.isVisible():
        raise RuntimeError(c.error.text())
    c.saved.setChecked(True)
    await shots.save(c, "claim-recovery")

    await proceed(c)
    await until(lambda: c.stack.currentWidget() is c.done_page, what="done page")
    await shots.save(c, "claim-done")
    await proceed(c)
    await until(lambda: bool(shell.accounts), what="signed in")
    return found.server_id


async def invite_and_join(shell: Shell, home: HomePage, s: Sample, shots: Shots) -> None:
    """ "Invite someone" on the owner's card, then "I have an invite link…" with that link."""
    await until(lambda: bool(home.account_rows), what="account card")
    home.account_rows[0].invite.click()
    inv = await wait_dialog(shell, InviteDialog)
    inv.note.setText(s.member)
    await proceed(inv)
    await until(lambda: bool(inv.link.toPlainText()) or inv.error.isVisible(), what="link")
    if inv.error.isVisible():
        raise RuntimeError(inv.error.text())
    await shots.save(inv, "invite")
    link = inv.link.toPlainText()
    inv.cancel_button.click()
    await until(lambda: not inv.isVisible())

    home.join_button.click()
    j = await wait_dialog(shell, JoinDialog)
    j.link.setPlainText(link)
    await shots.save(j, "join-link")
    await proceed(j)
    await until(lambda: j.stack.currentWidget() is j.account_page or j.error.isVisible())
    if j.error.isVisible():
        raise RuntimeError(j.error.text())
    type_into(j.display_name.edit, s.member)
    j.username.edit.setText("grandma.li")
    j.password.edit.setText(PASSWORD)
    j.repeat.edit.setText(PASSWORD)
    await shots.save(j, "join-account")
    await proceed(j)
    await until(lambda: j.account is not None or j.error.isVisible(), what="joined")
    if j.error.isVisible():
        raise RuntimeError(j.error.text())


async def trust_and_sign_in(shell: Shell, home: HomePage, b: ThreadServer, shots: Shots) -> None:
    """An address typed by hand → "Is this your server?" → sign in, wrong password, 2FA code."""
    home.address.setText(f"{b.address.host}:{b.address.port}")
    home.connect_button.click()
    t = await wait_dialog(shell, TrustDialog)
    await shots.save(t, "trust")
    await proceed(t)

    d = await wait_dialog(shell, SignInDialog)
    d.username.edit.setText("mum")
    d.password.edit.setText(PASSWORD)
    await shots.save(d, "sign-in")
    d.password.edit.setText("not my password")
    await proceed(d)
    await until(lambda: d.error.isVisible(), what="wrong-password message")
    await shots.save(d, "sign-in-error")
    d.password.edit.setText(PASSWORD)
    await proceed(d)
    await until(lambda: d.stack.currentWidget() is d.code_page or d.error.isVisible(), what="2FA")
    if d.error.isVisible():
        raise RuntimeError(d.error.text())
    await shots.save(d, "sign-in-2fa")
    d.reject()
    if d.closing is not None:
        await d.closing


async def install_flow(shell: Shell, ssh_port: int, shots: Shots) -> None:
    """ "Install Roost" on the sandbox Pi: a wrong password first, then the real install."""
    shell.on_entry_activated(
        HomeEntry(
            key="pi:raspberrypi",
            kind=EntryKind.PI,
            title="raspberrypi",
            detail="",
            action=Action.INSTALL,
            host="127.0.0.1",
            port=ssh_port,
        )
    )
    d = await wait_dialog(shell, InstallDialog)
    d.username.edit.setText(PI_USERNAME)
    d.password.edit.setText(PI_PASSWORD)
    await shots.save(d, "install-sign-in")

    d.password.edit.setText("not the password")
    await proceed(d)
    await until(lambda: d.stack.currentWidget() is d.host_key_page, 60, "host key")
    await shots.save(d, "install-host-key")
    d.trust_button.click()
    await until(lambda: d.problem.isVisible(), 60, "the problem")
    await shots.save(d, "install-problem")

    await proceed(d)  # Back
    await until(lambda: d.stack.currentWidget() is d.sign_in_page, what="sign-in page")
    d.password.edit.setText(PI_PASSWORD)
    await proceed(d)

    def moved_on() -> bool:
        if d.stack.currentWidget() is d.host_key_page:
            d.trust_button.click()
        return d.stack.currentWidget() is d.progress_page

    await until(moved_on, 60, "progress")
    d.show_details.setChecked(True)
    progress_heading = d.heading.text()

    def mid_install() -> bool:
        return d.steps.states.get(Step.INSTALL.value) is StepState.WORKING or (
            d.stack.currentWidget() is not d.progress_page or d.problem.isVisible()
        )

    await until(mid_install, 120, "the install step")
    await asyncio.sleep(1.5)  # a few lines of pip in the log
    if d.stack.currentWidget() is d.progress_page and not d.problem.isVisible():
        await shots.save(d, "install-progress")
    await until(
        lambda: d.stack.currentWidget() is d.done_page or d.problem.isVisible(), 240, "install"
    )
    if d.problem.isVisible():
        raise RuntimeError(f"{d.problem_what.text()}\n{d.log.toPlainText()[-3000:]}")
    if not any(p.name.startswith("install-progress-") for p in shots.written):
        # Too quick to catch mid-way: all steps ticked, the details open.
        assert d.outcome is not None
        d.show_step(d.progress_page, progress_heading, None)
        await shots.save(d, "install-progress")
        d._show_done(d.outcome)  # noqa: SLF001 (back to where the install left it)
    await shots.save(d, "install-done")
    d.cancel_button.click()


# -- one language and theme ----------------------------------------------------------------------


async def admin_pages(shell: Shell, shots: Shots) -> None:
    """The owner's Dashboard, People and Server pages, once each has loaded."""
    for key in ("dashboard", "people", "server"):
        shell.window.show_page(key)
        page = shell.window.page(key)

        def loaded(page: Any = page) -> bool:
            board = getattr(page, "dashboard", None)
            if board is not None:
                view = board.view
                return view is not None and not view.collecting
            people = getattr(page, "people", None)
            if people is not None:
                return bool(people.rowCount())
            return True

        try:
            await until(loaded, timeout=25.0, what=f"the {key} page to load")
        except AssertionError:
            say(f"  ({key}: shown before it finished loading)")
        await settle(0.5)
        await shots.save(shell.window, key)
    shell.window.show_page("home")


async def combination(
    lang: str, theme: str, out: Path, wheel: Path, wheelhouse: Path, scratch: Path
) -> Shots:
    s = SAMPLES[lang]
    shots = Shots(out, lang, theme)
    home_dir = scratch / "app-home"
    os.environ["ROOST_APP_HOME"] = str(home_dir)
    paths = AppPaths(config=home_dir / "config", data=home_dir / "data").ensure()
    bundle = Bundle(wheel, PACKAGING / "install.sh", PACKAGING / "roost-server.service")
    async with sandbox_pi(scratch / "pi", wheelhouse) as pi:
        with ExitStack() as stack:
            a = stack.enter_context(thread_server(scratch / "a"))
            b = stack.enter_context(thread_server(scratch / "b"))
            c = stack.enter_context(thread_server(scratch / "c"))
            shell = Shell(
                paths,
                language=lang,
                theme=theme,
                credentials=Credentials(DesktopKeyring()),
                installer_factory=lambda p: Installer(p, index_url=pi.index_url, bundle=bundle),
            )
            try:
                shell.start()
                await until(lambda: shell.window.isVisible())
                home = shell.home_page
                assert home is not None
                await shots.save(shell.window, "home-empty")
                shell.window.show_page("settings")
                await shots.save(shell.window, "settings")
                shell.window.show_page("home")

                a_id = await claim_flow(shell, home, a, s, shots)
                # What discovery would say now: A claimed, B (long name), C unclaimed, a Pi.
                shell.home.server_seen(seen(a, name=s.server))
                await asyncio.to_thread(claim_over_http, b, s.long_server, s.owner)
                shell.home.server_seen(seen(b))
                shell.home.server_seen(seen(c))
                shell.home.pi_seen(PiSeen("raspberrypi", "192.168.1.30"))
                assert a_id
                shell.window.show_page("home")  # signing in opened the chat
                await shots.save(shell.window, "home")

                await invite_and_join(shell, home, s, shots)
                await admin_pages(shell, shots)
                await trust_and_sign_in(shell, home, b, shots)
                await install_flow(shell, pi.ssh_port, shots)
            finally:
                for dialog in shell.window.findChildren(StepDialog):
                    if dialog.isVisible():
                        dialog.reject()
                await shell.stop()
                shell.window.close()
                shell.translations.install("en")  # the next Shell starts from English
                shell.window.deleteLater()
                await settle(0.1)
    return shots


async def run_all(combos: list[tuple[str, str]], out: Path, wheel: Path, house: Path) -> int:
    written: list[Path] = []
    for lang, theme in combos:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"roost-shots-{lang}-{theme}-") as tmp:
            shots = await combination(lang, theme, out, wheel, house, Path(tmp))
        written += shots.written
        for text, page in shots.english.items():
            say(f"# {lang}-{theme} shows English on {page}: {text!r}")
        say(f"# {lang}-{theme}: {time.monotonic() - started:.0f} s")
    say(f"# {len(written)} files in {out}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated combinations, e.g. en-light,zh-dark (default: all four)",
    )
    args = parser.parse_args(argv)
    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    combos = [
        (lang, theme)
        for lang, theme in COMBOS
        if not wanted or f"{SHORT_LANG[lang]}-{theme}" in wanted
    ]
    if not combos:
        parser.error(f"--only: none of {sorted(wanted)} (use en-light, en-dark, zh-light, zh-dark)")
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.monotonic()
    wheel = build_wheel_blocking(ROOT, CACHE / "roost-server-wheels", say)
    house = build_wheelhouse_blocking(wheel, CACHE / "roost-pi-wheelhouse")

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Roost")
    app.setOrganizationName("Roost")
    app.setQuitOnLastWindowClosed(False)
    MainThreadGarbageCollector(app)
    loop = new_loop(app)
    asyncio.set_event_loop(loop)
    with loop:
        code: int = loop.run_until_complete(run_all(combos, args.out.resolve(), wheel, house))
    say(f"# total {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
