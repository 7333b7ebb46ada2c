"""Files over real HTTPS: resumable uploads, the checks at completion, quotas and a full disk,
Range downloads of encrypted blobs, who may download, thumbnails and location stripping,
audio/video through ffmpeg (and without it), attachments in messages, and the clean-up."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import os
import shutil
import struct
import subprocess
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from server.services.blobstore import DEFAULT_SEGMENT, BlobStore
from server.storage.tables import attachment_shares, attachments, blobs, uploads
from tests.helpers.server import Running, Session, make_settings, pinned_context, running
from tests.helpers.ws import CommandFailed, WsClient

MiB = 1024 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def create(
    r: Running, who: Session, data: bytes, *, name: str = "file.bin", mime: str | None = None
) -> httpx.Response:
    return await r.client.post(
        "/api/v1/uploads",
        json={
            "name": name,
            "size": len(data),
            "mime": mime or "application/octet-stream",
            "sha256": sha(data),
        },
        headers=who.headers,
    )


async def put(
    r: Running, who: Session, upload_id: str, data: bytes, pos: int, **headers: str
) -> httpx.Response:
    end = pos + len(data) - 1
    return await r.client.put(
        f"/api/v1/uploads/{upload_id}",
        content=data,
        headers={**who.headers, "Content-Range": f"bytes {pos}-{end}/*", **headers},
    )


async def upload(
    r: Running,
    who: Session,
    data: bytes,
    *,
    name: str = "file.bin",
    mime: str | None = None,
    declared_sha: str | None = None,
) -> httpx.Response:
    """Create, send every chunk, complete; returns the completion's answer."""
    body = {
        "name": name,
        "size": len(data),
        "mime": mime or "application/octet-stream",
        "sha256": declared_sha or sha(data),
    }
    resp = await r.client.post("/api/v1/uploads", json=body, headers=who.headers)
    assert resp.status_code == 201, resp.text
    up = resp.json()
    step = up["chunk_bytes"]
    for pos in range(0, len(data), step):
        resp = await put(r, who, up["id"], data[pos : pos + step], pos)
        assert resp.status_code == 200, resp.text
    return await r.client.post(f"/api/v1/uploads/{up['id']}/complete", headers=who.headers)


async def attach(r: Running, who: Session, data: bytes, **kw: Any) -> dict[str, Any]:
    resp = await upload(r, who, data, **kw)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def error(resp: httpx.Response, status: int, code: str) -> str:
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert err["code"] == code, resp.text
    assert err["message"]
    return str(err["message"])


async def _ws(r: Running, who: Session) -> WsClient:
    assert r.rt.cert_path is not None
    c = await WsClient.open(r.server.base_url, who.access_token, pinned_context(r.rt.cert_path))
    await c.call("sync")
    return c


async def count(r: Running, table: Any) -> int:
    async with r.rt.reader.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def files_on_disk(r: Running, kind: str) -> list[str]:
    return sorted(os.listdir(r.rt.data_dir / "files" / kind))


@contextlib.asynccontextmanager
async def server(tmp_path: Path, **overrides: Any) -> AsyncIterator[Running]:
    async with running(make_settings(tmp_path, **overrides)) as r:
        await r.claim("mum")
        yield r


@pytest.fixture
async def srv(tmp_path: Path) -> AsyncIterator[Running]:
    async with server(tmp_path) as r:
        yield r


async def _share(r: Running, sender: Session, to: Session, ids: list[str]) -> tuple[int, int]:
    """A direct conversation between the two with one message carrying ``ids``."""
    ws = await _ws(r, sender)
    try:
        conv = await ws.call("conversation/create_direct", user_id=to.user_id)
        ack = await ws.call(
            "message/send", conversation_id=conv["id"], client_id=os.urandom(8).hex(),
            text="", attachments=ids,
        )  # fmt: skip
    finally:
        await ws.close()
    return conv["id"], ack["seq"]


# --- limits in one place ------------------------------------------------------------------------


async def test_the_limits_are_advertised(tmp_path: Path) -> None:
    async with server(
        tmp_path, max_file_bytes=5 * MiB, user_quota_bytes=7 * MiB, upload_chunk_bytes=MiB
    ) as r:
        limits = (await r.client.get("/api/v1/server")).json()["limits"]
        assert limits["max_file_bytes"] == 5 * MiB
        assert limits["user_quota_bytes"] == 7 * MiB
        assert limits["upload_chunk_bytes"] == MiB
        assert limits["upload_expiry_s"] == 24 * 3600
        assert limits["max_attachments_per_message"] == 10
        assert limits["max_image_pixels"] == 100_000_000


# --- resumable upload ---------------------------------------------------------------------------


