"""A loopback HTTP server that lets the media player stream attachments from the pinned server.

Why a proxy: QMediaPlayer fetches URLs with its own network stack (FFmpeg's, in Qt's FFmpeg
backend), which cannot pin the server's self-signed certificate and would not send our access
token. Downloading the whole file first would make a long video wait, and a player reading a file
that is still growing stops at its current end and cannot seek past it. So the player gets a
``http://127.0.0.1:<random port>/<secret>/<name>`` URL: the proxy forwards each request's
``Range`` (and ``If-Range``) to ``/attachments/{id}/content`` through the pinned, signed-in
client and streams the answer back as it arrives. Seeking is a new ranged request, exactly as
against a web server.

The port is reachable from this computer only, but by every user and program on it, so the
secret path is the protection: each attachment gets an unguessable one (256 random bits), valid
until ``forget`` or ``close``; a path not handed out is a 404. Nothing is stored on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from urllib.parse import quote

from app.chat.cache import CachedAttachment
from app.net.api import Streamed
from app.net.errors import ApiError, NetError
from app.net.signed_in import SignedInApi

log = logging.getLogger(__name__)

# A request line and headers larger than this are not from a media player.
MAX_HEAD_BYTES = 16 * 1024
HEAD_TIMEOUT_S = 30.0
PIECE = 64 * 1024
_REASONS = {
    200: "OK",
    206: "Partial Content",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    416: "Range Not Satisfiable",
    502: "Bad Gateway",
}
_FORWARDED = ("range", "if-range")
_PASSED_BACK = ("content-length", "content-range", "etag", "accept-ranges")


class MediaProxy:
    """Serves registered attachments on 127.0.0.1 for the media player.

    Args:
        api: the account's signed-in API (pinned, refreshes tokens).
    """

    def __init__(self, api: SignedInApi) -> None:
        self._api = api
        self._routes: dict[str, CachedAttachment] = {}
        self._server: asyncio.Server | None = None
        self._port = 0
        self._handlers: set[asyncio.Task[None]] = set()

    async def url(self, attachment: CachedAttachment) -> str:
        """A URL the player can open for this attachment (starts the server if needed)."""
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, "127.0.0.1", 0, limit=MAX_HEAD_BYTES
            )
            self._port = self._server.sockets[0].getsockname()[1]
        secret = secrets.token_urlsafe(32)
        self._routes[secret] = attachment
        return f"http://127.0.0.1:{self._port}/{secret}/{quote(attachment.name)}"

    def forget(self, url: str) -> None:
        """Stops serving one URL (the player closed)."""
        secret = url.split("/", 4)[3] if url.count("/") >= 3 else ""
        self._routes.pop(secret, None)

    async def close(self) -> None:
        """Stops the server and every stream in progress."""
        self._routes.clear()
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the player went away (it does on every seek)
        except TimeoutError:
            log.info("media request timed out")
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with asyncio.timeout(HEAD_TIMEOUT_S):
            head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            await _answer(writer, 400, {})
            return
        method, target = parts[0], parts[1]
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        secret = target.lstrip("/").split("/", 1)[0]
        attachment = self._routes.get(secret)
        if attachment is None:
            await _answer(writer, 404, {})
            return
        if method not in ("GET", "HEAD"):
            await _answer(writer, 405, {"Allow": "GET, HEAD"})
            return
        forward = {k.title(): headers[k] for k in _FORWARDED if k in headers}
        client = self._api.api.client
        path = f"/attachments/{attachment.id}/content"
        try:
            stream: Streamed = await self._api.call(
                lambda t: client.open_stream(path, token=t, headers=forward, method=method)
            )
        except ApiError as exc:
            extra = {"Content-Range": f"bytes */{attachment.size}"} if exc.status == 416 else {}
            await _answer(writer, exc.status if exc.status in _REASONS else 502, extra)
            return
        except NetError as exc:
            log.info("media stream of %s failed: %s", attachment.id, exc)
            await _answer(writer, 502, {})
            return
        try:
            back = {"Content-Type": attachment.mime, "Cache-Control": "no-store"}
            for name in _PASSED_BACK:
                if name in stream.headers:
                    back[name.title()] = stream.headers[name]
            await _answer(writer, stream.status, back, body=method == "GET")
            if method == "GET":
                pieces = stream.chunks(PIECE)
                while piece := await asyncio.to_thread(next, pieces, b""):
                    writer.write(piece)
                    await writer.drain()
        except NetError as exc:
            log.info("media stream of %s broke off: %s", attachment.id, exc)
        finally:
            await asyncio.to_thread(stream.close)


async def _answer(
    writer: asyncio.StreamWriter, status: int, headers: dict[str, str], *, body: bool = False
) -> None:
    """Writes a status line and headers; without a body to follow, an empty one."""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}"]
    if not body:
        headers = {**headers, "Content-Length": headers.get("Content-Length", "0")}
    headers["Connection"] = "close"
    lines += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
