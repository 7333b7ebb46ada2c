"""Backups of a real server: made while members keep sending, wiped, restored from the command
line, and everything back byte for byte; wrong passphrases and damaged backups change nothing;
downloads resume with Range; the daily schedule keeps N; verify and a staged restore."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from server import cli
from server.backup.archive import BackupError
from server.backup.service import last_backup
from tests.helpers.server import PASSWORD, Running, Session, make_settings, pinned_context, running
from tests.helpers.ws import WsClient

PASS = "our family passphrase"


def settings(tmp_path: Path, **kw: Any) -> Any:
    return make_settings(tmp_path, backup_kdf_log2n=10, **kw)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def ws_for(r: Running, who: Session) -> WsClient:
    assert r.rt.cert_path is not None
    c = await WsClient.open(r.server.base_url, who.access_token, pinned_context(r.rt.cert_path))
    await c.call("sync")
    return c


async def attach(r: Running, who: Session, data: bytes, name: str) -> str:
    body = {
        "name": name,
        "size": len(data),
        "mime": "application/octet-stream",
        "sha256": sha(data),
    }
    resp = await r.client.post("/api/v1/uploads", json=body, headers=who.headers)
    assert resp.status_code == 201, resp.text
    up = resp.json()
    step = up["chunk_bytes"]
    for pos in range(0, len(data), step):
        piece = data[pos : pos + step]
        resp = await r.client.put(
            f"/api/v1/uploads/{up['id']}",
            content=piece,
            headers={**who.headers, "Content-Range": f"bytes {pos}-{pos + len(piece) - 1}/*"},
        )
        assert resp.status_code == 200, resp.text
    resp = await r.client.post(f"/api/v1/uploads/{up['id']}/complete", headers=who.headers)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


async def wait_job(r: Running, job_id: str) -> dict[str, Any]:
    assert r.owner is not None
    async with asyncio.timeout(60):
        while True:
            resp = await r.client.get(
                f"/api/v1/admin/backups/jobs/{job_id}", headers=r.owner.headers
            )
            assert resp.status_code == 200, resp.text
            job: dict[str, Any] = resp.json()
            if job["state"] != "running":
                return job
            await asyncio.sleep(0.05)


async def backup_now(r: Running, passphrase: str = PASS) -> dict[str, Any]:
    assert r.owner is not None
    resp = await r.client.post(
        "/api/v1/admin/backups", json={"passphrase": passphrase}, headers=r.owner.headers
    )
    assert resp.status_code == 202, resp.text
    job = await wait_job(r, resp.json()["id"])
    assert job["state"] == "done", job
    return job


def rows(db: Path, query: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.execute(query).fetchall())
    finally:
        conn.close()


EVENTS = (
    "SELECT conversation_id, seq, kind, sender_id, client_id, target_seq, created_at, content, "
    "edited_at, deleted_at FROM events ORDER BY conversation_id, seq"
)


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): sha(p.read_bytes()) for p in folder.rglob("*") if p.is_file()
    }


async def restore_cli(tmp_path: Path, archive: Path, *extra: str, passphrase: str = PASS) -> int:
    pf = tmp_path / "passphrase.txt"
    pf.write_text(passphrase + "\n", encoding="utf-8")
    s = settings(tmp_path)
    argv = [
        "restore", str(archive), "--data-dir", str(s.data_dir), "--key-file", str(s.key_file),
        "--passphrase-file", str(pf), *extra,
    ]  # fmt: skip
    return await asyncio.to_thread(cli.main, argv)


async def test_backup_while_members_send_then_wipe_and_restore_gives_everything_back(
    tmp_path: Path,
) -> None:
    s = settings(tmp_path)
    photo, doc = os.urandom(300_000), os.urandom(1_000)
    async with running(s) as r:
        owner = await r.claim()
        mum, dad = await r.add_user("mum"), await r.add_user("dad")
        wm, wd = await ws_for(r, mum), await ws_for(r, dad)
        conv = (await wm.call("conversation/create_direct", user_id=dad.user_id))["id"]
        ids = [await attach(r, mum, photo, "photo.jpg"), await attach(r, dad, doc, "notes.txt")]
        await wm.call("message/send", conversation_id=conv, client_id="p1", text="photo",
                      attachments=ids[:1])  # fmt: skip
        await wd.call("message/send", conversation_id=conv, client_id="d1", text="notes",
                      attachments=ids[1:])  # fmt: skip
        acked: list[int] = []
        stop, flowing = asyncio.Event(), asyncio.Event()

        async def keep_sending(c: WsClient, tag: str) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                ack = await c.call("message/send", conversation_id=conv,
                                   client_id=f"{tag}{n}", text=f"{tag} says {n}")  # fmt: skip
                acked.append(ack["seq"])
                if len(acked) >= 20:
                    flowing.set()

        senders = [asyncio.create_task(keep_sending(c, t)) for c, t in ((wm, "m"), (wd, "d"))]
        await asyncio.wait_for(flowing.wait(), 30)  # the backup starts with sends in full flow
        before_backup = max(acked)
        job = await backup_now(r)
        stop.set()
        await asyncio.gather(*senders)
        assert len(acked) > 20
        await wm.close()
        await wd.close()
        assert job["file"] and job["done_bytes"] == job["total_bytes"] > 300_000
        archive = Path(r.rt.settings.data_dir).parent / "roost-backups" / job["file"]
        assert await last_backup(r.rt) is not None
        # download it whole, and a piece of it as a resumed download would
        resp = await r.client.get(
            f"/api/v1/admin/backups/files/{job['file']}", headers=owner.headers
        )
        assert resp.status_code == 200
        assert resp.content == archive.read_bytes()
        resp = await r.client.get(
            f"/api/v1/admin/backups/files/{job['file']}",
            headers={**owner.headers, "Range": "bytes=100-199"},
        )
        assert resp.status_code == 206
        assert resp.content == archive.read_bytes()[100:200]
    data_dir, key_file = s.data_dir, s.key_file
    original_db = tmp_path / "original.db"
    shutil.copy(data_dir / "roost.db", original_db)
    original_users = rows(original_db, "SELECT * FROM users ORDER BY id")
    original_events = rows(original_db, EVENTS)
    original_files = tree_hashes(data_dir / "files" / "blobs")
    original_key = key_file.read_bytes()
    original_cert = (data_dir / "tls-cert.pem").read_bytes()

    # the SD card dies: data and key are gone
    shutil.rmtree(data_dir)
    key_file.unlink()
    assert await restore_cli(tmp_path, archive) == 0

    assert key_file.read_bytes() == original_key
    assert (
        data_dir / "tls-cert.pem"
    ).read_bytes() == original_cert  # pinned clients still trust it
    assert rows(data_dir / "roost.db", "SELECT * FROM users ORDER BY id") == original_users
    restored = rows(data_dir / "roost.db", EVENTS)
    # a snapshot of one moment: every event up to some seq, identical, with nothing missing,
    # and at least everything acknowledged before the backup began
    assert restored == original_events[: len(restored)]
    assert max(e[1] for e in restored) >= before_backup
    assert tree_hashes(data_dir / "files" / "blobs") == original_files

    async with running(s) as r:
        mum = await r.login("mum", PASSWORD)
        page = await r.client.get(
            f"/api/v1/conversations/{conv}/events", params={"after": 0, "limit": 200},
            headers=mum.headers,
        )  # fmt: skip
        assert page.status_code == 200, page.text
        texts = [e["content"]["text"] for e in page.json()["events"] if e["kind"] == "message"]
        assert texts[:2] == ["photo", "notes"]
        for att_id, data in zip(ids, (photo, doc), strict=True):
            resp = await r.client.get(f"/api/v1/attachments/{att_id}/content", headers=mum.headers)
            assert resp.status_code == 200
            assert sha(resp.content) == sha(data)


@pytest.fixture
async def made(tmp_path: Path) -> tuple[Path, Path]:
    """A server with a member, a message and a file, backed up; returns (archive, data dir)."""
    s = settings(tmp_path)
    async with running(s) as r:
        await r.claim()
        mum = await r.add_user("mum")
        w = await ws_for(r, mum)
        conv = (await w.call("conversation/create_direct", user_id=r.owner.user_id))["id"]  # type: ignore[union-attr]
        att = await attach(r, mum, os.urandom(70_000), "a.bin")
        await w.call("message/send", conversation_id=conv, client_id="x", text="hi",
                     attachments=[att])  # fmt: skip
        await w.close()
        job = await backup_now(r)
    return s.data_dir.parent / "roost-backups" / job["file"], s.data_dir


def flipped(src: Path, dst: Path, pos: int) -> Path:
    raw = bytearray(src.read_bytes())
    raw[pos] ^= 0x40
    dst.write_bytes(bytes(raw))
    return dst


@pytest.mark.parametrize("damage", ["wrong passphrase", "flipped byte", "truncated", "header"])
async def test_a_bad_backup_or_passphrase_is_refused_and_changes_nothing(
    tmp_path: Path, made: tuple[Path, Path], damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    archive, data_dir = made
    s = settings(tmp_path)
    before = tree_hashes(data_dir)
    key_before = s.key_file.read_bytes()
    bad = tmp_path / "bad.roostbak"
    passphrase = PASS
    if damage == "wrong passphrase":
        shutil.copy(archive, bad)
        passphrase = "not our passphrase"
    elif damage == "flipped byte":
        flipped(archive, bad, archive.stat().st_size // 2)
    elif damage == "header":
        flipped(archive, bad, 20)
    else:
        bad.write_bytes(archive.read_bytes()[:-100])
    # over the existing data (forced): refused before anything is touched
    assert await restore_cli(tmp_path, bad, "--force", passphrase=passphrase) == cli.EXIT_STATE
    err = capsys.readouterr().err
    assert "Nothing was changed" in err
    if damage in ("wrong passphrase", "header"):
        assert "passphrase" in err
    else:
        assert "damaged" in err or "cut short" in err
    assert tree_hashes(data_dir) == before
    assert s.key_file.read_bytes() == key_before
    assert [p.name for p in data_dir.parent.iterdir() if "restor" in p.name] == []
    # and onto an empty place: nothing is created there either
    shutil.rmtree(data_dir)
    assert await restore_cli(tmp_path, bad, passphrase=passphrase) == cli.EXIT_STATE
    assert not data_dir.exists()


async def test_restore_refuses_existing_data_without_force_and_keeps_it_aside_with_it(
    tmp_path: Path, made: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    archive, data_dir = made
    before = tree_hashes(data_dir)
    assert await restore_cli(tmp_path, archive) == cli.EXIT_STATE
    assert "--force" in capsys.readouterr().err
    assert tree_hashes(data_dir) == before
    assert await restore_cli(tmp_path, archive, "--force") == 0
    aside = [p for p in data_dir.parent.iterdir() if ".before-restore-" in p.name]
    assert len(aside) == 1 and tree_hashes(aside[0]) == before


async def test_verify_reports_what_a_backup_holds_and_finds_damage(
    tmp_path: Path, made: tuple[Path, Path]
) -> None:
    archive, _ = made
    async with running(settings(tmp_path)) as r:
        r.owner = owner = await r.login("owner")
        folder = archive.parent
        url = f"/api/v1/admin/backups/files/{archive.name}/verify"
        resp = await r.client.post(url, json={"passphrase": PASS}, headers=owner.headers)
        assert resp.status_code == 202, resp.text
        job = await wait_job(r, resp.json()["id"])
        assert job["state"] == "done", job
        assert job["report"]["users"] == 2 and job["report"]["files"] == 1
        assert job["report"]["server_name"] == "Family"
        # a damaged copy in the folder, and a wrong passphrase
        bad = folder / "roost-backup-20000101-000000.roostbak"
        flipped(archive, bad, archive.stat().st_size - 30)
        resp = await r.client.post(
            f"/api/v1/admin/backups/files/{bad.name}/verify",
            json={"passphrase": PASS},
            headers=owner.headers,
        )
        job = await wait_job(r, resp.json()["id"])
        assert (job["state"], job["error_code"]) == ("failed", "backup_damaged")
        resp = await r.client.post(
            url, json={"passphrase": "wrong wrong wrong"}, headers=owner.headers
        )
        job = await wait_job(r, resp.json()["id"])
        assert (job["state"], job["error_code"]) == ("failed", "wrong_passphrase")
        # the scratch folders are gone
        assert not [p for p in r.rt.data_dir.iterdir() if p.name.startswith(".verify-")]
        audit = await r.client.get("/api/v1/admin/audit", headers=owner.headers)
        verdicts = [
            e["detail"]["result"] for e in audit.json()["entries"] if e["action"] == "backup.verify"
        ]
        assert verdicts[2] == "ok" and len(verdicts) == 3
        # names outside the folder's backups are not found
        for name in ("..%2Froost.db", "roost.db", "roost-backup-1.roostbak"):
            resp = await r.client.get(f"/api/v1/admin/backups/files/{name}", headers=owner.headers)
            assert resp.status_code == 404, name


async def test_a_restore_staged_over_the_api_applies_at_the_next_start(
    tmp_path: Path, made: tuple[Path, Path]
) -> None:
    archive, _ = made
    s = settings(tmp_path)
    async with running(s) as r:
        r.owner = owner = await r.login("owner")
        await r.add_user("latecomer")
        resp = await r.client.post(
            f"/api/v1/admin/backups/files/{archive.name}/restore",
            json={"passphrase": PASS},
            headers=owner.headers,
        )
        job = await wait_job(r, resp.json()["id"])
        assert job["state"] == "done", job
        overview = (await r.client.get("/api/v1/admin/backups", headers=owner.headers)).json()
        assert overview["restore_pending"] is True
        # nothing changed while it runs
        users = (await r.client.get("/api/v1/admin/users", headers=owner.headers)).json()
        assert "latecomer" in [u["username"] for u in users["users"]]
    async with running(s) as r:
        owner = await r.login("owner")
        users = (await r.client.get("/api/v1/admin/users", headers=owner.headers)).json()
        assert sorted(u["username"] for u in users["users"]) == ["mum", "owner"]
        overview = (await r.client.get("/api/v1/admin/backups", headers=owner.headers)).json()
        assert overview["restore_pending"] is False
    assert [p for p in s.data_dir.parent.iterdir() if ".before-restore-" in p.name]


async def test_the_daily_schedule_runs_once_per_day_and_keeps_n(claimed: Running) -> None:
    r, owner = claimed, claimed.owner
    assert owner is not None
    usb = r.rt.data_dir.parent / "usb"
    usb.mkdir()
    (usb / "holiday.jpg").write_bytes(b"not ours")  # other files on the drive are left alone
    url = "/api/v1/admin/backups/schedule"
    resp = await r.client.put(url, json={"enabled": True, "keep": 2}, headers=owner.headers)
    assert resp.status_code == 422, resp.text  # no passphrase yet
    resp = await r.client.put(
        url,
        json={"enabled": True, "keep": 2, "hour": 3, "folder": str(usb), "passphrase": PASS},
        headers=owner.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["has_passphrase"] is True
    day = 1_900_000_000.0  # a fixed clock: the schedule is about days, not about now
    backups = r.rt.backups
    made = []
    for n in range(4):
        backups.clock = lambda n=n: day + n * 86_400
        made.append(await backups.run_due())
        backups.clock = lambda n=n: day + n * 86_400 + 600
        assert await backups.run_due() is None  # once per day
    assert all(m is not None for m in made)
    names = sorted(p.name for p in usb.iterdir())
    assert names == sorted([m.path.name for m in made[-2:] if m] + ["holiday.jpg"])
    overview = (await r.client.get("/api/v1/admin/backups", headers=owner.headers)).json()
    ours = [n for n in names if n != "holiday.jpg"]
    assert [f["name"] for f in overview["files"]] == sorted(ours, reverse=True)
    assert overview["last"]["result"] == "ok"
    audit = (await r.client.get("/api/v1/admin/audit", headers=owner.headers)).json()["entries"]
    runs = [e for e in audit if e["action"] == "backup.create"]
    assert len(runs) == 4 and all(e["detail"]["trigger"] == "schedule" for e in runs)


async def test_a_missing_usb_drive_fails_the_backup_and_is_recorded(claimed: Running) -> None:
    r, owner = claimed, claimed.owner
    assert owner is not None
    usb = r.rt.data_dir.parent / "usb"
    usb.mkdir()
    resp = await r.client.put(
        "/api/v1/admin/backups/schedule",
        json={"enabled": False, "folder": str(usb)},
        headers=owner.headers,
    )
    assert resp.status_code == 200, resp.text
    usb.rmdir()  # unplugged
    resp = await r.client.post(
        "/api/v1/admin/backups", json={"passphrase": PASS}, headers=owner.headers
    )
    job = await wait_job(r, resp.json()["id"])
    assert (job["state"], job["error_code"]) == ("failed", "backup_failed")
    assert "plugged in" in job["error"]
    last = (await r.client.get("/api/v1/admin/backups", headers=owner.headers)).json()["last"]
    assert last["ok_at"] is None and "plugged in" in last["result"]
    assert await last_backup(r.rt) is None


async def test_backup_api_is_for_admins_and_checks_its_input(claimed: Running) -> None:
    r, owner = claimed, claimed.owner
    assert owner is not None
    mum = await r.add_user("mum")
    for method, url in (
        ("GET", "/api/v1/admin/backups"),
        ("POST", "/api/v1/admin/backups"),
        ("PUT", "/api/v1/admin/backups/schedule"),
    ):
        resp = await r.client.request(method, url, json={"passphrase": PASS}, headers=mum.headers)
        assert resp.status_code == 403, (url, resp.text)
    resp = await r.client.post(
        "/api/v1/admin/backups", json={"passphrase": "short"}, headers=owner.headers
    )
    assert resp.status_code == 422
    for bad in ({"enabled": True, "folder": "relative/path", "passphrase": PASS},
                {"enabled": True, "folder": str(r.rt.data_dir / "files"), "passphrase": PASS},
                {"enabled": True, "hour": 24, "passphrase": PASS},
                {"enabled": True, "keep": 0, "passphrase": PASS}):  # fmt: skip
        resp = await r.client.put("/api/v1/admin/backups/schedule", json=bad, headers=owner.headers)
        assert resp.status_code == 422, (bad, resp.text)
    schedule = (await r.client.get("/api/v1/admin/backups", headers=owner.headers)).json()
    assert schedule["schedule"]["enabled"] is False  # nothing changed
    resp = await r.client.get("/api/v1/admin/backups/jobs/nope", headers=owner.headers)
    assert resp.status_code == 404


async def test_the_cli_backup_makes_an_archive_the_cli_restores(tmp_path: Path) -> None:
    s = settings(tmp_path)
    async with running(s) as r:
        await r.claim()
        await r.add_user("mum")
    pf = tmp_path / "pass.txt"
    pf.write_text(PASS, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    argv = ["backup", str(out), "--data-dir", str(s.data_dir), "--key-file", str(s.key_file),
            "--passphrase-file", str(pf)]  # fmt: skip
    with contextlib.chdir(tmp_path):
        assert await asyncio.to_thread(cli.main, argv) == 0
    (archive,) = out.iterdir()
    users = rows(s.data_dir / "roost.db", "SELECT id, username FROM users ORDER BY id")
    shutil.rmtree(s.data_dir)
    assert await restore_cli(tmp_path, archive) == 0
    assert rows(s.data_dir / "roost.db", "SELECT id, username FROM users ORDER BY id") == users


async def test_a_backup_brought_from_the_desktop_restores_onto_a_new_pi(
    tmp_path: Path, made: tuple[Path, Path]
) -> None:
    archive, _ = made
    raw = archive.read_bytes()
    s = settings(tmp_path / "new-pi")
    async with running(s) as r:
        owner = await r.claim("someone")
        base = f"/api/v1/admin/backups/uploads/{archive.name}"

        async def put(offset: int, data: bytes) -> Any:
            return await r.client.put(
                base, params={"offset": offset}, content=data, headers=owner.headers
            )

        step = 30_000
        assert (await put(0, raw[:step])).json() == {"name": archive.name, "received": step}
        # the connection broke; a piece from too far ahead is refused with where to resume
        resp = await put(3 * step, raw[3 * step : 4 * step])
        assert resp.status_code == 409
        assert resp.json()["error"]["details"] == [{"offset": step}]
        status = await r.client.get(base, headers=owner.headers)
        assert status.json()["received"] == step
        # resent from a little earlier: what follows is replaced, nothing doubled
        for pos in range(step - 500, len(raw), step):
            resp = await put(pos, raw[pos : pos + step])
            assert resp.status_code == 200, resp.text
        resp = await r.client.post(f"{base}/complete", headers=owner.headers)
        assert resp.status_code == 201, resp.text
        folder = s.data_dir.parent / "roost-backups"
        assert (folder / archive.name).read_bytes() == raw
        again = await r.client.post(f"{base}/complete", headers=owner.headers)
        assert again.status_code == 409 and again.json()["error"]["code"] == "backup_exists"
        resp = await r.client.put(
            "/api/v1/admin/backups/uploads/evil.sh",
            params={"offset": 0},
            content=b"x",
            headers=owner.headers,
        )
        assert resp.status_code in (404, 422)
        resp = await r.client.post(
            f"/api/v1/admin/backups/files/{archive.name}/restore",
            json={"passphrase": PASS},
            headers=owner.headers,
        )
        r.owner = owner
        job = await wait_job(r, resp.json()["id"])
        assert job["state"] == "done", job
    async with running(s) as r:
        # the new Pi is now the old one: its accounts, its name, its certificate
        mum = await r.login("mum")
        assert (await r.client.get("/api/v1/server")).json()["name"] == "Family"
        assert r.rt.fingerprint is not None
        convs = (await r.client.get("/api/v1/conversations", headers=mum.headers)).json()
        assert len(convs["conversations"]) == 1


async def test_a_failed_scheduled_backup_is_retried_hourly_not_every_tick(
    claimed: Running,
) -> None:
    r, owner = claimed, claimed.owner
    assert owner is not None
    usb = r.rt.data_dir.parent / "usb"
    usb.mkdir()
    resp = await r.client.put(
        "/api/v1/admin/backups/schedule",
        json={"enabled": True, "hour": 3, "keep": 3, "folder": str(usb), "passphrase": PASS},
        headers=owner.headers,
    )
    assert resp.status_code == 200, resp.text
    usb.rmdir()  # the drive is not plugged in tonight
    backups = r.rt.backups
    day = 1_900_000_000.0
    backups.clock = lambda: day
    with pytest.raises(BackupError, match="plugged in"):
        await backups.run_due()
    backups.clock = lambda: day + 600
    assert await backups.run_due() is None  # not again at once
    usb.mkdir()  # plugged in
    backups.clock = lambda: day + 3700
    made = await backups.run_due()
    assert made is not None and made.path.parent == usb
    backups.clock = lambda: day + 7400
    assert await backups.run_due() is None  # done for today
    audit = (await r.client.get("/api/v1/admin/audit", headers=owner.headers)).json()["entries"]
    assert [e["detail"]["ok"] for e in audit if e["action"] == "backup.create"] == [True, False]