async def _broken_put(r: Running, who: Session, upload_id: str, data: bytes, pos: int) -> None:
    """Sends part of a chunk and then drops the connection, as a train going into a tunnel
    does."""

    class Tunnel(Exception):
        pass

    async def body() -> AsyncIterator[bytes]:
        yield data[: len(data) // 3]
        await asyncio.sleep(0.05)
        yield data[len(data) // 3 : len(data) // 2]
        raise Tunnel

    end = pos + len(data) - 1
    with pytest.raises(Tunnel):
        await r.client.put(
            f"/api/v1/uploads/{upload_id}",
            content=body(),
            headers={
                **who.headers,
                "Content-Range": f"bytes {pos}-{end}/*",
                "Content-Length": str(len(data)),
            },
        )


async def _offset(r: Running, who: Session, upload_id: str) -> int:
    resp = await r.client.get(f"/api/v1/uploads/{upload_id}", headers=who.headers)
    assert resp.status_code == 200, resp.text
    return int(resp.json()["offset"])


async def test_a_50_mb_upload_broken_three_times_resumes(tmp_path: Path) -> None:
    data = os.urandom(50 * MiB)
    settings = make_settings(tmp_path, upload_chunk_bytes=8 * MiB)
    async with running(settings) as r:
        who = await r.claim("mum")
        resp = await create(r, who, data, name="holiday.mov")
        assert resp.status_code == 201, resp.text
        up = resp.json()
        upload_id, step = up["id"], up["chunk_bytes"]
        assert up["offset"] == 0
        assert step == 8 * MiB
        pos = 0
        # three chunks arrive; the fourth is cut off half-way: nothing of it is kept
        for _ in range(3):
            assert (await put(r, who, upload_id, data[pos : pos + step], pos)).status_code == 200
            pos += step
        await _broken_put(r, who, upload_id, data[pos : pos + step], pos)
        assert await _offset(r, who, upload_id) == pos == 3 * step
    # break two: the server itself goes away (a restart) between chunks
    async with running(settings) as r:
        who = await r.login("mum")
        pos = await _offset(r, who, upload_id)
        assert pos == 3 * step
        resp = await put(r, who, upload_id, data[pos : pos + step], pos)
        assert resp.json()["offset"] == pos + step
        # the answer to that chunk is "lost": the client sends it again, which is harmless
        resp = await put(r, who, upload_id, data[pos : pos + step], pos)
        assert resp.status_code == 200, resp.text
        pos += step
        # break three: cut off again, then a chunk sent beyond what the server holds is refused
        await _broken_put(r, who, upload_id, data[pos : pos + step], pos)
        resp = await put(r, who, upload_id, data[pos + step : pos + 2 * step], pos + step)
        msg = error(resp, 409, "offset_mismatch")
        assert str(pos) in msg
        assert resp.json()["error"]["details"][0]["offset"] == pos
        # the client asks where to resume, and sends the rest (here by ?offset=)
        pos = await _offset(r, who, upload_id)
        while pos < len(data):
            resp = await r.client.put(
                f"/api/v1/uploads/{upload_id}",
                params={"offset": pos},
                content=data[pos : pos + step],
                headers=who.headers,
            )
            assert resp.status_code == 200, resp.text
            pos = resp.json()["offset"]
        resp = await r.client.post(f"/api/v1/uploads/{upload_id}/complete", headers=who.headers)
        assert resp.status_code == 200, resp.text
        att = resp.json()
        assert att["sha256"] == att["original_sha256"] == sha(data)
        assert att["size"] == len(data)
        assert att["name"] == "holiday.mov"
        got = hashlib.sha256()
        async with r.client.stream(
            "GET", f"/api/v1/attachments/{att['id']}/content", headers=who.headers
        ) as dl:
            assert dl.status_code == 200
            assert dl.headers["content-length"] == str(len(data))
            assert dl.headers["etag"] == f'"{sha(data)}"'
            async for piece in dl.aiter_bytes():
                got.update(piece)
        assert got.hexdigest() == sha(data)
        # the upload is gone once complete
        gone = await r.client.get(f"/api/v1/uploads/{upload_id}", headers=who.headers)
        assert gone.status_code == 404
        assert files_on_disk(r, "uploads") == []


async def test_the_default_chunk_size_is_announced(srv: Running) -> None:
    """32 MiB (protocol 23): in the server's limits and in every Upload."""
    who = srv.owner
    assert who is not None
    limits = (await srv.client.get("/api/v1/server")).json()["limits"]
    assert limits["upload_chunk_bytes"] == 32 * MiB
    up = (await create(srv, who, b"x" * 10)).json()
    assert up["chunk_bytes"] == 32 * MiB


async def test_a_chunk_cut_short_is_rolled_back_and_the_resumed_upload_verifies(
    tmp_path: Path,
) -> None:
    """Chunks go to disk as they arrive: one cut half-way leaves the upload as it was, and the
    SHA-256 kept along the way still checks the whole file at completion."""
    async with server(tmp_path, upload_chunk_bytes=2 * MiB) as r:
        who = r.owner
        assert who is not None
        data = os.urandom(5 * MiB + 12_345)
        up = (await create(r, who, data)).json()
        step = up["chunk_bytes"]
        assert (await put(r, who, up["id"], data[:step], 0)).status_code == 200
        await _broken_put(r, who, up["id"], data[step : 2 * step], step)
        assert await _offset(r, who, up["id"]) == step
        # the bytes on disk are those of the first chunk only: sealed segments of it
        path = r.rt.data_dir / "files" / "uploads" / up["id"]
        assert r.rt.files is not None
        assert r.rt.files.store.held_blocking(up["id"]) == step
        assert path.stat().st_size == BlobStore.stored_size(step)
        pos = step
        while pos < len(data):
            resp = await put(r, who, up["id"], data[pos : pos + step], pos)
            assert resp.status_code == 200, resp.text
            pos = resp.json()["offset"]
        resp = await r.client.post(f"/api/v1/uploads/{up['id']}/complete", headers=who.headers)
        assert resp.status_code == 200, resp.text
        assert resp.json()["sha256"] == sha(data)


async def test_a_stalled_chunk_does_not_block_the_upload(srv: Running) -> None:
    """A client whose connection died mid-chunk, unnoticed by the server, comes back: asking
    where to resume answers at once, and its next chunk replaces the stalled one."""
    who = srv.owner
    assert who is not None
    data = os.urandom(3 * MiB)
    up = (await create(srv, who, data)).json()
    assert (await put(srv, who, up["id"], data[:MiB], 0)).status_code == 200
    stall = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield data[MiB : MiB + 300_000]
        await stall.wait()  # the train is in the tunnel
        yield data[MiB + 300_000 : 2 * MiB]

    assert srv.rt.cert_path is not None
    verify = pinned_context(srv.rt.cert_path)
    other = httpx.AsyncClient(base_url=srv.server.base_url, verify=verify, timeout=20)
    headers = {**who.headers, "Content-Range": f"bytes {MiB}-{2 * MiB - 1}/*",
               "Content-Length": str(MiB)}  # fmt: skip
    stalled = asyncio.create_task(
        other.put(f"/api/v1/uploads/{up['id']}", content=body(), headers=headers)
    )
    try:
        await asyncio.sleep(0.3)
        assert not stalled.done()
        assert await asyncio.wait_for(_offset(srv, who, up["id"]), 5) == MiB
        resp = await asyncio.wait_for(put(srv, who, up["id"], data[MiB : 2 * MiB], MiB), 10)
        assert resp.status_code == 200, resp.text
        assert resp.json()["offset"] == 2 * MiB
        stall.set()
        old = await asyncio.wait_for(stalled, 10)
        assert "nothing of it was stored" in error(old, 422, "invalid_request")
    finally:
        stall.set()
        await other.aclose()
    assert (await put(srv, who, up["id"], data[2 * MiB :], 2 * MiB)).status_code == 200
    resp = await srv.client.post(f"/api/v1/uploads/{up['id']}/complete", headers=who.headers)
    assert resp.json()["sha256"] == sha(data)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_chunks_from_curl_over_one_connection(srv: Running) -> None:
    """curl sends each chunk after ``Expect: 100-continue`` and keeps the connection for the
    next request: chunk after chunk, then completion, as the W-files benchmark does."""
    who = srv.owner
    assert who is not None
    assert srv.rt.cert_path is not None
    data = os.urandom(7 * MiB + 1)
    up = (await create(srv, who, data)).json()
    url = f"{srv.server.base_url}/api/v1/uploads/{up['id']}"
    folder = srv.rt.data_dir.parent / "chunks"
    folder.mkdir()
    auth = ["--cacert", str(srv.rt.cert_path), "-H", f"Authorization: Bearer {who.access_token}"]
    args: list[str] = []
    for i, pos in enumerate(range(0, len(data), 3 * MiB)):
        piece = data[pos : pos + 3 * MiB]
        (folder / str(i)).write_bytes(piece)
        args += ["--next"] if i else []
        args += [*auth, "-H", f"Content-Range: bytes {pos}-{pos + len(piece) - 1}/{len(data)}",
                 "-T", str(folder / str(i)), "-o", "/dev/null",
                 "-w", "%{http_code} %{num_connects}\n", url]  # fmt: skip
    args += ["--next", *auth, "-X", "POST", f"{url}/complete"]
    proc = await asyncio.create_subprocess_exec(
        "curl", "-sS", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    lines = out.decode().splitlines()
    assert lines[:3] == ["200 1", "200 0", "200 0"], (out, err)  # one connection for all
    assert f'"sha256":"{sha(data)}"' in lines[3]


# --- refusals -----------------------------------------------------------------------------------


async def test_a_corrupted_chunk_is_refused_and_nothing_of_it_stored(srv: Running) -> None:
    who = srv.owner
    assert who is not None
    data = os.urandom(300_000)
    up = (await create(srv, who, data)).json()
    good = data[:100_000]
    damaged = bytearray(good)
    damaged[5000] ^= 0x40
    digest = "sha-256=:" + base64.b64encode(hashlib.sha256(good).digest()).decode() + ":"
    resp = await put(srv, who, up["id"], bytes(damaged), 0, **{"Content-Digest": digest})
    assert "Content-Digest" in error(resp, 422, "chunk_corrupt")
    assert await _offset(srv, who, up["id"]) == 0
    resp = await put(srv, who, up["id"], good, 0, **{"Content-Digest": digest})
    assert resp.json()["offset"] == 100_000
    resp = await put(srv, who, up["id"], data[100_000:], 100_000, **{"Content-Digest": "md5=x"})
    error(resp, 422, "invalid_request")
    # damage the chunk carries no digest for is caught by the whole-file hash at the end
    rest = bytearray(data[100_000:])
    rest[-1] ^= 1
    assert (await put(srv, who, up["id"], bytes(rest), 100_000)).status_code == 200
    resp = await srv.client.post(f"/api/v1/uploads/{up['id']}/complete", headers=who.headers)
    msg = error(resp, 422, "checksum_mismatch")
    assert "start again" in msg
    assert await count(srv, uploads) == 0
    assert await count(srv, attachments) == 0
    assert files_on_disk(srv, "uploads") == files_on_disk(srv, "blobs") == []


async def test_a_wrong_hash_is_refused(srv: Running) -> None:
    who = srv.owner
    assert who is not None
    data = os.urandom(10_000)
    resp = await upload(srv, who, data, declared_sha=sha(b"something else"))
    assert sha(data) in error(resp, 422, "checksum_mismatch")
    assert await count(srv, blobs) == 0


def _png(size: tuple[int, int] = (64, 48), color: str = "green") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def _jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "orange").save(buf, "JPEG")
    return buf.getvalue()


async def test_a_lying_mime_type_is_refused(srv: Running) -> None:
    who = srv.owner
    assert who is not None
    text = b"<html><script>alert(1)</script></html>"
    resp = await upload(srv, who, text, name="cat.png", mime="image/png")
    assert "image/png" in error(resp, 415, "type_mismatch")
    resp = await upload(srv, who, _jpeg(), name="cat.png", mime="image/png")
    msg = error(resp, 415, "type_mismatch")
    assert "image/jpeg" in msg
    assert "image/png" in msg
    resp = await upload(srv, who, _png(), name="notes.txt", mime="text/plain")
    error(resp, 415, "type_mismatch")
    resp = await upload(srv, who, b"%PDF-1.7\n...", name="x.mp4", mime="video/mp4")
    error(resp, 415, "type_mismatch")
    assert await count(srv, attachments) == 0
    # what agrees is taken; a generic declaration takes the sniffed type
    assert (await attach(srv, who, _png(), mime="application/octet-stream"))["mime"] == "image/png"
    assert (await attach(srv, who, _jpeg(), mime="image/jpg"))["mime"] == "image/jpeg"
    assert (await attach(srv, who, b"just text\n", mime="text/plain"))["mime"] == "text/plain"
    docx = b"PK\x03\x04" + os.urandom(100)
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert (await attach(srv, who, docx, mime=mime))["mime"] == mime
    # a name is a name, never a path
    resp = await create(srv, who, b"x", name="../../etc/passwd")
    error(resp, 422, "invalid_request")


async def test_over_size_and_over_quota_are_refused_before_a_byte_is_stored(
    tmp_path: Path,
) -> None:
    async with server(tmp_path, max_file_bytes=2 * MiB, user_quota_bytes=3 * MiB) as r:
        who = r.owner
        assert who is not None
        msg = error(await create(r, who, bytes(2 * MiB + 1)), 413, "file_too_large")
        assert "2.0 MiB" in msg
        first = os.urandom(2 * MiB)
        await attach(r, who, first)
        # an upload in progress counts at its full size too
        pending = await create(r, who, bytes(MiB))
        assert pending.status_code == 201
        msg = error(await create(r, who, bytes(10)), 507, "quota_exceeded")
        assert "3.0 MiB" in msg
        usage = (await r.client.get("/api/v1/me/storage", headers=who.headers)).json()
        assert usage["used_bytes"] == 3 * MiB
        assert usage["quota_bytes"] == 3 * MiB
        assert [u["id"] for u in usage["uploads"]] == [pending.json()["id"]]
        assert await count(r, uploads) == 1
        # cancelling the upload gives the room back
        resp = await r.client.delete(f"/api/v1/uploads/{pending.json()['id']}", headers=who.headers)
        assert resp.status_code == 204
        assert files_on_disk(r, "uploads") == []
        assert (await create(r, who, bytes(10))).status_code == 201
        # another user has their own quota
        dad = await r.add_user("dad")
        assert (await create(r, dad, bytes(2 * MiB))).status_code == 201


async def test_a_chunk_over_the_chunk_limit_gets_413(tmp_path: Path) -> None:
    async with server(tmp_path, upload_chunk_bytes=256 * 1024) as r:
        who = r.owner
        assert who is not None
        data = os.urandom(600_000)
        up = (await create(r, who, data)).json()
        resp = await put(r, who, up["id"], data[:300_000], 0)
        error(resp, 413, "body_too_large")

        async def chunked() -> AsyncIterator[bytes]:
            for i in range(0, 300_000, 50_000):
                yield data[i : i + 50_000]

        resp = await r.client.put(
            f"/api/v1/uploads/{up['id']}",
            params={"offset": 0},
            content=chunked(),
            headers=who.headers,
        )
        error(resp, 413, "body_too_large")
        assert await _offset(r, who, up["id"]) == 0
        # JSON bodies keep their own, smaller limit
        resp = await r.client.post(
            "/api/v1/uploads", content=b'{"name": "' + b"x" * 70_000 + b'"}', headers=who.headers
        )
        error(resp, 413, "body_too_large")


# --- a full disk ------------------------------------------------------------------------------


async def test_a_full_disk_refuses_uploads_and_leaves_everything_consistent(
    tmp_path: Path,
) -> None:
    free = shutil.disk_usage(tmp_path).free
    async with server(tmp_path, min_free_disk_bytes=free + 1024**3) as r:
        who = r.owner
        assert who is not None
        msg = error(await create(r, who, b"hello"), 507, "storage_full")
        assert "disk space" in msg
        assert await count(r, uploads) == 0
        assert files_on_disk(r, "uploads") == []
    async with server(tmp_path / "b") as r:
        who = r.owner
        assert who is not None
        files = r.rt.files
        data = os.urandom(3 * MiB)
        up = (await create(r, who, data)).json()
        assert (await put(r, who, up["id"], data[:MiB], 0)).status_code == 200
        # the disk fills up mid-upload (another program, a camera import...)
        files.min_free_disk_bytes = shutil.disk_usage(tmp_path).free + 1024**3
        error(await put(r, who, up["id"], data[MiB : 2 * MiB], MiB), 507, "storage_full")
        assert await _offset(r, who, up["id"]) == MiB
        async with r.rt.reader.connect() as conn:
            row = (await conn.execute(select(uploads))).one()
        assert row.received == MiB
        files.min_free_disk_bytes = 0
        for pos in (MiB, 2 * MiB):
            assert (await put(r, who, up["id"], data[pos : pos + MiB], pos)).status_code == 200
        resp = await r.client.post(f"/api/v1/uploads/{up['id']}/complete", headers=who.headers)
        assert resp.json()["sha256"] == sha(data)


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 48 MiB filesystem of its own (tmpfs; needs root)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


@pytest.mark.needs_root
async def test_a_really_full_small_filesystem(tmp_path: Path, small_fs: Path) -> None:
    """A 48 MiB tmpfs as the data directory: the free-space check refuses what would not fit,
    and when something else fills the disk mid-upload the chunk is refused cleanly."""
    mnt = small_fs
    settings = make_settings(tmp_path, data_dir=mnt / "data", min_free_disk_bytes=4 * MiB)
    async with running(settings) as r:
        who = await r.claim("mum")
        error(await create(r, who, bytes(60 * MiB)), 507, "storage_full")
        data = os.urandom(20 * MiB)
        up = (await create(r, who, data)).json()
        for pos in range(0, 8 * MiB, MiB):
            assert (await put(r, who, up["id"], data[pos : pos + MiB], pos)).status_code == 200
        # something else takes the disk
        filler = mnt / "filler"
        with filler.open("wb") as fh, contextlib.suppress(OSError):
            while True:
                fh.write(bytes(MiB))
                fh.flush()
        resp = await put(r, who, up["id"], data[8 * MiB : 9 * MiB], 8 * MiB)
        error(resp, 507, "storage_full")
        assert await _offset(r, who, up["id"]) == 8 * MiB
        async with r.rt.reader.connect() as conn:
            # the row is brought up to date now and then, not at every chunk: never past the file
            assert MiB <= (await conn.execute(select(uploads.c.received))).scalar_one() <= 8 * MiB
        assert await count(r, attachments) == 0
        filler.unlink()
        pos = 8 * MiB
        while pos < len(data):
            assert (await put(r, who, up["id"], data[pos : pos + MiB], pos)).status_code == 200
            pos += MiB
        resp = await r.client.post(f"/api/v1/uploads/{up['id']}/complete", headers=who.headers)
        assert resp.status_code == 200, resp.text
        assert resp.json()["sha256"] == sha(data)


# --- downloads: Range, types, names, access -------------------------------------------------------


async def test_downloads_across_read_spans_are_byte_exact(srv: Running) -> None:
    """A download goes out a span (1 MiB, segment-aligned) per trip to the reading thread, each
    decrypted into one buffer: ranges that start and end inside segments and cross spans come
    back exact, as does the whole file."""
    who = srv.owner
    assert who is not None
    seg = DEFAULT_SEGMENT
    data = os.urandom(2 * MiB + 3 * seg + 17)
    att = await attach(srv, who, data, name="spans.bin")
    url = f"/api/v1/attachments/{att['id']}/content"
    resp = await srv.client.get(url, headers=who.headers)
    assert resp.status_code == 200
    assert resp.content == data
    for a, b in [
        (seg - 1, MiB + seg + 1),  # inside a segment to inside another, across a span
        (MiB, 2 * MiB),  # exactly one span
        (MiB - 5, len(data)),  # to the end: the short last segment
        (0, 1),
        (len(data) - 18, len(data)),
    ]:
        resp = await srv.client.get(url, headers={**who.headers, "Range": f"bytes={a}-{b - 1}"})
        assert resp.status_code == 206
        assert resp.content == data[a:b], (a, b)


async def test_range_reads_return_the_exact_bytes_of_an_encrypted_blob(srv: Running) -> None:
    who = srv.owner
    assert who is not None
    data = os.urandom(1_000_003)  # many segments, and a short last one
    att = await attach(srv, who, data, name="data.bin")
    url = f"/api/v1/attachments/{att['id']}/content"

    async def get(rng: str | None, **headers: str) -> httpx.Response:
        h = {**who.headers, **headers}
        if rng is not None:
            h["Range"] = rng
        return await srv.client.get(url, headers=h)

    for rng, (a, b) in {
        "bytes=0-99": (0, 100),  # the start
        "bytes=300000-765432": (300_000, 765_433),  # the middle, across segments
        "bytes=-500": (len(data) - 500, len(data)),  # a suffix
        "bytes=999990-": (999_990, len(data)),  # open-ended
        "bytes=65535-65536": (65_535, 65_537),  # a segment boundary
        "bytes=0-99999999": (0, len(data)),  # clipped to the end
    }.items():
        resp = await get(rng)
        assert resp.status_code == 206, (rng, resp.text)
        assert resp.content == data[a:b], rng
        assert resp.headers["content-range"] == f"bytes {a}-{b - 1}/{len(data)}"
        assert resp.headers["content-length"] == str(b - a)
        assert resp.headers["content-type"] == "application/octet-stream"

    resp = await get("bytes=0-9, 500000-500009, -5")
    assert resp.status_code == 206
    ctype = resp.headers["content-type"]
    assert ctype.startswith("multipart/byteranges; boundary=")
    assert resp.headers["content-length"] == str(len(resp.content))
    msg = BytesParser().parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + resp.content)
    parts = [(p["Content-Range"], p.get_payload(decode=True)) for p in msg.get_payload()]
    assert parts == [
        (f"bytes 0-9/{len(data)}", data[0:10]),
        (f"bytes 500000-500009/{len(data)}", data[500_000:500_010]),
        (f"bytes {len(data) - 5}-{len(data) - 1}/{len(data)}", data[-5:]),
    ]

    for bad in ("bytes=1000003-", "bytes=2000000-3000000", "bytes=5-2", "bytes=abc", "bytes=-0",
                "bytes=" + ",".join(["0-1"] * 17)):  # fmt: skip
        resp = await get(bad)
        error(resp, 416, "range_not_satisfiable")
        assert resp.headers["content-range"] == f"bytes */{len(data)}", bad
    # a unit we do not know is ignored: the whole file
    resp = await get("items=0-5")
    assert resp.status_code == 200
    assert resp.content == data
    # If-Range: ranges only while the file is the one the client has
    resp = await get("bytes=0-9", **{"If-Range": '"stale"'})
    assert resp.status_code == 200
    assert len(resp.content) == len(data)
    resp = await get("bytes=0-9", **{"If-Range": f'"{sha(data)}"'})
    assert resp.status_code == 206
    # a cached copy is still good
    resp = await get(None, **{"If-None-Match": f'"{sha(data)}"'})
    assert resp.status_code == 304
    assert resp.content == b""
    head = await srv.client.head(url, headers=who.headers)
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(data))
    assert head.content == b""


