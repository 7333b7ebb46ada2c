"""Making a backup while the server runs: a consistent snapshot of the database, the files it
names, and the data key, written into one encrypted archive.

The database is copied with ``VACUUM INTO`` from a connection of its own: one read transaction,
so the copy is exactly the database as of one commit (WAL mode lets writers carry on meanwhile).
The files that copy refers to are then hard-linked into a work folder next to it, so the files
sweeper removing one a moment later cannot take it from under the backup; a file already gone
by then (removed between the copy and the link) makes the snapshot start again. Files are stored
in the archive as they are on disk, still encrypted under the data key; the archive then holds
the data key too, encrypted under the passphrase like everything else, and the server's TLS
certificate and key, so that clients which pinned the certificate trust a restored server.
Settings live in the database, so they come along. Uploads in progress do not: they are not
anybody's file yet.
Everything here blocks: call it from a thread.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server import __version__
from server.backup.archive import DEFAULT_LOG2N, ArchiveWriter, BackupError
from server.services import media
from server.services.secrets import random_id
from server.tls import CERT_NAME, KEY_NAME

FORMAT = "roost-backup"
SNAPSHOT_ATTEMPTS = 3


@dataclass
class Progress:
    """How far a backup or a check got; written by the worker thread, read by the API."""

    done: int = 0
    total: int = 0
    stage: str = "starting"

    def add(self, n: int) -> None:
        self.done += n


@dataclass(frozen=True, slots=True)
class Made:
    """A finished backup file."""

    path: Path
    size: int
    users: int
    messages: int
    files: int
    created_at: float


@dataclass
class _Snapshot:
    work: Path
    db: Path
    files: list[tuple[str, Path]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows in every table of a database: what a restore must give back."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    # The names come from the database's own catalogue, quoted: nothing from outside.
    return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}  # noqa: S608


def _snapshot(data_dir: Path, work: Path) -> _Snapshot:
    db = work / "roost.db"
    src = sqlite3.connect(data_dir / "roost.db", isolation_level=None, timeout=30)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.execute("VACUUM INTO ?", (str(db),))
    finally:
        src.close()
    snap = _Snapshot(work, db)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        snap.counts = table_counts(conn)
        blobs = conn.execute("SELECT id, thumbnail FROM blobs ORDER BY id").fetchall()
        meta = dict(conn.execute("SELECT key, value FROM server_meta").fetchall())
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    snap.meta = {
        "server_id": meta.get("server_id"),
        "name": meta.get("name"),
        "schema": revision[0] if revision else None,
    }
    files = data_dir / "files"
    for blob_id, thumbnail in blobs:
        snap.files.append((f"files/blobs/{blob_id}", _link(files, work, f"blobs/{blob_id}")))
        if thumbnail:
            for size in media.THUMB_SIZES:
                # A missing thumbnail is only a picture less; the original is what matters.
                with contextlib.suppress(FileNotFoundError):
                    rel = f"thumbs/{blob_id}.{size}"
                    snap.files.append((f"files/{rel}", _link(files, work, rel)))
    return snap


def _link(files: Path, work: Path, rel: str) -> Path:
    """A hard link to a stored file in the work folder (a copy where links are not possible).

    Raises:
        FileNotFoundError: the file is gone (the sweeper removed it after the snapshot).
    """
    src, dst = files / rel, work / "files" / rel
    dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.link(src, dst)
    except FileNotFoundError:
        raise
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _fresh_snapshot(data_dir: Path) -> _Snapshot:
    for attempt in range(SNAPSHOT_ATTEMPTS):
        work = data_dir / f"backup-work-{random_id()}"
        work.mkdir(mode=0o700)
        try:
            return _snapshot(data_dir, work)
        except FileNotFoundError:
            shutil.rmtree(work, ignore_errors=True)
            if attempt == SNAPSHOT_ATTEMPTS - 1:
                raise BackupError(
                    "files kept changing while the backup was being made; try again"
                ) from None
        except (sqlite3.Error, OSError) as exc:
            shutil.rmtree(work, ignore_errors=True)
            # most often the disk holding the data is full: the copy needs the database's size
            raise BackupError(f"the database could not be copied for the backup: {exc}") from None
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    raise AssertionError("unreachable")


def create_blocking(
    *,
    data_dir: Path,
    key_file: Path,
    dest: Path,
    passphrase: str,
    log2n: int = DEFAULT_LOG2N,
    progress: Progress | None = None,
    now: Callable[[], float] = time.time,
) -> Made:
    """Write a backup of the server in ``data_dir`` to ``dest`` (which must not exist).

    The archive is written under a temporary name and renamed when complete and on disk, so
    a file with the final name is always a whole backup.

    Raises:
        BackupError: the snapshot could not be made or the folder cannot be written.
    """
    progress = progress or Progress()
    progress.stage = "snapshot"
    snap = _fresh_snapshot(data_dir)
    tmp = dest.with_name(f".{dest.name}.partial")
    try:
        sizes = [snap.db.stat().st_size] + [p.stat().st_size for _, p in snap.files]
        progress.total = sum(sizes)
        progress.stage = "writing"
        created_at = now()
        entries: dict[str, str] = {}
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as exc:
            raise BackupError(f"cannot write in {dest.parent}: {exc.strerror}") from None
        with os.fdopen(fd, "wb") as fh:
            w = ArchiveWriter(fh, passphrase, log2n=log2n)
            info = {
                "format": FORMAT,
                "version": 1,
                "server_version": __version__,
                "created_at": created_at,
                **snap.meta,
            }
            entries["backup.json"] = w.add_bytes("backup.json", json.dumps(info).encode())
            entries["data.key"] = w.add_file("data.key", key_file)
            entries["roost.db"] = w.add_file("roost.db", snap.db, progress.add)
            for name in (CERT_NAME, KEY_NAME):
                if (data_dir / name).is_file():
                    entries[name] = w.add_file(name, data_dir / name)
            for name, path in snap.files:
                entries[name] = w.add_file(name, path, progress.add)
            manifest = {"entries": entries, "tables": snap.counts, **info}
            w.add_bytes("manifest.json", json.dumps(manifest).encode())
            w.close()
            os.fsync(fh.fileno())
        if dest.exists():
            raise BackupError(f"{dest} appeared while the backup was being written")
        os.replace(tmp, dest)
        with contextlib.suppress(OSError):  # some USB file systems refuse a directory fsync
            dfd = os.open(dest.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"the backup could not be written to {dest.parent}: {exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(snap.work, ignore_errors=True)
    progress.stage = "done"
    return Made(
        path=dest,
        size=dest.stat().st_size,
        users=snap.counts.get("users", 0),
        messages=snap.counts.get("events", 0),
        files=len(snap.files),
        created_at=created_at,
    )
