"""The backup file format: what goes in comes out, and any change, cut or wrong passphrase is
refused."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from server.backup.archive import (
    ArchiveDamaged,
    ArchiveWriter,
    BackupError,
    WrongPassphrase,
    extract_blocking,
)

PASS = "a long family passphrase"
LOG2N = 10  # the smallest the format accepts: keeps a test that opens hundreds of copies quick


def make(entries: dict[str, bytes], *, chunk: int = 64, passphrase: str = PASS) -> bytes:
    buf = io.BytesIO()
    w = ArchiveWriter(buf, passphrase, log2n=LOG2N, chunk_size=chunk)
    for name, data in entries.items():
        w.add_bytes(name, data)
    w.close()
    return buf.getvalue()


def write(tmp_path: Path, raw: bytes, name: str = "b.roostbak") -> Path:
    path = tmp_path / name
    path.write_bytes(raw)
    return path


ENTRIES = {
    "backup.json": b'{"format": "roost-backup"}',
    "roost.db": os.urandom(300),  # several chunks of 64
    "files/blobs/abc": b"",
    "files/thumbs/abc.small": os.urandom(64),  # exactly one chunk
}


def test_entries_come_back_byte_for_byte(tmp_path: Path) -> None:
    archive = write(tmp_path, make(ENTRIES))
    out = tmp_path / "out"
    found = extract_blocking(archive, PASS, out)
    assert set(found) == set(ENTRIES)
    for name, data in ENTRIES.items():
        assert (out / name).read_bytes() == data
        assert found[name].size == len(data)


def test_a_large_file_streams_through_in_bounded_pieces(tmp_path: Path) -> None:
    src = tmp_path / "big"
    data = os.urandom(3 * 1024 * 1024 + 17)
    src.write_bytes(data)
    with (tmp_path / "a").open("wb") as fh:
        w = ArchiveWriter(fh, PASS, log2n=LOG2N)
        w.add_file("roost.db", src)
        w.close()
    seen: list[int] = []
    extract_blocking(tmp_path / "a", PASS, tmp_path / "out", progress=seen.append)
    assert (tmp_path / "out" / "roost.db").read_bytes() == data
    assert max(seen) <= 1024 * 1024  # never more than one chunk in hand
    assert sum(seen) == len(data)


def test_a_wrong_passphrase_is_named_as_such(tmp_path: Path) -> None:
    archive = write(tmp_path, make(ENTRIES))
    with pytest.raises(WrongPassphrase):
        extract_blocking(archive, PASS + "!", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_every_single_flipped_byte_is_refused(tmp_path: Path) -> None:
    raw = make(ENTRIES)
    for pos in range(len(raw)):
        bad = bytearray(raw)
        bad[pos] ^= 0x01
        archive = write(tmp_path, bytes(bad), f"x{pos}")
        with pytest.raises(BackupError):
            extract_blocking(archive, PASS, tmp_path / f"out{pos}")


def test_every_truncation_and_any_appended_byte_is_refused(tmp_path: Path) -> None:
    raw = make(ENTRIES)
    for cut in range(len(raw)):
        archive = write(tmp_path, raw[:cut], f"t{cut}")
        with pytest.raises(BackupError):
            extract_blocking(archive, PASS, tmp_path / f"out{cut}")
    with pytest.raises(ArchiveDamaged):
        extract_blocking(write(tmp_path, raw + b"\x00"), PASS, tmp_path / "more")


def test_chunks_cannot_be_reordered(tmp_path: Path) -> None:
    raw = make({"roost.db": os.urandom(200)}, chunk=64)
    header = 49
    stride = 4 + 64 + 16
    first, second = raw[header : header + stride], raw[header + stride : header + 2 * stride]
    swapped = raw[:header] + second + first + raw[header + 2 * stride :]
    with pytest.raises(ArchiveDamaged):
        extract_blocking(write(tmp_path, swapped), PASS, tmp_path / "out")


def test_names_outside_a_backup_are_refused_on_both_sides(tmp_path: Path) -> None:
    w = ArchiveWriter(io.BytesIO(), PASS, log2n=LOG2N)
    for name in ("../etc/passwd", "/abs", "files/blobs/../../x", "other.txt", "files/blobs/a/b"):
        with pytest.raises(ArchiveDamaged):
            w.add_bytes(name, b"x")


def test_not_a_backup_at_all(tmp_path: Path) -> None:
    with pytest.raises(ArchiveDamaged):
        extract_blocking(write(tmp_path, b"PK\x03\x04" + os.urandom(100)), PASS, tmp_path / "o")
    with pytest.raises(BackupError):
        extract_blocking(tmp_path / "missing", PASS, tmp_path / "o")