async def test_types_and_names_are_served_safely(srv: Running) -> None:
    who = srv.owner
    assert who is not None
    name = '家庭 "report"; x.pdf'
    att = await attach(srv, who, b"%PDF-1.4\n%%EOF\n", name=name, mime="application/pdf")
    resp = await srv.client.get(f"/api/v1/attachments/{att['id']}/content", headers=who.headers)
    assert resp.headers["content-type"] == "application/pdf"
    disposition = resp.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''%E5%AE%B6%E5%BA%AD%20%22report%22%3B%20x.pdf" in disposition
    assert 'filename="_report__ x.pdf"' in disposition
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in resp.headers["content-security-policy"]
    html = await attach(srv, who, b"<h1>hi</h1>", name="page.html", mime="text/html")
    resp = await srv.client.get(f"/api/v1/attachments/{html['id']}/content", headers=who.headers)
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.headers["content-disposition"].startswith("attachment;")
    png = await attach(srv, who, _png(), name="p.png", mime="image/png")
    resp = await srv.client.get(f"/api/v1/attachments/{png['id']}/content", headers=who.headers)
    assert resp.headers["content-disposition"].startswith("inline;")
    assert resp.headers["content-type"] == "image/png"


async def test_only_members_where_it_was_shared_and_the_uploader_may_download(
    srv: Running,
) -> None:
    mum = srv.owner
    assert mum is not None
    dad, kid = await srv.add_user("dad"), await srv.add_user("kid")
    data = _png((300, 200))
    att = await attach(srv, mum, data, name="p.png", mime="image/png")
    urls = [
        f"/api/v1/attachments/{att['id']}",
        f"/api/v1/attachments/{att['id']}/content",
        f"/api/v1/attachments/{att['id']}/thumbnail/small",
    ]

    async def status(who: Session) -> list[int]:
        return [(await srv.client.get(u, headers=who.headers)).status_code for u in urls]

    assert await status(mum) == [200, 200, 200]
    assert await status(dad) == [404, 404, 404]  # not shared with anyone yet
    conv, seq = await _share(srv, mum, dad, [att["id"]])
    assert await status(dad) == [200, 200, 200]
    assert await status(kid) == [404, 404, 404]  # not in that conversation
    resp = await srv.client.get(urls[1], headers=kid.headers)
    error(resp, 404, "attachment_not_found")
    # someone who knows the id still cannot attach it: only the uploader can
    ws = await _ws(srv, kid)
    try:
        kc = await ws.call("conversation/create_direct", user_id=dad.user_id)
        with pytest.raises(CommandFailed) as info:
            await ws.call(
                "message/send", conversation_id=kc["id"], client_id="k1", text="look",
                attachments=[att["id"]],
            )  # fmt: skip
        assert info.value.code == "attachment_not_found"
    finally:
        await ws.close()
    assert await status(kid) == [404, 404, 404]
    # once the message is deleted, it is the uploader's alone again
    ws = await _ws(srv, mum)
    try:
        await ws.call("message/delete", conversation_id=conv, client_id="del1", seq=seq)
    finally:
        await ws.close()
    assert await status(dad) == [404, 404, 404]
    assert await status(mum) == [200, 200, 200]
    bogus = "0123456789abcdef01234567"
    error(await srv.client.get(f"/api/v1/attachments/{bogus}/content", headers=mum.headers),
          404, "attachment_not_found")  # fmt: skip
    resp = await srv.client.get(f"/api/v1/attachments/{att['id']}/content")
    error(resp, 401, "unauthenticated")


