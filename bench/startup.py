"""Time from starting the desktop app to its first painted window, against a bare Qt window.

    python -m bench.startup [--runs 7] [--out bench/results/startup.json]

Each run is a fresh process (a cold interpreter, warm disk cache): the clock starts just before
the process is spawned and stops at the main window's first paint event. The reference in the
same run is the smallest PySide6 program that shows a window, so the ratio says what Roost adds
on top of Python + Qt on this machine. Runs offscreen unless DISPLAY is set and --xcb is given.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_PROBE_ROOST = """
import json, sys, time
t_import = time.time()
from PySide6.QtCore import QEvent, QObject, QTimer
from ui.main import build, run
t_imported = time.time()
# Discovery runs as in the app, but on loopback only: a benchmark sends nothing to the LAN.
running = build(["--language", "en", "--theme", "light", "--discovery-interface", "127.0.0.1"])
marks = {"t_import": t_import, "t_imported": t_imported}

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "t_paint" not in marks:
            marks["t_paint"] = time.time()
            QTimer.singleShot(0, running.app.quit)
        return False

probe = FirstPaint()
running.shell.window.installEventFilter(probe)
run(running)
print(json.dumps(marks))
"""

_PROBE_BARE = """
import json, time
t_import = time.time()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
t_imported = time.time()
marks = {"t_import": t_import, "t_imported": t_imported}
app = QApplication([])
w = QMainWindow(); w.setCentralWidget(QLabel("hello")); w.resize(1000, 660)

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "t_paint" not in marks:
            marks["t_paint"] = time.time()
            QTimer.singleShot(0, app.quit)
        return False

probe = FirstPaint()
w.installEventFilter(probe)
w.show()
app.exec()
print(json.dumps(marks))
"""


def _one(code: str, env: dict[str, str]) -> dict[str, float]:
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    if out.returncode != 0:
        raise RuntimeError(f"probe failed ({out.returncode}): {out.stderr[-2000:]}")
    marks = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "interpreter_s": marks["t_import"] - t0,
        "imports_s": marks["t_imported"] - marks["t_import"],
        "first_paint_s": marks["t_paint"] - t0,
    }


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    keys = runs[0].keys()
    return {
        k: {"median": statistics.median(r[k] for r in runs), "max": max(r[k] for r in runs)}
        for k in keys
    } | {"runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench/results/startup.json"))
    parser.add_argument("--xcb", action="store_true", help="use the X display in $DISPLAY")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "ROOST_APP_HOME": home}
        env["QT_QPA_PLATFORM"] = "xcb" if args.xcb else "offscreen"
        roost: list[dict[str, float]] = []
        bare: list[dict[str, float]] = []
        # Interleaved, so a noisy neighbour slows both alike.
        for _ in range(args.runs):
            bare.append(_one(_PROBE_BARE, env))
            roost.append(_one(_PROBE_ROOST, env))
    result: dict[str, Any] = {
        "platform": env["QT_QPA_PLATFORM"],
        "python": sys.version.split()[0],
        "roost": _summary(roost),
        "bare_qt": _summary(bare),
    }
    ratio = (
        result["roost"]["first_paint_s"]["median"] / result["bare_qt"]["first_paint_s"]["median"]
    )
    result["ratio_first_paint"] = ratio
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        "first paint: Roost {:.0f} ms (max {:.0f}), bare Qt window {:.0f} ms; ratio {:.2f}".format(
            result["roost"]["first_paint_s"]["median"] * 1000,
            result["roost"]["first_paint_s"]["max"] * 1000,
            result["bare_qt"]["first_paint_s"]["median"] * 1000,
            ratio,
        )
    )
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
