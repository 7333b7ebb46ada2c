"""Uploads, downloads and the media stream against a real server (protocol 23)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from app.chat.cache import CachedAttachment, ChatCache
from app.chat.connection import ChatConnection
from app.chat.events import MessageReceived, SendAcked
from app.chat.media import MediaFiles, media_dir
from app.chat.transfers import (
    Transfer,
    TransferCancelled,
    TransferDone,
    TransferEvent,
    TransferFailed,
    TransferProblem,
    TransferProgress,
    Transfers,
    TransferState,
    download_file,
    partial_path,
)
from app.monitoring.units import format_bytes
from app.net.address import Address
from app.net.api import AsyncApi
from app.net.signed_in import SignedInApi
from app.paths import AppPaths
from tests.helpers.server import Running, make_settings, running
from tests.integration.app.test_chat_connection import Probe, tokens_for

WAIT_S = 30.0
CHUNK = 64 * 1024  # the smallest chunk the server allows: several PUTs for a small file


class Account:
    """One signed-in user's chat, transfers and media, as the chat page would hold them."""

    def __init__(self, conn: ChatConnection, probe: Probe, api: SignedInApi, paths: AppPaths):
        self.conn, self.probe, self.api, self.paths = conn, probe, api, paths
        self.transfers = Transfers(conn, api, retry_delays=(0.05, 0.1))
        self.media = MediaFiles(api, media_dir(paths, "s", conn.cache.path.stem))
        self.seen: list[TransferEvent] = []
        self._changed = asyncio.Event()
        self.transfers.events.subscribe(self._on)

    def _on(self, event: TransferEvent) -> None:
        self.seen.append(event)
        self._changed.set()

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.seen if isinstance(e, kind)]

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT_S):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()


@contextlib.asynccontextmanager
async def account(srv: Running, username: str, tmp_path: Path) -> AsyncIterator[Account]:
    """A started account; its cache lives under tmp_path/<username>, so opening it again is an
    app restart."""
    tokens = await tokens_for(srv, username)
    fingerprint = str(srv.rt.fingerprint)
    address = Address("127.0.0.1", srv.rt.bound_port)
    api = SignedInApi(AsyncApi.connect(address, fingerprint), tokens)
    paths = AppPaths(config=tmp_path / username / "cfg", data=tmp_path / username / "data")
    cache = ChatCache.for_account(paths, srv.rt.server_id, username)
    conn = ChatConnection(cache, address, fingerprint, api, first_backoff=0.05, max_backoff=0.5)
    probe = Probe(conn)
    conn.start()
    acc = Account(conn, probe, api, paths)
    try:
        await probe.online()
        acc.transfers.start()
        yield acc
    finally:
        await acc.transfers.close()
        await acc.media.close()
        await conn.close()
        await api.api.close()


