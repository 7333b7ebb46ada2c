"""Downloading a backup file to the desktop with progress, resume (HTTP Range) and cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import requests

from app.net.errors import ApiError, Unreachable
from app.net.pinning import PinnedAdapter
from app.net.signed_in import SignedInApi
from app.server_admin.api import file_path

CHUNK = 256 * 1024
PART_SUFFIX = ".part"


class DownloadCancelled(Exception):
    """The person cancelled; the partial file stays so a later download resumes."""


def _fail(response: requests.Response) -> ApiError:
    try:
        err = response.json()["error"]
        return ApiError(str(err["code"]), str(err.get("message", "")), response.status_code)
    except (ValueError, KeyError, TypeError):
        return ApiError("", response.text[:200], response.status_code)


def download_blocking(
    session: requests.Session,
    url: str,
    token: str,
    target: Path,
    progress: Callable[[int, int], None],
    cancel: threading.Event,
) -> Path:
    """Fetches ``url`` into ``target``, continuing a ``target.part`` left by an earlier try.

    Args:
        session: a pinned session.
        url: the file's full URL.
        token: the access token.
        target: where the finished file goes.
        progress: called with (bytes done, bytes in all) from this worker thread.
        cancel: set to stop at the next chunk.

    Returns:
        ``target``.

    Raises:
        DownloadCancelled: ``cancel`` was set.
        ApiError, Unreachable: the server refused or could not be reached.
    """
    part = target.with_name(target.name + PART_SUFFIX)
    have = part.stat().st_size if part.exists() else 0
    headers = {"Authorization": f"Bearer {token}"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        with session.get(url, headers=headers, stream=True, timeout=30) as response:
            if response.status_code == 416:  # the part is whole (or longer): start again
                part.unlink()
                return download_blocking(session, url, token, target, progress, cancel)
            if response.status_code >= 400:
                raise _fail(response)
            if response.status_code != 206:
                have = 0  # the server sent the whole file: the old part is useless
            total = have + int(response.headers.get("Content-Length", "0"))
            progress(have, total)
            with part.open("ab" if have else "wb") as out:
                for chunk in response.iter_content(CHUNK):
                    if cancel.is_set():
                        raise DownloadCancelled()
                    out.write(chunk)
                    have += len(chunk)
                    progress(have, total)
    except requests.exceptions.RequestException as exc:
        raise Unreachable(url, str(exc)) from exc
    part.replace(target)
    return target


class Download:
    """One backup file on its way to the desktop.

    Attributes:
        name: the backup's name on the server.
        target: where it is saved.
        done, total: bytes so far and in all (0 until the server answers).
    """

    def __init__(self, api: SignedInApi, name: str, target: Path) -> None:
        self._api = api
        self.name = name
        self.target = target
        self.done = 0
        self.total = 0
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stops at the next piece; what arrived stays for a resume."""
        self._cancel.set()

    async def run(self, progress: Callable[[int, int], None]) -> Path:
        """Downloads (resuming a ``.part`` file), calling ``progress`` on the event loop.

        Raises:
            DownloadCancelled: ``cancel`` was called.
            ApiError, NetError: as for any call.
        """
        import asyncio

        loop = asyncio.get_running_loop()
        client = self._api.api.client
        url = client.address.base_url + file_path(self.name)
        self._cancel.clear()

        def report(done: int, total: int) -> None:
            def deliver() -> None:
                self.done, self.total = done, total
                progress(done, total)

            loop.call_soon_threadsafe(deliver)

        def fetch(token: str) -> Path:
            with requests.Session() as session:
                # The same rules as ApiClient: no proxies, only the pinned certificate.
                session.trust_env = False
                if client.fingerprint is not None:
                    session.mount("https://", PinnedAdapter(client.fingerprint))
                return download_blocking(session, url, token, self.target, report, self._cancel)

        return await self._api.call(fetch)
