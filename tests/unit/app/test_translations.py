"""The shipped Simplified Chinese translation: complete, placeholders intact, .qm compiled from
the committed .ts, and the .ts holding every translatable string of app/ and ui/.

It mirrors scripts/translations.sh; when a test here fails, run that script, translate what it
marks unfinished, and run it again.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TS = ROOT / "resources" / "translations" / "roost_zh_CN.ts"
QM = TS.with_suffix(".qm")
BIN = Path(sys.executable).parent
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} not found next to {sys.executable}")
    return path


def _messages(ts: Path) -> list[tuple[str, str, ET.Element]]:
    """(context name, source text, <translation> element) for every message of a .ts file."""
    found: list[tuple[str, str, ET.Element]] = []
    tree = ET.parse(ts)  # noqa: S314 (our own file, not untrusted input)
    for context in tree.getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None, f"{name}: {message.findtext('source')!r}"
            found.append((name, message.findtext("source") or "", translation))
    return found


def _unfinished(ts: Path) -> list[str]:
    return [
        f"{context}: {source!r}"
        for context, source, translation in _messages(ts)
        if translation.get("type") == "unfinished" or not (translation.text or "").strip()
    ]


def test_every_message_is_translated() -> None:
    messages = _messages(TS)
    assert messages
    assert _unfinished(TS) == []


def test_every_message_has_a_context() -> None:
    """lupdate files a call it misreads (such as ``tr = QCoreApplication.translate`` then
    ``tr("Dashboard", "Memory")``) under a nameless context, with the context as the source
    text; at run time such a string is never found, so it would silently stay English."""
    nameless = [
        f"{source!r} ({translation.text!r})"
        for context, source, translation in _messages(TS)
        if not context
    ]
    assert nameless == []


def test_placeholders_survive_translation() -> None:
    wrong = [
        f"{context}: {source!r} -> {translation.text!r}"
        for context, source, translation in _messages(TS)
        if Counter(PLACEHOLDER.findall(source))
        != Counter(PLACEHOLDER.findall(translation.text or ""))
    ]
    assert wrong == []


def test_qm_is_compiled_from_the_ts(tmp_path: Path) -> None:
    fresh = tmp_path / "roost_zh_CN.qm"
    subprocess.run(
        [str(_tool("pyside6-lrelease")), "-silent", str(TS), "-qm", str(fresh)],
        check=True,
        capture_output=True,
    )
    assert fresh.read_bytes() == QM.read_bytes(), "run scripts/translations.sh"


def _refreshed(tmp_path: Path) -> Path:
    """A copy of the .ts, updated by lupdate from the sources exactly as the script does."""
    git = shutil.which("git")
    assert git is not None
    listed = subprocess.run(
        [git, "ls-files", "--cached", "--others", "--exclude-standard", "app/*.py", "ui/*.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    sources = sorted(listed)
    assert sources
    copy = tmp_path / TS.name
    shutil.copyfile(TS, copy)
    subprocess.run(
        [
            str(_tool("pyside6-lupdate")),
            "-no-obsolete",
            "-locations",
            "none",
            *sources,
            "-ts",
            str(copy),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return copy


def test_ts_holds_every_string_of_the_sources(tmp_path: Path) -> None:
    refreshed = _refreshed(tmp_path)
    assert _unfinished(refreshed) == [], "new strings: run scripts/translations.sh and translate"
    now = {(context, source) for context, source, _ in _messages(refreshed)}
    committed = {(context, source) for context, source, _ in _messages(TS)}
    assert committed - now == set(), "strings no longer in the sources: run scripts/translations.sh"
