"""Scrolling a 100 000-message conversation in the message view, against a bare Qt list.

    python -m bench.chat_scroll [--messages 100000] [--out bench/results/chat_scroll.json]

A real chat cache (SQLite, as the app keeps it) is filled with one conversation: a mix of short
and long messages, English and Chinese, replies, reactions, edits, deletions and attachments
(metadata only: pictures show their placeholder boxes). The message view then opens it, offline,
as the app does from its cache. Measured, in one process:

- first paint: from ``show_conversation`` to the list's first paint event;
- scrolling from the newest message to the very first, page by page: each frame moves the
  scroll bar up by one viewport height, lets Qt handle what that triggers (older pages read from
  the cache, rows laid out) and paints the viewport; every frame's time is recorded;
- the process's resident memory after building, after the first paint and at the end.

Garbage is collected as in the app: from a GUI-thread timer, with the long-lived objects frozen
out of full collections once the view is built (``--no-freeze`` to see what that saves).

The reference in the same run is a bare ``QListView`` over 100 000 plain strings, scrolled the
same way. Runs offscreen unless --xcb is given (then under the X display in $DISPLAY, for example
with ``xvfb-run -a``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ME, FRIEND = 1, 2
CID = 1

_ENGLISH = [
    "ok",
    "see you at 7",
    "Did you get the photos from the weekend? The ones by the lake came out really well.",
    "I'll pick up the groceries on the way home, do we need anything besides milk and eggs?",
    "lol",
    "Here is the link: https://example.org/a/very/long/path/that/does/not/break/anywhere/"
    "because/it/has/no/spaces/at/all?and=query&parameters=too",
    "Sounds good 👍",
    "Can you call grandma tonight? She asked about the trip and wants to hear everything, "
    "from the flight to the hotel to the food. Twice, probably.",
]
_CHINESE = [
    "好的",
    "明天见",
    "你吃饭了吗？我们晚上七点在老地方见面吧。",
    "周末的照片我已经上传到家庭相册了，大家有空去看看，湖边那几张特别好看。",
    "哈哈哈 😂",
    "路上注意安全，到家了给我发个消息。",
]


def _rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_cache(path: Path, messages: int, seed: int = 7) -> dict[str, Any]:
    """A cache with one direct conversation of ``messages`` messages (plus edits, reactions
    and deletions as separate events, as the server stores them).

    Returns:
        Figures about what was built.
    """
    from app.chat.cache import ChatCache
    from server.protocol.chat import Conversation, Event, EventKind, Member
    from server.protocol.common import Role

    rnd = random.Random(seed)
    cache = ChatCache(path)
    cache.set_meta("user_id", str(ME))
    cache.set_meta("directory", json.dumps([[ME, "me", "Me"], [FRIEND, "mei", "美玲 Mei"]]))
    start = time.time() - messages * 90.0  # one message every 1.5 minutes on average
    t0 = time.perf_counter()
    seq = 0
    created_at = start
    message_seqs: list[int] = []
    events = 0

    def add(kind: str, **fields: Any) -> None:
        nonlocal seq, events
        seq += 1
        events += 1
        cache.apply_event(
            Event(
                conversation_id=CID,
                seq=seq,
                kind=EventKind(kind),
                created_at=created_at,
                **{"sender_id": ME, "client_id": None, "target_seq": None} | fields,
            )
        )

    with cache.transaction():
        add("created", content={"kind": "direct", "name": "", "topic": "", "member_ids": [1, 2]})
        for i in range(messages):
            created_at += rnd.expovariate(1 / 90.0)
            sender = ME if rnd.random() < 0.45 else FRIEND
            text = rnd.choice(_CHINESE if rnd.random() < 0.35 else _ENGLISH)
            if rnd.random() < 0.05:
                text = "\n".join([text] * rnd.randint(2, 6))
            content: dict[str, Any] = {"text": text}
            target = None
            if message_seqs and rnd.random() < 0.08:
                target = rnd.choice(message_seqs[-50:])
                content["reply_to"] = target
            if rnd.random() < 0.03:
                w, h = rnd.choice([(4032, 3024), (1080, 1920), (800, 800), (1920, 1080)])
                content["attachments"] = [
                    {
                        "id": f"att{i}",
                        "name": f"IMG_{i:05d}.jpg",
                        "size": rnd.randint(200_000, 4_000_000),
                        "mime": "image/jpeg",
                        "sha256": "0" * 64,
                        "width": w,
                        "height": h,
                        "thumbnail": True,
                    }
                ]
            elif rnd.random() < 0.01:
                content["attachments"] = [
                    {
                        "id": f"doc{i}",
                        "name": f"report-{i}.pdf",
                        "size": rnd.randint(20_000, 900_000),
                        "mime": "application/pdf",
                        "sha256": "0" * 64,
                        "thumbnail": False,
                    }
                ]
            add(
                "message",
                sender_id=sender,
                client_id=f"c{i}",
                target_seq=target,
                content=content,
            )
            message_seqs.append(seq)
            if rnd.random() < 0.06:
                add(
                    "reaction",
                    sender_id=rnd.choice([ME, FRIEND]),
                    client_id=f"r{i}",
                    target_seq=rnd.choice(message_seqs[-20:]),
                    content={"emoji": rnd.choice(["👍", "❤️", "😂"]), "op": "add"},
                )
            if sender == ME and rnd.random() < 0.02:
                add("edit", client_id=f"e{i}", target_seq=seq, content={"text": text + " (fixed)"})
            if sender == ME and rnd.random() < 0.005:
                add("delete", client_id=f"d{i}", target_seq=seq, content={})
        cache.store_conversations(
            [
                Conversation(
                    id=CID,
                    kind="direct",
                    name="",
                    topic="",
                    last_seq=seq,
                    members=[
                        Member(user_id=ME, role=Role.MEMBER, read_seq=seq - 3),
                        Member(user_id=FRIEND, role=Role.MEMBER, read_seq=seq - 10),
                    ],
                    unread=0,
                    read_seq=seq - 3,
                    last_event=None,
                )
            ]
        )
    cache.close()
    return {"messages": messages, "events": events, "build_s": time.perf_counter() - t0}


class _PaintClock:
    """Notes when a widget is first painted, and counts its paints."""

    def __init__(self, widget: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        clock = self

        class Filter(QObject):
            def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    clock.count += 1
                    if clock.at is None:
                        clock.at = time.perf_counter()
                return False

        self.widget = widget
        self.count = 0
        self.at: float | None = None
        self._filter = Filter()
        widget.installEventFilter(self._filter)


def _frames(app: Any, scroll: Callable[[], bool], clock: _PaintClock, limit: int) -> list[float]:
    """Runs frames until ``scroll`` says the top is reached; each frame's seconds.

    A frame is the scroll step and the events it causes, up to and including the paint (forced
    with ``repaint`` if Qt did not paint on its own).
    """
    times: list[float] = []
    viewport = clock.widget
    for _ in range(limit):
        painted = clock.count
        _GC.full_in_frame = False
        t = time.perf_counter()
        moved = scroll()
        app.processEvents()
        if clock.count == painted:
            viewport.repaint()
        times.append(time.perf_counter() - t)
        _GC.frames_with_full.append(_GC.full_in_frame)
        if not moved:
            break
    return times


class _GcWatch:
    """Notes Python's full (generation 2) garbage collections: they scan every object of the
    process, so their pause says more about the whole app than about the view."""

    def __init__(self) -> None:
        self.full_in_frame = False
        self.frames_with_full: list[bool] = []
        self.pauses: list[float] = []
        self._started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)
            self.full_in_frame = True

    def reset(self) -> None:
        self.frames_with_full = []
        self.pauses = []


_GC = _GcWatch()


def _frame_summary(times: list[float]) -> dict[str, Any]:
    ordered = sorted(times)
    flagged = _GC.frames_with_full[-len(times) :] if times else []
    without_gc = [t for t, full in zip(times, flagged, strict=True) if not full]
    return {
        "frames_with_full_gc": sum(flagged),
        "full_gc_pause_max_ms": max(_GC.pauses, default=0.0) * 1000,
        "worst_ms_without_full_gc": max(without_gc, default=0.0) * 1000,
        "frames": len(times),
        "median_ms": statistics.median(times) * 1000 if times else 0.0,
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000 if times else 0.0,
        "p99_ms": ordered[int(0.99 * (len(ordered) - 1))] * 1000 if times else 0.0,
        "worst_ms": max(times) * 1000 if times else 0.0,
        "over_50ms": sum(1 for t in times if t > 0.05),
        "total_s": sum(times),
    }


def _wait_paint(app: Any, clock: _PaintClock, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while clock.at is None:
        if time.perf_counter() > deadline:
            raise RuntimeError("the view was never painted")
        app.processEvents()


def measure_roost(
    cache_path: Path, width: int, height: int, max_frames: int, *, freeze: bool
) -> dict[str, Any]:
    import asyncio

    from PySide6.QtWidgets import QApplication

    from app.chat.cache import ChatCache
    from app.chat.connection import ChatConnection
    from app.chat.directory import Directory
    from app.net.address import Address
    from ui.chat.message_view import MessageView
    from ui.gc_main_thread import MainThreadGarbageCollector
    from ui.main import new_loop
    from ui.theme import apply_theme

    class NoTokens:
        """The bench never connects: the view reads the cache, as the app does offline."""

        async def access_token(self) -> str:
            raise RuntimeError("offline")

        async def refresh(self, stale_access_token: str | None = None) -> None:
            raise RuntimeError("offline")

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app, "light")
    # Garbage is collected as in the app: from a GUI-thread timer (ui/main.py).
    collector = MainThreadGarbageCollector(app)
    loop = new_loop(app)
    asyncio.set_event_loop(loop)
    cache = ChatCache(cache_path)
    conn = ChatConnection(cache, Address("127.0.0.1", 9), None, NoTokens())
    directory = Directory(conn)
    view = MessageView(conn, directory, None)
    view.resize(width, height)
    view.show()
    app.processEvents()
    clock = _PaintClock(view.list.viewport())
    t0 = time.perf_counter()
    view.show_conversation(CID)
    _wait_paint(app, clock)
    assert clock.at is not None
    first_paint = clock.at - t0
    rss_first = _rss_mib()
    if freeze:
        collector.freeze()  # as the shell does once a sign-in has settled (ui/shell.py)
    bar = view.list.verticalScrollBar()
    viewport = view.list.viewport()
    seen_top: list[int] = []

    def scroll() -> bool:
        timeline = view.model.timeline
        assert timeline is not None
        if bar.value() == 0 and not timeline.has_older():
            return False
        bar.setValue(max(0, bar.value() - viewport.height()))
        if timeline.seqs:
            seen_top.append(timeline.seqs[0])
        return True

    _GC.reset()
    times = _frames(app, scroll, clock, max_frames)
    timeline = view.model.timeline
    assert timeline is not None
    oldest = cache.db.execute(
        "SELECT min(seq) FROM events WHERE conversation_id = ? AND kind = 'message'", (CID,)
    ).fetchone()[0]
    reached_first = bool(timeline.seqs) and timeline.seqs[0] == oldest
    result = {
        "first_paint_s": first_paint,
        "scroll": _frame_summary(times),
        "reached_oldest_message": reached_first and not timeline.has_older(),
        "rows_held_at_end": view.model.rowCount(),
        "rss_mib_after_first_paint": rss_first,
        "rss_mib_end": _rss_mib(),
    }
    view.close()
    view.deleteLater()
    app.processEvents()
    collector.stop()
    gc.unfreeze()
    loop.close()
    cache.close()
    return result


def measure_bare(rows: int, width: int, height: int, max_frames: int) -> dict[str, Any]:
    from PySide6.QtCore import QStringListModel
    from PySide6.QtWidgets import QAbstractItemView, QApplication, QListView

    app = QApplication.instance() or QApplication([])
    strings = [f"message {i}: {_ENGLISH[i % len(_ENGLISH)]}" for i in range(rows)]
    model = QStringListModel(strings)
    view = QListView()
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.resize(width, height)
    view.show()
    app.processEvents()
    clock = _PaintClock(view.viewport())
    t0 = time.perf_counter()
    view.setModel(model)
    view.scrollToBottom()
    _wait_paint(app, clock)
    assert clock.at is not None
    first_paint = clock.at - t0
    bar = view.verticalScrollBar()
    viewport = view.viewport()

    def scroll() -> bool:
        if bar.value() == 0:
            return False
        bar.setValue(max(0, bar.value() - viewport.height()))
        return True

    _GC.reset()
    times = _frames(app, scroll, clock, max_frames)
    result = {"first_paint_s": first_paint, "scroll": _frame_summary(times), "rows": rows}
    view.close()
    view.deleteLater()
    app.processEvents()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/chat_scroll.json"))
    parser.add_argument("--width", type=int, default=800)
    parser.add_argument("--height", type=int, default=700)
    parser.add_argument(
        "--max-frames", type=int, default=200_000, help="stop scrolling after this many frames"
    )
    parser.add_argument("--xcb", action="store_true", help="use the X display in $DISPLAY")
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="leave out the app's gc.freeze() after the view is built (to see what it saves)",
    )
    args = parser.parse_args(argv)
    if args.messages < 1:
        parser.error("--messages must be at least 1")
    if args.width < 200 or args.height < 200:
        parser.error("--width and --height must be at least 200")
    if args.xcb and not os.environ.get("DISPLAY"):
        parser.error("--xcb needs an X display in $DISPLAY (try: xvfb-run -a python -m ...)")
    os.environ["QT_QPA_PLATFORM"] = "xcb" if args.xcb else "offscreen"
    with tempfile.TemporaryDirectory() as home:
        os.environ["ROOST_APP_HOME"] = home
        path = Path(home) / "bench.db"
        print(f"building a cache of {args.messages} messages…", flush=True)
        built = build_cache(path, args.messages)
        rss_built = _rss_mib()
        print(f"built in {built['build_s']:.1f} s; measuring…", flush=True)
        bare = measure_bare(args.messages, args.width, args.height, args.max_frames)
        roost = measure_roost(
            path, args.width, args.height, args.max_frames, freeze=not args.no_freeze
        )
    roost["rss_mib_after_build"] = rss_built
    from PySide6 import __version__ as pyside_version

    result: dict[str, Any] = {
        "platform": os.environ["QT_QPA_PLATFORM"],
        "python": sys.version.split()[0],
        "pyside6": pyside_version,
        "window": [args.width, args.height],
        "scrolling": "page by page: each frame moves the scroll bar up one viewport height, "
        "processes the events that triggers and repaints the viewport",
        "cache": built,
        "roost": roost,
        "bare_qlistview": bare,
        "gc": "as the app: collected from a GUI-thread timer"
        + ("" if args.no_freeze else ", frozen after the first paint"),
        "targets": {"first_paint_s": 0.5, "worst_frame_ms": 50},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    r, b = roost["scroll"], bare["scroll"]
    print(
        f"first paint: Roost {roost['first_paint_s'] * 1000:.0f} ms, "
        f"bare QListView {bare['first_paint_s'] * 1000:.0f} ms"
    )
    print(
        f"scroll to the top: Roost {r['frames']} frames, median {r['median_ms']:.1f} ms, "
        f"p99 {r['p99_ms']:.1f} ms, worst {r['worst_ms']:.1f} ms, {r['over_50ms']} over 50 ms; "
        f"bare {b['frames']} frames, median {b['median_ms']:.1f} ms, worst {b['worst_ms']:.1f} ms"
    )
    print(
        f"full garbage collections: in {r['frames_with_full_gc']} Roost frames, pauses up to "
        f"{r['full_gc_pause_max_ms']:.0f} ms; worst Roost frame without one "
        f"{r['worst_ms_without_full_gc']:.1f} ms"
    )
    print(
        f"reached the oldest message: {roost['reached_oldest_message']}; "
        f"RSS {roost['rss_mib_end']:.0f} MiB at the end"
    )
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
