"""The segmented encrypted store: exact bytes back for any range, only the segments a range
touches are decrypted, tampering of every kind is caught, and a failed write rolls back."""

from __future__ import annotations

import errno
import os
import random
from pathlib import Path
from typing import Any

import pytest

from server.datakey import DataKey
from server.services import blobstore
from server.services.blobstore import (
    BLOBS,
    HEADER,
    NONCE,
    OVERHEAD,
    UPLOADS,
    BlobCorrupt,
    BlobStore,
    OffsetMismatch,
    OutOfSpace,
)

SEG = 1024  # small segments, so that a few KiB span many of them


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    s = BlobStore(tmp_path / "files", DataKey(os.urandom(32)), segment_size=SEG)
    s.ensure_dirs_blocking()
    return s


def _upload(store: BlobStore, obj: str, data: bytes, pieces: list[int]) -> None:
    store.create_blocking(UPLOADS, obj)
    pos = 0
    for n in pieces:
        assert store.append_blocking(obj, pos, data[pos : pos + n]) == pos + len(
            data[pos : pos + n]
        )
        pos += n
    assert store.held_blocking(obj) == len(data)
    store.finish_blocking(obj, len(data))


@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 5 * SEG + 7])
def test_any_range_reads_back_exactly(store: BlobStore, size: int) -> None:
    rnd = random.Random(size)
    data = rnd.randbytes(size)
    # odd chunk sizes, so that chunks end mid-segment and the next one continues it
    pieces, left = [], size
    while left > 0:
        n = min(left, rnd.choice([1, 7, SEG - 3, SEG, SEG + 5, 2 * SEG + 1]))
        pieces.append(n)
        left -= n
    _upload(store, "obj1", data, pieces)
    path = store.path(BLOBS, "obj1")
    assert path.stat().st_size == BlobStore.stored_size(size, SEG)
    assert store.plaintext_size_blocking(BLOBS, "obj1") == size
    with store.reader(BLOBS, "obj1", size) as r:
        assert r.read_blocking(0, size) == data
        for _ in range(50):
            a = rnd.randrange(0, size + 1)
            n = rnd.randrange(0, size + 2)
            assert r.read_blocking(a, n) == data[a : a + n]


