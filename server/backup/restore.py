"""Checking and restoring a backup: unpack into a scratch folder, prove it whole, then swap it in.

``check`` is what "verify this backup" means: every chunk decrypts, every entry has the hash the
manifest gives, the database passes SQLite's integrity check and has the manifest's row counts,
the data key in the archive opens the database's key check, and every stored file decrypts to
the SHA-256 its row records. ``restore_blocking`` does the same into a folder next to the
target, and only when all of it passed moves the result into place: a wrong passphrase or a
damaged archive leaves the target exactly as it was. Everything here blocks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.backup.archive import ArchiveDamaged, BackupError, Entry, extract_blocking
from server.backup.create import FORMAT, Progress, table_counts
from server.datakey import DataKey, DataKeyError, load_or_create_blocking, verify_key_check
from server.services.blobstore import BLOBS, BlobCorrupt, BlobStore
from server.services.secrets import random_id
from server.storage.engine import MIGRATIONS

FREE_MARGIN = 256 * 1024**2


class RestoreRefused(BackupError):
    """The target is not a safe place to restore into (it holds data, say)."""


@dataclass(frozen=True, slots=True)
class Report:
    """What a checked backup holds."""

    server_id: str
    name: str
    created_at: float
    users: int
    messages: int
    files: int
    tables: dict[str, int]


def _json(folder: Path, name: str) -> dict[str, Any]:
    try:
        value = json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ArchiveDamaged(f"the backup's {name} is missing or unreadable") from None
    if not isinstance(value, dict):
        raise ArchiveDamaged(f"the backup's {name} is damaged")
    return value


def _known_revision(revision: str | None) -> bool:
    from alembic.script import ScriptDirectory

    if not revision:
        return False
    try:
        return ScriptDirectory(str(MIGRATIONS)).get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def check_unpacked_blocking(
    folder: Path, entries: dict[str, Entry], progress: Progress | None = None
) -> Report:
    """Prove an unpacked backup whole (see the module's docstring).

    Raises:
        ArchiveDamaged: with what failed, in plain words.
    """
    manifest = _json(folder, "manifest.json")
    info = _json(folder, "backup.json")
    if manifest.get("format") != FORMAT or info.get("format") != FORMAT:
        raise ArchiveDamaged("this is not a Roost backup")
    listed = manifest.get("entries")
    if not isinstance(listed, dict):
        raise ArchiveDamaged("the backup's manifest is damaged")
    present = {n: e.sha256 for n, e in entries.items() if n != "manifest.json"}
    if listed != present:
        missing = sorted(set(listed) - set(present))
        raise ArchiveDamaged(
            "the backup does not match its manifest"
            + (f" ({len(missing)} entries missing)" if missing else "")
        )
    for name in ("data.key", "roost.db"):
        if name not in entries:
            raise ArchiveDamaged(f"the backup holds no {name}")
    try:
        key = load_or_create_blocking(folder / "data.key", may_create=False)
    except DataKeyError:
        raise ArchiveDamaged("the data key in the backup is damaged") from None
    db = folder / "roost.db"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    try:
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError:
            raise ArchiveDamaged("the database in the backup is not a database") from None
        if verdict != "ok":
            raise ArchiveDamaged(f"the database in the backup is damaged: {verdict}")
        tables = table_counts(conn)
        meta = dict(conn.execute("SELECT key, value FROM server_meta").fetchall())
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        blobs = conn.execute("SELECT id, sha256, size FROM blobs").fetchall()
    finally:
        conn.close()
    if tables != manifest.get("tables"):
        raise ArchiveDamaged("the database in the backup does not have the rows it should")
    if not _known_revision(revision[0] if revision else None):
        raise ArchiveDamaged(
            "this backup comes from a newer Roost; update this server before restoring it"
        )
    try:
        verify_key_check(key, meta.get("key_check", ""), folder / "data.key", folder)
    except DataKeyError:
        raise ArchiveDamaged("the data key in the backup does not belong to its data") from None
    if progress is not None:
        progress.stage = "checking files"
        progress.done, progress.total = 0, sum(int(b[2]) for b in blobs)
    _check_blobs(folder, key, blobs, progress)
    return Report(
        server_id=str(meta.get("server_id", "")),
        name=str(meta.get("name", "")),
        created_at=float(info.get("created_at", 0.0)),
        users=tables.get("users", 0),
        messages=tables.get("events", 0),
        files=len(blobs),
        tables=tables,
    )


def _check_blobs(folder: Path, key: DataKey, blobs: list[Any], progress: Progress | None) -> None:
    store = BlobStore(folder / "files", key)
    for blob_id, sha256, size in blobs:
        if not (folder / "files" / BLOBS / blob_id).is_file():
            raise ArchiveDamaged(f"the backup lacks a stored file ({blob_id})")
        digest = hashlib.sha256()
        try:
            with store.reader(BLOBS, blob_id, int(size)) as r:
                pos = 0
                while pos < size:
                    end = r.next_boundary(pos, 1024 * 1024)
                    data = r.read_blocking(pos, end - pos)
                    digest.update(data)
                    pos += len(data)
                    if progress is not None:
                        progress.add(len(data))
                    if not data:
                        break
        except BlobCorrupt:
            raise ArchiveDamaged(f"a stored file in the backup is damaged ({blob_id})") from None
        if digest.hexdigest() != sha256:
            raise ArchiveDamaged(f"a stored file in the backup is damaged ({blob_id})")


def unpack_and_check_blocking(
    archive: Path, passphrase: str, folder: Path, progress: Progress | None = None
) -> Report:
    """Unpack ``archive`` into the empty ``folder`` and check it; the caller removes it."""
    try:
        size = archive.stat().st_size
    except OSError as exc:
        raise BackupError(f"the backup {archive} cannot be read: {exc.strerror}") from None
    # Unpacked, a backup takes about its own size. Checking one must not fill the disk the
    # live server writes to; a margin is left for it.
    free = shutil.disk_usage(folder).free
    if free < size + FREE_MARGIN:
        raise BackupError(
            f"there is not enough free disk space to unpack this backup: it needs about "
            f"{(size + FREE_MARGIN) // 1024**2} MiB, {free // 1024**2} MiB are free"
        )
    if progress is not None:
        progress.stage = "decrypting"
        progress.done, progress.total = 0, size
    entries = extract_blocking(
        archive, passphrase, folder, progress=progress.add if progress else None
    )
    return check_unpacked_blocking(folder, entries, progress)


def verify_blocking(
    archive: Path, passphrase: str, scratch_parent: Path, progress: Progress | None = None
) -> Report:
    """Restore ``archive`` into a scratch folder under ``scratch_parent``, check it, remove it.

    Raises:
        WrongPassphrase, ArchiveDamaged: what is wrong with the backup.
    """
    scratch = scratch_parent / f".verify-{random_id()}"
    scratch.mkdir(mode=0o700, parents=True)
    try:
        report = unpack_and_check_blocking(archive, passphrase, scratch, progress)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if progress is not None:
        progress.stage = "done"
    return report


def _has_content(path: Path) -> bool:
    return path.exists() and (not path.is_dir() or any(path.iterdir()))


def _write_key_blocking(key_file: Path, source: Path) -> Path | None:
    """Put the backup's key at ``key_file`` (atomically); a different key already there is
    kept beside it. Returns where the old key went, if one was moved."""
    new = source.read_bytes()
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    old: Path | None = None
    if key_file.exists():
        if key_file.read_bytes() == new:
            return None
        old = key_file.with_name(f"{key_file.name}.before-restore-{int(time.time())}")
        os.replace(key_file, old)
    tmp = key_file.with_name(f".{key_file.name}.{random_id()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(new)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, key_file)
    return old


@dataclass(frozen=True, slots=True)
class Restored:
    report: Report
    previous_data: Path | None  # where the replaced data directory was moved, with --force
    previous_key: Path | None


def restore_blocking(
    archive: Path,
    passphrase: str,
    *,
    data_dir: Path,
    key_file: Path,
    force: bool = False,
    progress: Progress | None = None,
) -> Restored:
    """Restore ``archive`` as the server's data in ``data_dir``, its key at ``key_file``.

    Nothing is changed until the whole backup has been unpacked and checked. With ``force``
    an existing data directory is not deleted but moved aside (``<dir>.before-restore-<time>``),
    and so is a different key file.

    Raises:
        RestoreRefused: ``data_dir`` holds data and ``force`` is not given.
        WrongPassphrase, ArchiveDamaged: the backup cannot be used; nothing was changed.
    """
    data_dir = data_dir.expanduser().resolve()
    key_file = key_file.expanduser().resolve()
    if key_file.is_relative_to(data_dir):
        raise RestoreRefused("the key file must live outside the data directory")
    if _has_content(data_dir) and not force:
        raise RestoreRefused(
            f"{data_dir} already holds data; restoring would replace it. Give --force to move "
            "it aside and restore anyway"
        )
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # Next to the target: on the same file system, so the final step is a rename.
    staging = data_dir.parent / f".{data_dir.name}.restoring-{random_id()}"
    staging.mkdir(mode=0o700)
    try:
        report = unpack_and_check_blocking(archive, passphrase, staging, progress)
        key_source = staging.parent / f".{data_dir.name}.key-{random_id()}"
        os.replace(staging / "data.key", key_source)
        for name in ("backup.json", "manifest.json"):
            (staging / name).unlink()
        try:
            previous_key = _write_key_blocking(key_file, key_source)
        finally:
            key_source.unlink(missing_ok=True)
        previous: Path | None = None
        if data_dir.exists():
            if _has_content(data_dir):
                previous = data_dir.with_name(f"{data_dir.name}.before-restore-{int(time.time())}")
                os.replace(data_dir, previous)
            else:
                data_dir.rmdir()
        os.replace(staging, data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    with contextlib.suppress(OSError):
        (data_dir / "files" / "uploads").mkdir(mode=0o700, exist_ok=True)
    if progress is not None:
        progress.stage = "done"
    return Restored(report, previous, previous_key)


# --- restores staged by the API, applied at the next start ------------------------------------

_READY = ".ready"


def staged_path(data_dir: Path) -> Path:
    """Where a restore waits for the next start: beside the data directory."""
    return data_dir.parent / f"{data_dir.name}.staged-restore"


def _staged_key(key_file: Path) -> Path:
    # beside the key, not beside the data: the key never lives next to what it opens
    return key_file.with_name(f"{key_file.name}.staged-restore")


def stage_blocking(
    archive: Path,
    passphrase: str,
    data_dir: Path,
    key_file: Path,
    progress: Progress | None = None,
) -> Report:
    """Unpack and check ``archive`` so that the next start replaces the data with it.

    Raises:
        WrongPassphrase, ArchiveDamaged: nothing was staged (a restore staged before stays).
    """
    staging = data_dir.parent / f".{data_dir.name}.restoring-{random_id()}"
    staging.mkdir(mode=0o700)
    try:
        report = unpack_and_check_blocking(archive, passphrase, staging, progress)
        for name in ("backup.json", "manifest.json"):
            (staging / name).unlink()
        target = staged_path(data_dir)
        if target.exists():
            shutil.rmtree(target)
        key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.replace(staging / "data.key", _staged_key(key_file))
        (staging / _READY).touch(mode=0o600)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if progress is not None:
        progress.stage = "done"
    return report


def apply_staged_blocking(data_dir: Path, key_file: Path) -> Path | None:
    """At start, before the database is opened: put a staged restore in place.

    The data it replaces is moved aside (``<dir>.before-restore-<time>``), not deleted.

    Returns:
        Where the replaced data went, or None when no restore was staged.
    """
    staged = staged_path(data_dir)
    key = _staged_key(key_file)
    if not (staged / _READY).exists() or not key.exists():
        return None
    _write_key_blocking(key_file, key)
    key.unlink()
    previous: Path | None = None
    if data_dir.exists():
        previous = data_dir.with_name(f"{data_dir.name}.before-restore-{int(time.time())}")
        os.replace(data_dir, previous)
    (staged / _READY).unlink()
    os.replace(staged, data_dir)
    return previous