# --- attachments in messages --------------------------------------------------------------------


async def test_an_attachment_in_a_message_reaches_the_other_member(srv: Running) -> None:
    mum = srv.owner
    assert mum is not None
    dad = await srv.add_user("dad")
    photo = _png((640, 480), "purple")
    doc = os.urandom(200_000)
    a1 = await attach(srv, mum, photo, name="猫.png", mime="image/png")
    a2 = await attach(srv, mum, doc, name="notes.bin")
    m, d = await _ws(srv, mum), await _ws(srv, dad)
    try:
        conv = await m.call("conversation/create_direct", user_id=dad.user_id)
        ack = await m.call(
            "message/send", conversation_id=conv["id"], client_id="c1", text="look!",
            attachments=[a1["id"], a2["id"]],
        )  # fmt: skip
        await d.wait_for(lambda ev: any(e.get("seq") == ack["seq"] for e in ev))
        event = next(e for e in d.events if e.get("seq") == ack["seq"])
        shown = event["content"]["attachments"]
        assert [x["id"] for x in shown] == [a1["id"], a2["id"]]
        assert shown[0] == {
            "id": a1["id"], "name": "猫.png", "size": len(photo), "mime": "image/png",
            "sha256": sha(photo), "width": 640, "height": 480, "duration": None,
            "thumbnail": True,
        }  # fmt: skip
        assert shown[1]["thumbnail"] is False
        assert shown[1]["width"] is None
        assert event["content"]["text"] == "look!"
        # the same in history
        page = await d.call("history", conversation_id=conv["id"])
        assert page["events"][-1]["content"]["attachments"] == shown
        # dad downloads both, and a thumbnail
        for a, data in ((a1, photo), (a2, doc)):
            resp = await srv.client.get(
                f"/api/v1/attachments/{a['id']}/content", headers=dad.headers
            )
            assert resp.status_code == 200
            assert resp.content == data
        thumb = await srv.client.get(
            f"/api/v1/attachments/{a1['id']}/thumbnail/small", headers=dad.headers
        )
        assert thumb.headers["content-type"] == "image/webp"
        assert Image.open(io.BytesIO(thumb.content)).size == (320, 240)
        again = await srv.client.get(
            f"/api/v1/attachments/{a1['id']}/thumbnail/small",
            headers={**dad.headers, "If-None-Match": thumb.headers["etag"]},
        )
        assert again.status_code == 304
        # attachments alone need no text; neither alone is refused
        await m.call("message/send", conversation_id=conv["id"], client_id="c2",
                     attachments=[a2["id"]])  # fmt: skip
        with pytest.raises(CommandFailed) as info:
            await m.call("message/send", conversation_id=conv["id"], client_id="c3", text="")
        assert info.value.code == "invalid_request"
        with pytest.raises(CommandFailed) as info:
            await m.call("message/send", conversation_id=conv["id"], client_id="c4",
                         attachments=[a1["id"]] * 1 + ["0123456789abcdef01234567"])  # fmt: skip
        assert info.value.code == "attachment_not_found"
        many = [f"{i:024d}" for i in range(11)]
        with pytest.raises(CommandFailed) as info:
            await m.call("message/send", conversation_id=conv["id"], client_id="c5",
                         text="x", attachments=many)  # fmt: skip
        assert info.value.code == "too_many_attachments"
        # a resend of the same client_id stores nothing new
        ack2 = await m.call(
            "message/send", conversation_id=conv["id"], client_id="c1", text="look!",
            attachments=[a1["id"], a2["id"]],
        )  # fmt: skip
        assert ack2["duplicate"] is True
        assert await count(srv, attachment_shares) == 3
    finally:
        await m.close()
        await d.close()