@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 5 * SEG + 7])
def test_any_span_reads_back_exactly_in_one_buffer(store: BlobStore, size: int) -> None:
    """``read_span_blocking`` (downloads) decrypts whole segments straight into its buffer and
    the partial ones at either end through the cache: the same bytes as ``read_blocking``."""
    rnd = random.Random(size + 1)
    data = rnd.randbytes(size)
    _upload(store, "span", data, [size] if size else [])
    with store.reader(BLOBS, "span", size) as r:
        assert bytes(r.read_span_blocking(0, size)) == data
        cases = [(0, SEG), (SEG, 3 * SEG), (SEG - 1, 2 * SEG + 1), (size - 1, size + 5)]
        cases += [(rnd.randrange(0, size + 1), rnd.randrange(0, size + 9)) for _ in range(60)]
        for a, b in cases:
            a = max(0, a)
            assert bytes(r.read_span_blocking(a, b)) == data[a:b], (a, b)
        # and twice over the same reader, in any order: the reused buffer holds nothing over
        assert bytes(r.read_span_blocking(SEG // 2, size)) == data[SEG // 2 :]


def test_a_span_decrypts_each_segment_once_and_catches_tampering(store: BlobStore) -> None:
    data, path = _finished(store, "span2", 6 * SEG + 9)
    with store.reader(BLOBS, "span2", len(data)) as r:
        pos = 0
        while pos < len(data):  # as a download walks it: segment-aligned spans
            stop = r.next_boundary(pos, 2 * SEG)
            assert bytes(r.read_span_blocking(pos, stop)) == data[pos:stop]
            pos = stop
    raw = bytearray(path.read_bytes())
    raw[HEADER + 3 * (SEG + OVERHEAD) + NONCE + 1] ^= 1  # inside segment 3's ciphertext
    path.write_bytes(bytes(raw))
    with store.reader(BLOBS, "span2", len(data)) as r:
        assert bytes(r.read_span_blocking(0, 3 * SEG)) == data[: 3 * SEG]
        with pytest.raises(BlobCorrupt, match="segment 3"):
            r.read_span_blocking(2 * SEG, 5 * SEG)


def test_a_span_of_a_truncated_blob_is_refused(store: BlobStore) -> None:
    data, path = _finished(store, "span3", 4 * SEG)
    with store.reader(BLOBS, "span3", len(data)) as r:
        with path.open("r+b") as fh:  # cut after the reader checked the size
            fh.truncate(HEADER + 2 * (SEG + OVERHEAD) + 10)
        with pytest.raises(BlobCorrupt, match="truncated"):
            r.read_span_blocking(0, 4 * SEG)


class _OnlyDecrypt:
    """An AESGCM as cryptography before 45 has it: no ``decrypt_into``."""

    def __init__(self, aead: Any) -> None:
        self.decrypt = aead.decrypt


def test_spans_without_decrypt_into_read_the_same(store: BlobStore) -> None:
    """The project allows cryptography 42: then each segment is decrypted and copied."""
    data, path = _finished(store, "span4", 3 * SEG + 1)
    with store.reader(BLOBS, "span4", len(data)) as r:
        r._aead = _OnlyDecrypt(r._aead)  # type: ignore[assignment]
        assert bytes(r.read_span_blocking(0, len(data))) == data
        raw = bytearray(path.read_bytes())
        raw[HEADER + NONCE] ^= 1
        path.write_bytes(bytes(raw))
        with pytest.raises(BlobCorrupt, match="segment 0"):
            r.read_span_blocking(0, SEG)


def test_a_range_decrypts_only_the_segments_it_touches(
    store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = os.urandom(20 * SEG)
    _upload(store, "obj2", data, [len(data)])
    opened: list[int] = []
    real = BlobStore._open_segment

    def counting(self: BlobStore, aead: Any, obj: str, index: int, raw: bytes, last: bool) -> bytes:
        opened.append(index)
        return real(self, aead, obj, index, raw, last)

    monkeypatch.setattr(BlobStore, "_open_segment", counting)
    with store.reader(BLOBS, "obj2", len(data)) as r:
        assert r.read_blocking(10 * SEG + 5, 10) == data[10 * SEG + 5 : 10 * SEG + 15]
        assert opened == [10]
        opened.clear()
        assert r.read_blocking(3 * SEG - 1, SEG + 2) == data[3 * SEG - 1 : 4 * SEG + 1]
        assert opened == [2, 3, 4]
        opened.clear()
        assert r.read_blocking(len(data) - 3, 3) == data[-3:]  # a suffix: the last one only
        assert opened == [19]


def test_nothing_is_stored_in_the_clear(store: BlobStore) -> None:
    marker = b"ROOST-PLAINTEXT-MARKER-"
    data = marker * 500
    _upload(store, "obj3", data, [1000, len(data) - 1000])
    raw = store.path(BLOBS, "obj3").read_bytes()
    assert marker not in raw
    assert b"PLAINTEXT" not in raw


def _finished(store: BlobStore, obj: str, size: int) -> tuple[bytes, Path]:
    data = os.urandom(size)
    _upload(store, obj, data, [size])
    return data, store.path(BLOBS, obj)


def test_a_flipped_bit_is_caught(store: BlobStore) -> None:
    data, path = _finished(store, "obj4", 4 * SEG)
    raw = bytearray(path.read_bytes())
    raw[HEADER + 2 * (SEG + OVERHEAD) + 100] ^= 1
    path.write_bytes(bytes(raw))
    with store.reader(BLOBS, "obj4", len(data)) as r:
        assert r.read_blocking(0, SEG) == data[:SEG]  # untouched segments still read
        with pytest.raises(BlobCorrupt):
            r.read_blocking(2 * SEG, 10)


def test_swapped_segments_are_caught(store: BlobStore) -> None:
    data, path = _finished(store, "obj5", 4 * SEG)
    raw = path.read_bytes()
    stride = SEG + OVERHEAD
    seg0, seg1 = raw[HEADER : HEADER + stride], raw[HEADER + stride : HEADER + 2 * stride]
    path.write_bytes(raw[:HEADER] + seg1 + seg0 + raw[HEADER + 2 * stride :])
    with store.reader(BLOBS, "obj5", len(data)) as r, pytest.raises(BlobCorrupt):
        r.read_blocking(0, 1)


def test_a_cut_off_end_is_caught_even_on_a_segment_boundary(store: BlobStore) -> None:
    data, path = _finished(store, "obj6", 4 * SEG)
    raw = path.read_bytes()
    path.write_bytes(raw[: HEADER + 3 * (SEG + OVERHEAD)])
    with pytest.raises(BlobCorrupt):
        store.reader(BLOBS, "obj6", len(data))  # the size on disk disagrees
    # and lying about the size does not help: segment 2 was not sealed as the last one
    with store.reader(BLOBS, "obj6", 3 * SEG) as r, pytest.raises(BlobCorrupt):
        r.read_blocking(2 * SEG, 10)


def test_a_blob_moved_to_another_name_does_not_open(store: BlobStore) -> None:
    data, path = _finished(store, "obj7", 100)
    path.rename(store.path(BLOBS, "obj8"))
    with store.reader(BLOBS, "obj8", len(data)) as r, pytest.raises(BlobCorrupt):
        r.read_blocking(0, 10)


def test_a_torn_last_segment_is_cut_off(store: BlobStore) -> None:
    """A write rewrites from the segment it continues; a crash can leave a segment half
    written after the whole ones. What is held is then what decrypts."""
    store.create_blocking(UPLOADS, "up1")
    data = os.urandom(3 * SEG + 10)
    store.append_blocking("up1", 0, data[: 3 * SEG])
    path = store.path(UPLOADS, "up1")
    with path.open("ab") as fh:  # the next segment, half written when the power went
        fh.write(os.urandom(SEG // 2))
    assert store.held_blocking("up1") == 3 * SEG
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0xFF  # and a torn write inside the last whole segment
    path.write_bytes(bytes(raw))
    assert store.held_blocking("up1") == 2 * SEG
    assert store.append_blocking("up1", 2 * SEG, data[2 * SEG :]) == len(data)
    store.finish_blocking("up1", len(data))
    with store.reader(BLOBS, "up1", len(data)) as r:
        assert r.read_blocking(0, len(data)) == data


def test_appends_at_a_wrong_offset_and_resends(store: BlobStore) -> None:
    store.create_blocking(UPLOADS, "up2")
    data = os.urandom(2 * SEG + 100)
    store.append_blocking("up2", 0, data[:1500])
    with pytest.raises(OffsetMismatch) as err:
        store.append_blocking("up2", 1600, data[1600:])
    assert err.value.held == 1500
    # a chunk sent again (its answer was lost): it replaces what follows its offset
    assert store.append_blocking("up2", 1000, data[1000:]) == len(data)
    store.finish_blocking("up2", len(data))
    with store.reader(BLOBS, "up2", len(data)) as r:
        assert r.read_blocking(0, len(data)) == data


def test_a_full_disk_rolls_the_upload_back(
    store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.create_blocking(UPLOADS, "up3")
    data = os.urandom(3 * SEG)
    store.append_blocking("up3", 0, data[:1500])  # ends mid-segment: the next write continues it
    before = store.path(UPLOADS, "up3").read_bytes()

    real_write = os.write
    calls = []

    def full(fd: int, data: Any) -> int:
        calls.append(len(data))
        if len(calls) > 1:  # the roll-back, once the chunk's bytes were cut off again
            return real_write(fd, data)
        real_write(fd, bytes(data[:700]))  # part of it got written before the disk filled
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OutOfSpace):
        store.append_blocking("up3", 1500, data[1500:])
    monkeypatch.undo()
    assert store.held_blocking("up3") == 1500
    assert len(store.path(UPLOADS, "up3").read_bytes()) == len(before)
    assert store.append_blocking("up3", 1500, data[1500:]) == len(data)
    store.finish_blocking("up3", len(data))
    with store.reader(BLOBS, "up3", len(data)) as r:
        assert r.read_blocking(0, len(data)) == data


def test_a_whole_object_written_at_once(store: BlobStore) -> None:
    data = os.urandom(5 * SEG + 3)
    size, sha = store.write_blocking(BLOBS, "w1", [data[:10], data[10:4000], data[4000:]])
    import hashlib

    assert (size, sha) == (len(data), hashlib.sha256(data).hexdigest())
    with store.reader(BLOBS, "w1", size) as r:
        assert r.read_blocking(0, size) == data
    assert store.read_all_blocking(BLOBS, "w1", size) == data
    with pytest.raises(FileExistsError):
        store.write_blocking(BLOBS, "w1", [b"x"])


def test_names_are_never_paths(store: BlobStore) -> None:
    for bad in ("", "../x", "a/b", ".hidden"):
        with pytest.raises(ValueError, match="bad object name"):
            store.path(BLOBS, bad)
    with pytest.raises(ValueError, match="bad object name"):
        store.path("elsewhere", "x")
    assert blobstore.KINDS == ("uploads", "blobs", "thumbs")
