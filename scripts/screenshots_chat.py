"""Documentation screenshots of the chat, driven through the real app against a real server.

For each language (en, zh_CN) and theme (light, dark): a fresh server on a thread, a family
(Mum signed in to a real `Shell`; Dad, Grandma and a cousin with a very long name on their own
chat connections), then the chat as people use it: the empty page, a direct conversation with a
reply, an edit, a reaction and someone typing, a group with a photo, a file and the long name,
a failed upload, search in Chinese and English, and the offline banner. Each is saved as
``chat-<scene>-<lang>-<theme>.png`` in docs/images.

Run under a real X server::

    xvfb-run -a -s "-screen 0 1280x900x24 -nolisten tcp" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python scripts/screenshots_chat.py [--out docs/images] [--only en-light]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.accounts.account import Account  # noqa: E402
from app.accounts.credentials import Credentials  # noqa: E402
from app.chat.transfers import Transfers  # noqa: E402
from app.paths import AppPaths  # noqa: E402
from scripts.screenshots import COMBOS, SHORT_LANG, Shots, say, settle, until  # noqa: E402
from tests.helpers.keyring_memory import MemoryKeyring  # noqa: E402
from tests.ui.chat.people import (  # noqa: E402
    PASSWORD,
    ChatPerson,
    add_person_tokens,
    claim_tokens,
    close,
    connect,
)
from tests.ui.helpers import thread_server  # noqa: E402
from ui.gc_main_thread import MainThreadGarbageCollector  # noqa: E402
from ui.main import new_loop  # noqa: E402
from ui.shell import Shell  # noqa: E402

# Small enough that the sample "video" below is refused: the failed-upload scene.
MAX_FILE_BYTES = 3 * 1024 * 1024


@dataclass(frozen=True)
class ChatSample:
    """The family and their words in one language."""

    mum: str
    dad: str
    gran: str
    cousin: str
    group: str
    topic: str
    dad_lines: tuple[str, ...]
    mum_reply: str
    mum_edited: str
    gran_line: str
    cousin_line: str
    caption: str
    search: str


SAMPLES = {
    "en": ChatSample(
        mum="Mum",
        dad="Dad",
        gran="Grandma Li",
        cousin="Alexandrina Wu-Hernández de la Fuente-Okonkwo",
        group="Chen family",
        topic="Sunday lunch at Grandma's",
        dad_lines=(
            "Leaving work now 🚗",
            "Shall I pick up bread on the way? The bakery near the station closes at seven, "
            "so I would have to hurry.",
        ),
        mum_reply="Yes please, the seeded one!",
        mum_edited="And milk. Thank you ❤️",
        gran_line="I made dumplings for everyone 🥟",
        cousin_line="Running 10 minutes late, save me a seat!",
        caption="The view from the park this morning",
        search="park",
    ),
    "zh_CN": ChatSample(
        mum="妈妈",
        dad="爸爸",
        gran="李奶奶",
        cousin="欧阳慕容·亚历山德拉·吴-埃尔南德斯·德拉富恩特",
        group="陈家",
        topic="周日去奶奶家吃午饭",
        dad_lines=(
            "下班了，马上回家 🚗",
            "要不要我顺路买面包？车站旁边那家面包店七点就关门了，我得快一点。",
        ),
        mum_reply="好呀，要全麦的！",
        mum_edited="再买一瓶牛奶，谢谢 ❤️",
        gran_line="我包了饺子，大家都来吃 🥟",
        cousin_line="我晚到十分钟，给我留个位子！",
        caption="今天早上公园的风景",
        search="公园",
    ),
}


def picture(path: Path) -> Path:
    """A small landscape (sky, sea, sand, sun) as a PNG: something pleasant to show."""
    image = QImage(960, 640, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    sky = QLinearGradient(QPointF(0, 0), QPointF(0, 380))
    sky.setColorAt(0, QColor("#7db9e8"))
    sky.setColorAt(1, QColor("#dff1ff"))
    painter.fillRect(0, 0, 960, 380, sky)
    painter.fillRect(0, 380, 960, 140, QColor("#2f7fb5"))
    painter.fillRect(0, 520, 960, 120, QColor("#e8d3a2"))
    painter.setBrush(QColor("#ffd35a"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(QPointF(760, 150), 60, 60)
    painter.end()
    image.save(str(path))
    return path


async def family_chat(lang: str, theme: str, out: Path, scratch: Path) -> Shots:
    s = SAMPLES[lang]
    shots = Shots(out, lang, theme)
    paths = AppPaths(config=scratch / "app" / "config", data=scratch / "app" / "data").ensure()
    with thread_server(scratch / "srv", max_file_bytes=MAX_FILE_BYTES) as srv:
        owner = claim_tokens(srv, "mum", s.mum)
        others = [
            add_person_tokens(srv, owner, username, name)
            for username, name in (("dad", s.dad), ("gran", s.gran), ("cousin", s.cousin))
        ]
        shell = Shell(paths, language=lang, theme=theme, credentials=Credentials(MemoryKeyring()))
        shell.window.resize(1180, 760)
        people: list[ChatPerson] = []
        try:
            shell.start()
            flow = shell.flows.sign_in(address=srv.address, fingerprint=srv.fingerprint)
            account = await flow.login("mum", PASSWORD)
            assert isinstance(account, Account)
            key = f"{srv.server.rt.server_id}/mum"
            await until(lambda: shell.chat_page(key) is not None, what="the chat page")
            chat = shell.chats[key]
            page = shell.chat_page(key)
            assert page is not None
            await chat.connection.wait_online()
            await until(lambda: len(chat.directory.users()) == 4, what="the directory")
            await shots.save(shell.window, "chat-empty")

            people = [await connect(srv, scratch / "people", t) for t in others]
            dad, gran, cousin = people
            mum_id = chat.connection.user_id
            assert mum_id is not None

            # A direct conversation: Dad writes, Mum answers, edits, Dad reacts and types.
            direct = await dad.connection.create_direct(mum_id)
            for line in s.dad_lines:
                await dad.connection.send_message(direct.id, line)
            await until(lambda: len(chat.connection.cache.messages(direct.id)) == 2)
            shell.window.activateWindow()  # what is on screen counts as read
            page.open_conversation(direct.id)
            newest = chat.connection.cache.messages(direct.id)[-1]
            page.composer.start_reply(direct.id, newest.seq)
            page.composer.editor.setPlainText(s.mum_reply)
            page.composer.send()
            await until(lambda: len(chat.connection.cache.messages(direct.id)) == 3)
            page.composer.editor.setPlainText(s.mum_edited.split(" ")[0])
            page.composer.send()
            await until(lambda: len(chat.connection.cache.messages(direct.id)) == 4)
            mine = chat.connection.cache.messages(direct.id)
            await chat.connection.edit_message(direct.id, mine[-1].seq, s.mum_edited)
            await dad.connection.react(direct.id, mine[-2].seq, "👍")
            await until(lambda: chat.connection.cache.messages(direct.id)[-2].reactions != {})
            await dad.connection.typing(direct.id)
            await until(lambda: bool(page.header.typing.text()), what="the typing line")
            await settle(0.6)
            await shots.save(shell.window, "chat-direct")

            # A group with a photo, a file and the long name.
            group = await chat.connection.create_group(
                s.group, topic=s.topic, member_ids=[dad.user_id, gran.user_id, cousin.user_id]
            )
            await until(lambda: gran.connection.cache.conversation(group.id) is not None)
            await gran.connection.send_message(group.id, s.gran_line)
            await cousin.connection.send_message(group.id, s.cousin_line)
            sender = Transfers(dad.connection, dad.api)
            notes = scratch / ("menu.txt" if lang == "en" else "菜单.txt")
            notes.write_text("dumplings, noodles, fruit\n", encoding="utf-8")
            sender.send_files(group.id, [picture(scratch / "park.png")], text=s.caption)
            await until(lambda: len(chat.connection.cache.messages(group.id)) >= 3, 60.0)
            sender.send_files(group.id, [notes])
            await until(lambda: len(chat.connection.cache.messages(group.id)) >= 4, 60.0)
            await sender.close()
            page.open_conversation(group.id)
            photo = next(
                a
                for m in chat.connection.cache.messages(group.id)
                for a in m.attachments
                if a.mime == "image/png"
            )
            await until(lambda: chat.media.cached_thumbnail(photo.id) is not None, 30.0)
            await settle(0.8)
            await shots.save(shell.window, "chat-group")

            # A file above the server's limit: the failed upload, with its reason.
            video = scratch / ("holiday.mp4" if lang == "en" else "假期.mp4")
            video.write_bytes(b"\0" * (MAX_FILE_BYTES * 2))
            page.composer.send_files([video])
            await until(lambda: page.composer.transfer_list.isVisible(), what="the transfer")
            await settle(1.5)
            await shots.save(shell.window, "chat-upload-failed")

            page.show_search()
            page.search.query.setText(s.search)
            page.search.run()
            await shots.save(shell.window, "chat-search")
            page.hide_search()

            await chat.connection.stop()
            await until(lambda: page.banner.isVisible(), what="the offline banner")
            page.composer.editor.setPlainText(s.mum_reply)
            page.composer.send()
            await settle(0.5)
            await shots.save(shell.window, "chat-offline")
        finally:
            for person in people:
                await close(person)
            await shell.stop()
            shell.window.close()
            shell.translations.install("en")
            shell.window.deleteLater()
            await settle(0.1)
    return shots


async def run_all(combos: list[tuple[str, str]], out: Path) -> int:
    written = 0
    for lang, theme in combos:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"roost-chat-shots-{lang}-{theme}-") as tmp:
            shots = await family_chat(lang, theme, out, Path(tmp))
        written += len(shots.written)
        for text, page in shots.english.items():
            say(f"# {lang}-{theme} shows English on {page}: {text!r}")
        say(f"# {lang}-{theme}: {time.monotonic() - started:.0f} s")
    say(f"# {written} files in {out}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--only", default="", help="e.g. en-light,zh-dark (default: all four)")
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
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Roost")
    app.setQuitOnLastWindowClosed(False)
    MainThreadGarbageCollector(app)
    loop = new_loop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return int(loop.run_until_complete(run_all(combos, args.out.resolve())))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
