"""The Server page's checks and sentences: settings, passphrases, jobs, audit lines, logs."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from app.server_admin import audit, backups, logs, settings_form
from app.server_admin.download import DownloadCancelled, download_blocking
from server.protocol.admin import AuditEntry
from server.protocol.backup import BackupJob, BackupReport
from server.protocol.monitoring import LogEntry
from server.protocol.settings import ServerSettings

GOOD: dict[str, Any] = {
    "server_name": "Chen family",
    "registration": "invite_only",
    "max_file_bytes": 2 << 30,
    "user_quota_bytes": 10 << 30,
    "retention_days": 0,
    "presence_enabled": True,
    "typing_enabled": True,
    "require_2fa": False,
    "login_allowlist": ["192.168.1.0/24"],
}


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("server_name", "", "1 to 64 characters"),
        ("server_name", "x" * 65, "1 to 64 characters"),
        ("max_file_bytes", 0, "at least 1 MB"),
        ("user_quota_bytes", -1, "0 (no limit)"),
        ("retention_days", 36_501, "0 (forever) to 36500 days"),
        ("login_allowlist", ["kitchen"], "like 192.168.1.20"),
    ],
)
def test_a_bad_value_names_what_to_fix(field: str, value: object, words: str) -> None:
    with pytest.raises(settings_form.InvalidSettings) as caught:
        settings_form.check({**GOOD, field: value})
    assert list(caught.value.problems) == [field]
    assert words in caught.value.problems[field]


def test_a_missing_field_is_refused_not_defaulted() -> None:
    values = dict(GOOD)
    del values["require_2fa"]
    with pytest.raises(settings_form.InvalidSettings) as caught:
        settings_form.check(values)
    assert "require_2fa" in caught.value.problems


def test_changes_are_listed_in_words() -> None:
    before = ServerSettings.model_validate(GOOD)
    after = ServerSettings.model_validate(
        {**GOOD, "retention_days": 30, "typing_enabled": False, "user_quota_bytes": 0}
    )
    assert settings_form.describe_changes(before, after) == [
        "Space per person: 10 GB → no limit",
        "Keep messages: forever → 30 days",
        "Show who is typing: on → off",
    ]
    assert settings_form.describe_changes(before, before) == []


@pytest.mark.parametrize(
    ("first", "second", "words"),
    [("short", "short", "at least 10"), ("long enough 1", "long enough 2", "not the same")],
)
def test_unusable_passphrases_are_refused(first: str, second: str, words: str) -> None:
    with pytest.raises(backups.PassphraseProblem) as caught:
        backups.check_new_passphrase(first, second)
    assert words in caught.value.explanation
    assert backups.check_new_passphrase("long enough", "long enough") == "long enough"


def _job(**changes: object) -> BackupJob:
    base: dict[str, object] = {
        "id": "j",
        "kind": "verify",
        "state": "failed",
        "stage": "decrypting",
        "done_bytes": 0,
        "total_bytes": 10,
        "started_at": 1.0,
    }
    return BackupJob.model_validate({**base, **changes})


def test_job_outcomes_say_what_to_do_next() -> None:
    assert "does not open" in backups.job_done_in_words(_job(error_code="wrong_passphrase"))
    assert "damaged" in backups.job_done_in_words(_job(error_code="backup_damaged"))
    assert "free space" in backups.job_done_in_words(_job(error_code="backup_failed"))
    report = BackupReport(server_name="C", created_at=1.0, users=3, messages=40, files=2)
    done = backups.job_done_in_words(_job(state="done", report=report))
    assert "3 accounts, 40 messages and events, and 2 files" in done
    restored = backups.job_done_in_words(_job(state="done", kind="restore"))
    assert "next time the server starts" in restored


def test_audit_lines_name_people() -> None:
    entry = AuditEntry(
        id=1,
        at=1.0,
        actor_id=1,
        action="user.disable",
        target_id=2,
        ip="127.0.0.1",
        detail={},
    )
    line = audit.describe(entry, {1: "Mum", 2: "Kid"})
    assert (line.who, line.what, line.ip) == ("Mum", "switched off Kid's account", "127.0.0.1")
    server = audit.describe(entry.model_copy(update={"actor_id": None, "action": "new.x"}), {})
    assert (server.who, server.what) == ("The server", "new.x")


def test_log_lines_use_the_servers_text_format() -> None:
    entry = LogEntry(seq=1, at=0.5, level="warning", logger="server.x", message="hot")
    assert logs.line(entry) == "1970-01-01 00:00:00.500Z WARNING  server.x: hot"


class _Response:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code = status
        self.headers = {"Content-Length": str(len(body))}
        self._body = body

    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def iter_content(self, size: int) -> Any:
        for i in range(0, len(self._body), 2):
            yield self._body[i : i + 2]


class _SessionStub:
    """A server that honours ``Range`` (the network is the edge of the world here)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.ranges: list[str | None] = []

    def get(self, url: str, *, headers: dict[str, str], **kw: Any) -> _Response:
        self.ranges.append(headers.get("Range"))
        if "Range" in headers:
            start = int(headers["Range"].removeprefix("bytes=").rstrip("-"))
            return _Response(206, self.body[start:])
        return _Response(200, self.body)


def test_download_resumes_and_cancel_keeps_the_part(tmp_path: Path) -> None:
    body = b"0123456789abcdef"
    target = tmp_path / "b.roostbak"
    session = _SessionStub(body)
    cancel = threading.Event()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 6:
            cancel.set()

    with pytest.raises(DownloadCancelled):
        download_blocking(session, "u", "t", target, progress, cancel)  # type: ignore[arg-type]
    part = tmp_path / "b.roostbak.part"
    assert part.read_bytes() == body[:6] and not target.exists()
    cancel.clear()
    seen.clear()
    download_blocking(session, "u", "t", target, lambda d, t: seen.append((d, t)), cancel)  # type: ignore[arg-type]
    assert target.read_bytes() == body and not part.exists()
    assert session.ranges == [None, "bytes=6-"]
    assert seen[0] == (6, 16) and seen[-1] == (16, 16)
