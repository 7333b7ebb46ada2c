"""Settings an admin changes while the server runs: validated, stored, applied at once, audited;
and the retention job that removes old messages and the files only they carried.

The config file (server/config.py) gives each setting's starting value; a value changed here is
stored in the database and wins from then on, also after a restart and in a restored backup.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from pydantic import ValidationError

from server.protocol.errors import ErrorCode
from server.protocol.settings import (
    ConversationRetention,
    Registration,
    RetentionRun,
    ServerSettings,
    SettingsUpdate,
)
from server.protocol.ws import CLOSE_SESSION_ENDED
from server.services import media
from server.services.blobstore import BLOBS, THUMBS
from server.services.errors import ApiError
from server.services.ratelimit import Allowlist
from server.storage import accounts as accounts_q
from server.storage import audit, retention
from server.storage import chat as chat_q
from server.storage import files as files_q
from server.storage import settings as store

if TYPE_CHECKING:
    from server.runtime import Runtime
    from server.services.accounts import Principal

log = logging.getLogger(__name__)

DAY_S = 86_400.0
RETENTION_EVERY_S = 3600.0
# Settings kept in server/config.py's Settings too, where the rest of the server reads them.
_LIVE = ("max_file_bytes", "user_quota_bytes", "presence_enabled", "typing_enabled")


class ServerOptions:
    """The settings in force (``current``), per-conversation retention, and the retention job.

    Attributes:
        current: what is in force now; read it, never change it in place.
        conversation_days: retention of conversations that have their own (0: forever).
    """

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        s = rt.settings
        self.current = ServerSettings(
            server_name=rt.name,
            registration=Registration.INVITE_ONLY,
            max_file_bytes=s.max_file_bytes,
            user_quota_bytes=s.user_quota_bytes,
            retention_days=0,
            presence_enabled=s.presence_enabled,
            typing_enabled=s.typing_enabled,
            require_2fa=False,
            login_allowlist=list(s.login_allowlist),
        )
        self.conversation_days: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """Read what admins stored and put it in force (at start, before anything serves)."""
        async with self.rt.reader.connect() as conn:
            stored = await store.load_txn(conn, store.SETTING)
        per = stored.pop("conversation_retention", {}) or {}
        self.conversation_days = {int(k): int(v) for k, v in per.items()}
        values = {**self.current.model_dump(), "server_name": self.rt.name}
        for name, value in stored.items():
            # One damaged row (edited by hand, say) must not keep the server from starting:
            # that setting falls back to the config file's value, and the log says so.
            try:
                ServerSettings.model_validate({**values, name: value})
            except ValidationError:
                log.error(
                    "stored setting %s=%r is not valid; using %r", name, value, values.get(name)
                )
                continue
            if name in ServerSettings.model_fields:
                values[name] = value
        self.current = ServerSettings.model_validate(values)
        self._apply()

    def _apply(self) -> None:
        rt, cur = self.rt, self.current
        rt.settings = rt.settings.model_copy(
            update={name: getattr(cur, name) for name in _LIVE}
            | {"login_allowlist": list(cur.login_allowlist)}
        )
        if rt.files is not None:
            rt.files.settings = rt.settings
        rt.hub.presence_enabled = cur.presence_enabled
        rt.hub.typing_enabled = cur.typing_enabled
        rt.allowlist = Allowlist(cur.login_allowlist)

    def get(self) -> ServerSettings:
        # The name is also set by the claim (services/setup.py): the runtime holds the truth.
        if self.current.server_name != self.rt.name:
            self.current = self.current.model_copy(update={"server_name": self.rt.name})
        return self.current

    async def update(
        self, actor: Principal, body: SettingsUpdate, ip: str | None
    ) -> ServerSettings:
        """Put the settings in ``body`` in force; only fields that differ are stored and
        audited, in one transaction (the model checked every value before this runs)."""
        given = body.model_dump()
        async with self._lock:
            old = self.get().model_dump()
            changed = {k: v for k, v in given.items() if old.get(k) != v}
            if not changed:
                return self.current
            if changed.get("require_2fa") and not actor.totp_enabled:
                # Otherwise the admin's own next request would be refused: turning it on is
                # for someone who has shown it works for them.
                raise ApiError(
                    ErrorCode.TWO_FACTOR_REQUIRED,
                    "turn on two-step sign-in for your own account first, then require it "
                    "for everyone",
                )
            new = ServerSettings.model_validate({**old, **changed})
            now = time.time()
            async with self.rt.engine.begin() as conn:
                rest = {k: v for k, v in changed.items() if k != "server_name"}
                await store.put_txn(conn, store.SETTING, rest)
                if "server_name" in changed:
                    await store.set_name_txn(conn, new.server_name)
                await audit.record_txn(
                    conn,
                    at=now,
                    action="settings.update",
                    actor_id=actor.user_id,
                    ip=ip,
                    detail={k: {"from": old.get(k), "to": v} for k, v in changed.items()},
                )
            self.current = new
            self._apply()
            if "server_name" in changed:
                self.rt.renamed(new.server_name)
            if changed.get("require_2fa"):
                await self._disconnect_without_two_factor()
        return self.current

    async def _disconnect_without_two_factor(self) -> None:
        """Live connections were let in before it was required: they end now, and come back
        only after enrolling (the auth phase refuses them with ``two_factor_required``)."""
        async with self.rt.reader.connect() as conn:
            users = await accounts_q.list_users_txn(conn)
        for row in users:
            if not row.totp_enabled:
                self.rt.hub.end_sessions(
                    row.id,
                    code=CLOSE_SESSION_ENDED,
                    reason="an administrator requires two-step sign-in",
                )

    # --- retention ------------------------------------------------------------------------

    def list_conversation_retention(self) -> list[ConversationRetention]:
        return [
            ConversationRetention(conversation_id=c, days=d)
            for c, d in sorted(self.conversation_days.items())
        ]

    async def set_conversation_retention(
        self, actor: Principal, conversation_id: int, days: int | None, ip: str | None
    ) -> list[ConversationRetention]:
        """Give one conversation its own retention (``days``; 0 keeps it forever), or let it
        follow the server's again (None)."""
        async with self._lock:
            async with self.rt.reader.connect() as conn:
                if await chat_q.get_conversation_txn(conn, conversation_id) is None:
                    raise ApiError(ErrorCode.CONVERSATION_NOT_FOUND, "no such conversation")
            per = dict(self.conversation_days)
            if days is None:
                per.pop(conversation_id, None)
            else:
                per[conversation_id] = days
            async with self.rt.engine.begin() as conn:
                await store.put_txn(
                    conn,
                    store.SETTING,
                    {"conversation_retention": {str(k): v for k, v in per.items()}},
                )
                await audit.record_txn(
                    conn,
                    at=time.time(),
                    action="settings.retention.conversation",
                    actor_id=actor.user_id,
                    ip=ip,
                    detail={"conversation_id": conversation_id, "days": days},
                )
            self.conversation_days = per
        return self.list_conversation_retention()

    async def run_retention(self, now: float | None = None) -> RetentionRun:
        """Tombstone every message older than its conversation's retention, then remove the
        attachments and stored files that only such messages carried."""
        now = time.time() if now is None else now
        server_days = self.current.retention_days
        per = dict(self.conversation_days)
        messages = 0
        async with self.rt.engine.begin() as conn:
            for conv, days in per.items():
                if days > 0:
                    messages += await retention.expire_messages_txn(
                        conn, cutoff=now - days * DAY_S, now=now, only=conv
                    )
            if server_days > 0:
                messages += await retention.expire_messages_txn(
                    conn, cutoff=now - server_days * DAY_S, now=now, skip=set(per)
                )
            attachments = await retention.drop_expired_attachments_txn(conn)
            gone = await files_q.drop_orphan_blobs_txn(conn)
            if messages or attachments or gone:
                await audit.record_txn(
                    conn,
                    at=now,
                    action="retention.run",
                    detail={"messages": messages, "attachments": attachments, "files": len(gone)},
                )
        if gone and self.rt.files is not None:
            blob_store = self.rt.files.store

            def remove_blocking() -> None:
                for b in gone:
                    blob_store.delete_blocking(BLOBS, b)
                    for n in media.THUMB_SIZES:
                        blob_store.delete_blocking(THUMBS, f"{b}.{n}")

            await asyncio.to_thread(remove_blocking)
        if messages:
            log.info("retention: %d messages and %d files removed", messages, len(gone))
        return RetentionRun(messages=messages, attachments=attachments, files=len(gone))

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="retention")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(RETENTION_EVERY_S)
            try:
                await self.run_retention()
            except Exception:  # a busy database must not end the job
                log.exception("retention run failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def registration_open(rt: Runtime) -> bool:
    """Whether invite links may create accounts now."""
    return rt.options.current.registration is Registration.INVITE_ONLY