async def storage(srv: Running, username: str) -> dict[str, Any]:
    session = await srv.login(username)
    r = await srv.client.get("/api/v1/me/storage", headers=session.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def photo(path: Path) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def noise(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


@pytest.fixture
async def family(tmp_path: Path) -> AsyncIterator[Running]:
    settings = make_settings(tmp_path / "srv", upload_chunk_bytes=CHUNK, max_file_bytes=2_000_000)
    async with running(settings) as srv:
        await srv.claim()
        await srv.add_user("alice")
        await srv.add_user("bob")
        yield srv


async def direct(a: Account, b: Account) -> int:
    assert b.conn.user_id is not None
    return (await a.conn.create_direct(b.conn.user_id)).id


async def test_an_image_is_sent_and_the_other_side_sees_it_with_a_thumbnail(
    family: Running, tmp_path: Path
) -> None:
    async with (
        account(family, "alice", tmp_path) as alice,
        account(family, "bob", tmp_path) as bob,
    ):
        cid = await direct(alice, bob)
        image = photo(tmp_path / "beach.png")
        [up] = alice.transfers.send_files(cid, [image], text="at the beach")
        assert alice.transfers.items(cid) == [alice.transfers.get(up.id)]
        await alice.until(lambda: bool(alice.of(TransferDone)))
        await alice.probe.until(lambda: bool(alice.probe.of(SendAcked)))
        await bob.probe.until(lambda: bool(bob.probe.of(MessageReceived)))

        ack = alice.probe.of(SendAcked)[0].item
        assert ack.client_id == up.batch
        assert ack.attachment_ids == (alice.of(TransferDone)[0].transfer.attachment_id,)
        for side in (alice, bob):
            [msg] = side.conn.cache.messages(cid)
            [att] = msg.attachments
            assert (msg.text, att.name, att.mime, att.width, att.height, att.thumbnail) == (
                "at the beach",
                "beach.png",
                "image/png",
                64,
                48,
                True,
            )
        # Done and sent: nothing left in the list, nothing left to resume.
        assert alice.transfers.items(cid) == []
        assert alice.conn.cache.db.execute("SELECT count(*) FROM uploads").fetchone()[0] == 0

        assert bob.media.cached_thumbnail(att.id) is None
        thumb = await bob.media.thumbnail(att.id)
        assert thumb is not None and bob.media.cached_thumbnail(att.id) == thumb
        data = thumb.read_bytes()
        assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        # A file without a thumbnail answers None, once.
        other = noise(tmp_path / "notes.bin", 1000)
        alice.transfers.send_files(cid, [other])
        await alice.until(lambda: len(alice.of(TransferDone)) == 2)
        plain = alice.of(TransferDone)[1].transfer.attachment_id
        assert await alice.media.thumbnail(plain) is None


async def test_a_broken_upload_resumes_from_the_servers_offset_after_a_restart(
    family: Running, tmp_path: Path
) -> None:
    data = noise(tmp_path / "film.bin", 10 * CHUNK + 123)
    async with account(family, "bob", tmp_path) as bob:
        bob_id = bob.conn.user_id
    assert bob_id is not None
    async with account(family, "alice", tmp_path) as alice:
        cid = (await alice.conn.create_direct(bob_id)).id
        stopping: list[asyncio.Task[None]] = []

        def stop_midway(event: TransferEvent) -> None:
            # The app quits while the third chunk is on its way.
            progress = isinstance(event, TransferProgress) and event.transfer.done >= 2 * CHUNK
            if progress and not stopping:
                stopping.append(asyncio.ensure_future(alice.transfers.close()))

        alice.transfers.events.subscribe(stop_midway)
        [up] = alice.transfers.send_files(cid, [data])
        await alice.until(lambda: bool(stopping))
        await stopping[0]
    [held] = (await storage(family, "alice"))["uploads"]
    assert 0 < held["offset"] < held["size"]

    async with (
        account(family, "alice", tmp_path) as alice,
        account(family, "bob", tmp_path) as bob,
    ):
        await alice.until(lambda: bool(alice.of(TransferDone)))
        sent = [e.transfer.done for e in alice.of(TransferProgress) if e.transfer.done]
        # Not from 0: from where the server stood (a chunk still in flight as the app quit
        # may have landed after that look).
        assert held["offset"] <= sent[0] < held["size"]
        await bob.probe.until(lambda: bool(bob.conn.cache.messages(cid)))
        [att] = bob.conn.cache.messages(cid)[0].attachments
        assert att.sha256 == hashlib.sha256(data.read_bytes()).hexdigest()
        got = await bob.media.download(att, tmp_path / "saved.bin")
        assert got.read_bytes() == data.read_bytes()
        assert len(alice.conn.cache.messages(cid)) == 1  # sent once
        assert up.batch == alice.conn.cache.messages(cid)[0].client_id


async def test_cancel_deletes_the_upload_on_the_server(family: Running, tmp_path: Path) -> None:
    async with (
        account(family, "alice", tmp_path) as alice,
        account(family, "bob", tmp_path) as bob,
    ):
        cid = await direct(alice, bob)

        def cancel_midway(event: TransferEvent) -> None:
            if isinstance(event, TransferProgress) and event.transfer.done >= CHUNK:
                alice.transfers.cancel(event.transfer.id)

        alice.transfers.events.subscribe(cancel_midway)
        [up] = alice.transfers.send_files(cid, [noise(tmp_path / "big.bin", 8 * CHUNK)])
        await alice.until(lambda: bool(alice.of(TransferCancelled)))
        assert alice.transfers.items(cid) == [] and alice.transfers.get(up.id) is None
        async with asyncio.timeout(WAIT_S):
            # The server's state, polled: it has no event for this.
            while (await storage(family, "alice"))["uploads"]:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        assert not alice.of(TransferDone)
        assert alice.conn.outbox.items(cid) == []
        assert alice.conn.cache.db.execute("SELECT count(*) FROM upload_batches").fetchone()[0] == 0


async def test_a_file_above_the_limit_is_refused_in_words(family: Running, tmp_path: Path) -> None:
    async with (
        account(family, "alice", tmp_path) as alice,
        account(family, "bob", tmp_path) as bob,
    ):
        cid = await direct(alice, bob)
        [up] = alice.transfers.send_files(cid, [noise(tmp_path / "huge.bin", 2_000_001)])
        await alice.until(lambda: bool(alice.of(TransferFailed)))
        failed: Transfer = alice.of(TransferFailed)[0].transfer
        assert failed.state is TransferState.FAILED
        assert failed.problem is not None
        assert "too large" in failed.problem and format_bytes(2_000_000) in failed.problem
        # It stays in the list with its reason (Retry or Remove), and nothing was sent.
        assert alice.transfers.items(cid) == [failed]
        assert alice.conn.outbox.items(cid) == []
        alice.transfers.remove(up.id)
        assert alice.transfers.items(cid) == []


async def test_download_resumes_with_range_and_checks_the_hash(
    family: Running, tmp_path: Path
) -> None:
    async with (
        account(family, "alice", tmp_path) as alice,
        account(family, "bob", tmp_path) as bob,
    ):
        cid = await direct(alice, bob)
        source = noise(tmp_path / "song.bin", 600_000)
        alice.transfers.send_files(cid, [source])
        await bob.probe.until(lambda: bool(bob.conn.cache.messages(cid)))
        [att] = bob.conn.cache.messages(cid)[0].attachments
        dest = tmp_path / "down" / "song.bin"
        dest.parent.mkdir()
        partial_path(dest).write_bytes(source.read_bytes()[:300_000])

        seen: list[int] = []
        await download_file(bob.api, att, dest, lambda have, size: seen.append(have))
        assert dest.read_bytes() == source.read_bytes()
        assert not partial_path(dest).exists()
        assert seen[0] > 300_000  # it went on from the part held (a 200 would restart at 0)

        # A part that is not the file's start fails the check and is dropped.
        again = tmp_path / "down" / "again.bin"
        partial_path(again).write_bytes(b"x" * 1000)
        with pytest.raises(TransferProblem):
            await download_file(bob.api, att, again)
        assert not partial_path(again).exists() and not again.exists()

        # The tracked download reports progress and ends done.
        tracked = bob.transfers.download(
            att, tmp_path / "down" / "tracked.bin", conversation_id=cid
        )
        await bob.until(lambda: bool(bob.of(TransferDone)))
        assert bob.of(TransferDone)[0].transfer.id == tracked.id
        assert (tmp_path / "down" / "tracked.bin").read_bytes() == source.read_bytes()


async def test_the_player_stream_serves_ranges_on_loopback(family: Running, tmp_path: Path) -> None:
    async with (
        account(family, "alice", tmp_path) as alice,
        account(family, "bob", tmp_path) as bob,
    ):
        cid = await direct(alice, bob)
        source = noise(tmp_path / "clip.bin", 300_000).read_bytes()
        alice.transfers.send_files(cid, [tmp_path / "clip.bin"])
        await bob.probe.until(lambda: bool(bob.conn.cache.messages(cid)))
        [att] = bob.conn.cache.messages(cid)[0].attachments
        url = await bob.media.stream_url(att)
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(timeout=10) as http:
            whole = await http.get(url)
            assert whole.status_code == 200 and whole.content == source
            part = await http.get(url, headers={"Range": "bytes=1000-1999"})
            assert part.status_code == 206 and part.content == source[1000:2000]
            assert part.headers["content-range"] == f"bytes 1000-1999/{len(source)}"
            # Another path on the same port is not served (the secret is the key).
            guess = url.rsplit("/", 2)[0] + "/guess/clip.bin"
            assert (await http.get(guess)).status_code == 404
            bob.media.forget_stream(url)
            assert (await http.get(url)).status_code == 404


def test_attachment_ids_never_become_paths(tmp_path: Path) -> None:
    media = MediaFiles.__new__(MediaFiles)
    media.folder = tmp_path
    assert media.cached_thumbnail("../../etc/passwd") is None
    bad = CachedAttachment("../x", "a", 1, "text/plain", "", None, None, None, False)
    with pytest.raises(ValueError, match="not an attachment id"):
        media.cached_content(bad)
