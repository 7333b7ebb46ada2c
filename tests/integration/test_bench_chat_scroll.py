"""The message-view scrolling benchmark's smallest setting runs to the end and writes its
figures (this measures nothing: the figures come from full runs, bench/results/chat_scroll.json)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # CI runs these on its first Python only (.ci/run)


def test_chat_scroll_bench_scrolls_to_the_oldest_message(tmp_path: Path) -> None:
    out = tmp_path / "chat_scroll.json"
    r = subprocess.run(
        [sys.executable, "-m", "bench.chat_scroll", "--messages", "300", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["cache"]["messages"] == 300
    roost = result["roost"]
    assert roost["reached_oldest_message"] is True
    assert roost["scroll"]["frames"] > 1 and roost["first_paint_s"] > 0
    assert result["bare_qlistview"]["rows"] == 300
    assert "first paint" in r.stdout


def test_chat_scroll_bench_refuses_nonsense() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "bench.chat_scroll", "--messages", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2
    assert "--messages must be at least 1" in r.stderr
