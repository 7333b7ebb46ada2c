"""One signed-in account's chat, outliving its widgets: the connection and what hangs off it.

The shell rebuilds its pages when the language changes; the connection, its cache and the
transfers in progress must not notice, so they live here and the chat page only shows them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from app.accounts.account import Account
from app.chat.connection import ChatConnection
from app.chat.directory import Directory
from app.chat.events import ChatEvent, ConnectionEnded
from app.chat.media import MediaFiles
from app.chat.mutes import Mutes
from app.chat.transfers import Transfers
from app.chat.typing import TypingTracker
from app.events import Emitter
from app.net.errors import ApiError, NetError
from app.paths import AppPaths

log = logging.getLogger(__name__)


class AccountChat:
    """The chat of one account.

    Attributes:
        account: whose chat this is.
        connection: the live connection, its cache and outbox.
        directory: names and presence.
        mutes: conversations the user silenced.
        typing: who is typing where.
        media: thumbnails, downloads and the player's streams.
        transfers: uploads and downloads in progress (uploads survive a restart).
        needs: what the user must do before the chat can connect again:
            ``"two_factor"`` (an administrator now requires two-step sign-in; the shell opens
            the enrolment and calls ``start`` when it is done) or ``"password"`` (a new
            password is owed).
    """

    def __init__(self, account: Account, paths: AppPaths, **options: Any) -> None:
        self.account = account
        self.connection = ChatConnection.for_account(account, paths, **options)
        self.directory = Directory(self.connection)
        self.mutes = Mutes(self.connection.cache)
        self.typing = TypingTracker(self.connection.events.subscribe)
        self.media = MediaFiles.for_account(account, paths)
        self.transfers = Transfers(self.connection, account.api)
        self.needs: Emitter[str] = Emitter()
        self._checking: asyncio.Task[None] | None = None
        self._unsubscribe = self.connection.events.subscribe(self._on)

    @property
    def key(self) -> str:
        """``<server_id>/<username>``, as the shell keys accounts."""
        return f"{self.account.server_id}/{self.account.username}"

    def start(self) -> None:
        """Connects, and resumes the uploads an earlier run left unfinished."""
        self.connection.start()
        self.transfers.start()

    async def close(self) -> None:
        """Stops the connection and closes the cache (transfers stop where they are)."""
        self._unsubscribe()
        self.typing.close()
        self.directory.close()
        if self._checking is not None:
            self._checking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checking
        await self.transfers.close()
        await self.media.close()
        await self.connection.close()

    def _on(self, event: ChatEvent) -> None:
        if isinstance(event, ConnectionEnded) and event.reason == "signed_out":
            # The server closed the socket because the session ended (signed out elsewhere,
            # revoked by an admin). The account learns it from the REST side: a refresh is
            # refused and SignedInApi announces the end, which signs the account out.
            self._checking = asyncio.get_running_loop().create_task(
                self._confirm_signed_out(), name="confirm-signed-out"
            )

    async def _confirm_signed_out(self) -> None:
        try:
            await self.account.api.refresh()
        except ApiError as exc:
            log.info("session of %s is over: %s", self.key, exc.code)
            return
        except NetError as exc:
            log.info("could not confirm the end of the session of %s: %s", self.key, exc)
            return
        # The session lives. Reconnecting would be refused again if the server owes the user
        # a step first; otherwise the close was about an older token: go on.
        try:
            user = await self.account.api.me()
        except NetError as exc:
            log.info("could not read the account of %s: %s", self.key, exc)
            return
        if user.two_factor_required:
            self.needs.emit("two_factor")
        elif user.must_change_password:
            self.needs.emit("password")
        else:
            self.connection.start()