# --- images -------------------------------------------------------------------------------------


def _photo(fmt: str) -> bytes:
    """800x400: left half red, right half blue; EXIF says "rotate 90° clockwise to display"
    and carries a GPS position."""
    im = Image.new("RGB", (800, 400), "red")
    im.paste(Image.new("RGB", (400, 400), "blue"), (400, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "RoostCam"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 17.0)}
    buf = io.BytesIO()
    im.save(buf, fmt, exif=exif.tobytes(), **({"quality": 95} if fmt == "JPEG" else {}))
    return buf.getvalue()


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                           ("WEBP", "image/webp")])  # fmt: skip
async def test_thumbnails_with_exif_rotation_and_location_stripped(
    srv: Running, fmt: str, mime: str
) -> None:
    who = srv.owner
    assert who is not None
    photo = _photo(fmt)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # it has a location
    att = await attach(srv, who, photo, name=f"p.{fmt.lower()}", mime=mime)
    assert (att["width"], att["height"]) == (400, 800)  # as displayed: upright
    assert att["thumbnail"] is True
    assert att["mime"] == mime
    for size, box in (("small", (160, 320)), ("large", (400, 800))):
        resp = await srv.client.get(
            f"/api/v1/attachments/{att['id']}/thumbnail/{size}", headers=who.headers
        )
        assert resp.status_code == 200
        thumb = Image.open(io.BytesIO(resp.content)).convert("RGB")
        assert thumb.size == box
        top, bottom = thumb.getpixel((box[0] // 2, 3)), thumb.getpixel((box[0] // 2, box[1] - 4))
        assert isinstance(top, tuple)
        assert isinstance(bottom, tuple)
        assert top[0] > 200 > top[2]  # red on top: the left side went up
        assert bottom[2] > 200 > bottom[0]
    # the stored original lost its location and nothing else: orientation, camera, pixels
    resp = await srv.client.get(f"/api/v1/attachments/{att['id']}/content", headers=who.headers)
    stored = resp.content
    exif = Image.open(io.BytesIO(stored)).getexif()
    assert exif.get_ifd(0x8825) == {}
    assert exif[0x0112] == 6
    assert exif[0x010F] == "RoostCam"
    assert len(stored) == len(photo) or fmt == "WEBP"
    original_pixels = Image.open(io.BytesIO(photo)).convert("RGB").tobytes()
    assert Image.open(io.BytesIO(stored)).convert("RGB").tobytes() == original_pixels
    # the hash of what was uploaded, and of what is served
    assert att["original_sha256"] == sha(photo)
    assert att["sha256"] == sha(stored) != sha(photo)
    assert resp.headers["etag"] == f'"{sha(stored)}"'


async def test_location_is_kept_when_the_owner_says_so(tmp_path: Path) -> None:
    async with server(tmp_path, strip_location=False) as r:
        who = r.owner
        assert who is not None
        photo = _photo("JPEG")
        att = await attach(r, who, photo, mime="image/jpeg")
        assert att["sha256"] == att["original_sha256"] == sha(photo)
        resp = await r.client.get(f"/api/v1/attachments/{att['id']}/content", headers=who.headers)
        assert resp.content == photo


def _bomb(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge picture; its pixel data is a few bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


async def test_a_decompression_bomb_is_refused(tmp_path: Path) -> None:
    async with server(tmp_path, max_image_pixels=10_000) as r:
        who = r.owner
        assert who is not None
        for width, height in ((60_000, 60_000), (120, 100), (250, 100)):
            # far beyond the limit; just over it (Pillow only warns there); twice over it
            resp = await upload(r, who, _bomb(width, height), mime="image/png")
            msg = error(resp, 422, "image_too_large")
            assert "10000 pixels" in msg
        assert await count(r, attachments) == 0
        assert files_on_disk(r, "uploads") == files_on_disk(r, "blobs") == []
        assert (await attach(r, who, _png((100, 100)), mime="image/png"))["width"] == 100


# --- audio and video ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    return str(imageio_ffmpeg.get_ffmpeg_exe())


@pytest.fixture(scope="module")
def clips(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("clips")
    src = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=10"]
    tone = ["-f", "lavfi", "-i", "sine=frequency=440"]
    jobs = {
        "video.mp4": [*src, *tone, "-t", "1.5", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                      "-c:a", "aac"],
        "video.webm": [*src, "-t", "1", "-c:v", "libvpx", "-b:v", "200k"],
        "voice.ogg": [*tone, "-t", "2", "-c:a", "libopus"],
        "song.mp3": [*tone, "-t", "2", "-c:a", "libmp3lame"],
    }  # fmt: skip
    clips = {}
    for name, args in jobs.items():
        path = out / name
        subprocess.run(
            [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *args, str(path)],
            check=True, timeout=60,
        )  # fmt: skip
        clips[name] = path.read_bytes()
    rotated = out / "portrait.mp4"
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-display_rotation", "90",
         "-i", str(out / "video.mp4"), "-c", "copy", str(rotated)],
        check=True, timeout=60,
    )  # fmt: skip
    clips["portrait.mp4"] = rotated.read_bytes()
    return clips


MIMES = {"mp4": "video/mp4", "webm": "video/webm", "ogg": "audio/ogg", "mp3": "audio/mpeg"}


@pytest.mark.parametrize("in_memory", [True, False])
async def test_audio_and_video_get_duration_dimensions_and_a_poster(
    tmp_path: Path, ffmpeg: str, clips: dict[str, bytes], in_memory: bool
) -> None:
    cap = 256 * MiB if in_memory else 0  # 0: every file goes to ffmpeg through a pipe
    async with server(tmp_path, ffmpeg=ffmpeg, media_probe_max_bytes=cap) as r:
        who = r.owner
        assert who is not None
        got = {}
        for name, data in clips.items():
            mime = MIMES[name.rsplit(".", 1)[1]]
            got[name] = await attach(r, who, data, name=name, mime=mime)
        v = got["video.mp4"]
        assert (v["width"], v["height"], v["duration"], v["thumbnail"]) == (320, 240, 1.5, True)
        p = got["portrait.mp4"]
        assert (p["width"], p["height"], p["thumbnail"]) == (240, 320, True)
        resp = await r.client.get(
            f"/api/v1/attachments/{p['id']}/thumbnail/large", headers=who.headers
        )
        assert Image.open(io.BytesIO(resp.content)).size == (240, 320)
        w = got["video.webm"]
        assert (w["width"], w["height"], w["duration"], w["thumbnail"]) == (320, 240, 1.0, True)
        for audio in ("voice.ogg", "song.mp3"):
            a = got[audio]
            assert (a["width"], a["height"], a["thumbnail"]) == (None, None, False)
            if in_memory:  # through a pipe, these formats do not say how long they are
                assert a["duration"] == pytest.approx(2.0, abs=0.1)


async def test_without_ffmpeg_media_is_stored_without_those_facts(
    tmp_path: Path, clips: dict[str, bytes]
) -> None:
    async with server(tmp_path, ffmpeg="") as r:
        who = r.owner
        assert who is not None
        assert r.rt.files.ffmpeg is None
        v = await attach(r, who, clips["video.mp4"], name="v.mp4", mime="video/mp4")
        assert (v["width"], v["height"], v["duration"], v["thumbnail"]) == (
            None, None, None, False,
        )  # fmt: skip
        resp = await r.client.get(f"/api/v1/attachments/{v['id']}/content", headers=who.headers)
        assert resp.content == clips["video.mp4"]
        assert resp.headers["content-type"] == "video/mp4"
    async with server(tmp_path / "b", ffmpeg="no-such-ffmpeg-anywhere") as r:
        assert r.rt.files.ffmpeg is None
        who = r.owner
        assert who is not None
        a = await attach(r, who, clips["song.mp3"], mime="audio/mpeg")
        assert a["duration"] is None


# --- at rest --------------------------------------------------------------------------------------


def _all_bytes_under(path: Path) -> Iterator[tuple[Path, bytes]]:
    for p in path.rglob("*"):
        if p.is_file():
            yield p, p.read_bytes()


async def test_nothing_on_disk_is_plaintext(srv: Running) -> None:
    who = srv.owner
    assert who is not None
    marker = b"ROOST-FILE-MARKER-7f3a9c"
    data = marker * 40_000  # ~1 MB of it
    att = await attach(srv, who, data, name="secret-report.txt", mime="text/plain")
    half = await create(srv, who, marker * 1000, name="half.txt")
    await put(srv, who, half.json()["id"], (marker * 1000)[:10_000], 0)
    photo = await attach(srv, who, _photo("PNG"), name="p.png", mime="image/png")
    assert photo["thumbnail"]
    found = [p for p, content in _all_bytes_under(srv.rt.data_dir) if marker in content]
    assert found == []
    # thumbnails are encrypted too (no WebP or PNG signatures on disk under files/)
    for p, content in _all_bytes_under(srv.rt.data_dir / "files"):
        assert b"WEBP" not in content, p
        assert b"\x89PNG" not in content, p
        assert b"RoostCam" not in content, p
    resp = await srv.client.get(f"/api/v1/attachments/{att['id']}/content", headers=who.headers)
    assert resp.content == data


# --- storage once, and clean-up -----------------------------------------------------------------


async def test_identical_content_is_stored_once_and_swept_when_unused(srv: Running) -> None:
    mum = srv.owner
    assert mum is not None
    dad = await srv.add_user("dad")
    data = os.urandom(700_000)
    a = await attach(srv, mum, data, name="a.bin")
    b = await attach(srv, dad, data, name="b.bin")
    assert a["id"] != b["id"]
    assert srv.rt.files is not None
    await srv.rt.files.settled()  # the second copy's file goes after the answer
    assert await count(srv, blobs) == 1
    assert len(files_on_disk(srv, "blobs")) == 1
    # each user's quota counts their own copy
    assert (await srv.client.get("/api/v1/me/storage", headers=dad.headers)).json()[
        "used_bytes"
    ] == len(data)
    conv, seq = await _share(srv, mum, dad, [a["id"]])
    files = srv.rt.files
    later = time.time() + 25 * 3600
    # dad never sent his: it goes after the grace period; mum's is in a message and stays
    counts = await files.sweep(now=later)
    assert counts["attachments"] == 1
    assert counts["blobs"] == 0
    assert await count(srv, blobs) == 1
    resp = await srv.client.get(f"/api/v1/attachments/{a['id']}/content", headers=dad.headers)
    assert resp.content == data
    # the message goes: so does the file, from the database and the disk
    ws = await _ws(srv, mum)
    try:
        await ws.call("message/delete", conversation_id=conv, client_id="d1", seq=seq)
    finally:
        await ws.close()
    counts = await files.sweep(now=later)
    assert counts["attachments"] == 1
    assert counts["blobs"] == 1
    assert await count(srv, blobs) == await count(srv, attachments) == 0
    assert files_on_disk(srv, "blobs") == []


async def test_expired_uploads_and_stray_files_are_swept(srv: Running) -> None:
    who = srv.owner
    assert who is not None
    data = os.urandom(100_000)
    up = (await create(srv, who, data)).json()
    await put(srv, who, up["id"], data[:50_000], 0)
    photo = await attach(srv, who, _png((400, 300)), mime="image/png")
    assert len(files_on_disk(srv, "thumbs")) == 2
    files = srv.rt.files
    assert await files.sweep() == {"uploads": 0, "attachments": 0, "blobs": 0, "stray_files": 0}
    # a file no row names (a crash between writing it and committing), old enough
    stray = srv.rt.data_dir / "files" / "blobs" / "deadbeefdeadbeefdeadbeef"
    stray.write_bytes(b"x")
    os.utime(stray, (time.time() - 7200, time.time() - 7200))
    counts = await files.sweep(now=up["expires_at"] + 1)
    assert counts["uploads"] == 1
    assert counts["stray_files"] == 1
    assert counts["attachments"] == 1  # the photo, never sent
    assert not stray.exists()
    assert files_on_disk(srv, "uploads") == []
    assert files_on_disk(srv, "thumbs") == []
    error(await srv.client.get(f"/api/v1/uploads/{up['id']}", headers=who.headers),
          404, "upload_not_found")  # fmt: skip
    error(await srv.client.get(f"/api/v1/attachments/{photo['id']}", headers=who.headers),
          404, "attachment_not_found")  # fmt: skip


async def test_someone_elses_upload_is_not_found(srv: Running) -> None:
    mum = srv.owner
    assert mum is not None
    dad = await srv.add_user("dad")
    data = b"hello"
    up = (await create(srv, mum, data)).json()
    uid = up["id"]
    for resp in (
        await srv.client.get(f"/api/v1/uploads/{uid}", headers=dad.headers),
        await put(srv, dad, uid, data, 0),
        await srv.client.post(f"/api/v1/uploads/{uid}/complete", headers=dad.headers),
        await srv.client.delete(f"/api/v1/uploads/{uid}", headers=dad.headers),
    ):
        error(resp, 404, "upload_not_found")
    error(await srv.client.post(f"/api/v1/uploads/{uid}/complete", headers=mum.headers),
          409, "upload_incomplete")  # fmt: skip
    resp = await srv.client.put(f"/api/v1/uploads/{uid}", content=data, headers=mum.headers)
    assert "Content-Range" in error(resp, 422, "invalid_request")
    resp = await put(srv, mum, uid, data + b"!", 0)
    assert "past the declared size" in error(resp, 422, "invalid_request")
    # an empty file is a file too
    empty = await attach(srv, mum, b"", name="empty.txt", mime="text/plain")
    resp = await srv.client.get(f"/api/v1/attachments/{empty['id']}/content", headers=mum.headers)
    assert resp.status_code == 200
    assert resp.content == b""
    error(await srv.client.get(f"/api/v1/attachments/{empty['id']}/content",
                               headers={**mum.headers, "Range": "bytes=0-"}),
          416, "range_not_satisfiable")  # fmt: skip


async def test_a_groups_picture_is_an_image_every_member_may_download(srv: Running) -> None:
    mum = srv.owner
    assert mum is not None
    dad = await srv.add_user("dad")
    gran = await srv.add_user("gran")
    picture = await attach(srv, mum, _png((128, 128), "teal"), name="family.png", mime="image/png")
    not_image = await attach(srv, mum, os.urandom(5_000), name="notes.bin")
    m, d = await _ws(srv, mum), await _ws(srv, dad)
    try:
        group = await m.call("conversation/create_group", name="Family", member_ids=[dad.user_id])
        with pytest.raises(CommandFailed) as err:
            await m.call("conversation/update", conversation_id=group["id"], avatar=not_image["id"])
        assert err.value.code == "invalid_request"
        with pytest.raises(CommandFailed) as err:  # only an admin, with their own upload
            await d.call("conversation/update", conversation_id=group["id"], avatar=picture["id"])
        assert err.value.code == "forbidden"
        ack = await m.call("conversation/update", conversation_id=group["id"], avatar=picture["id"])
        await d.wait_for(lambda ev: any(e.get("seq") == ack["seq"] for e in ev))
        event = next(e for e in d.events if e.get("seq") == ack["seq"])
        assert event["kind"] == "updated"
        assert event["content"]["avatar"]["id"] == picture["id"]
        assert (await d.call("conversation/get", conversation_id=group["id"]))["avatar"] == (
            picture["id"]
        )
        url = f"/api/v1/attachments/{picture['id']}/content"
        assert (await srv.client.get(url, headers=dad.headers)).status_code == 200
        assert (await srv.client.get(url, headers=gran.headers)).status_code == 404
        # gran joins later and may see the picture too
        await m.call(
            "conversation/add_members", conversation_id=group["id"], user_ids=[gran.user_id]
        )
        assert (await srv.client.get(url, headers=gran.headers)).status_code == 200
        await m.call("conversation/update", conversation_id=group["id"], avatar="")
        assert (await m.call("conversation/get", conversation_id=group["id"]))["avatar"] is None
    finally:
        await m.close()
        await d.close()
