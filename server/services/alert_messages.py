"""Alerts as chat messages from the server itself, so they reach an owner who never opens the
dashboard, on every device, and wait there for one who is offline (protocol 24.3).

Each admin has a group of their own named "Roost alerts", created by the server the first time
there is something to say, with that admin as its only member. Its messages have no sender
(``sender_id: null``: clients show the server). One message when an alert is raised, one when it
clears. A kind raised again within ``MIN_GAP_S`` of its last message is not posted again (nor is
its clearing): a flapping alert cannot flood the conversation; the dashboard and the ``alert``
event still show every change.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from server.monitoring.alerts import Change
from server.protocol.chat import EventKind
from server.protocol.common import Role
from server.services.events import Append
from server.storage import metrics as metrics_q
from server.storage import settings as store

if TYPE_CHECKING:
    from server.runtime import Runtime
    from server.services.chat import Chat

log = logging.getLogger(__name__)

NAME = "Roost alerts"
TOPIC = "Messages from the server about its health. Details on the dashboard."
KEY = "alerts.conversation."  # server_meta: the conversation of each admin, by user id
MIN_GAP_S = 1800.0

_CLEARED = {
    "low_disk": "There is enough free disk space again.",
    "high_temperature": "The server has cooled down.",
    "throttled": "The server is no longer throttled.",
    "failed_logins": "Failed sign-ins are back to normal.",
    "backup_overdue": "Backups are up to date again.",
}


def message_content(change: Change) -> dict[str, Any]:
    """The message for one raised or cleared alert: text for every client, and the alert for
    a client that words it itself."""
    alert = change.alert
    if change.raised:
        mark = "🔴" if alert.severity == "critical" else "⚠️"
        text = f"{mark} {alert.message}"
    else:
        text = f"✅ {_CLEARED.get(alert.kind.value, 'An alert has cleared.')}"
    return {
        "text": text,
        "alert": {
            "kind": alert.kind.value,
            "state": "raised" if change.raised else "cleared",
            "severity": alert.severity,
            "value": alert.value,
        },
    }


class AlertMessages:
    """Posts alert changes into each admin's "Roost alerts" conversation."""

    def __init__(self, rt: Runtime, chat: Chat, *, clock: Callable[[], float] = time.time) -> None:
        self.rt = rt
        self.chat = chat
        self._now = clock
        self._last_posted: dict[str, float] = {}  # kind -> when its last "raised" was posted
        self._held_back: set[str] = set()  # raised but not posted: its clearing is not either

    def _wanted(self, change: Change) -> bool:
        kind = change.alert.kind.value
        if not change.raised:
            if kind in self._held_back:
                self._held_back.discard(kind)
                return False
            return True
        now = self._now()
        last = self._last_posted.get(kind)
        if last is not None and now - last < MIN_GAP_S:
            self._held_back.add(kind)
            log.info("alert %s raised again within %.0f s: no new message", kind, MIN_GAP_S)
            return False
        self._last_posted[kind] = now
        return True

    async def post(self, changes: list[Change]) -> None:
        """One message per wanted change to every admin (owner and admins, not switched off).

        Failures are logged, never raised: the monitor goes on, and the dashboard still
        shows the alert.
        """
        wanted = [c for c in changes if self._wanted(c)]
        if not wanted:
            return
        try:
            async with self.rt.reader.connect() as conn:
                admins = await metrics_q.admin_ids_txn(conn)
            for admin in admins:
                conv = await self._conversation_of(admin)
                for change in wanted:
                    # Appended through the event writer: stored, then published after the
                    # commit, like every message (protocol 15).
                    await self.chat.writer.append(
                        Append(
                            conversation_id=conv,
                            kind=EventKind.MESSAGE,
                            sender_id=None,
                            client_id=None,
                            content=message_content(change),
                        )
                    )
        except Exception:
            log.exception("posting the alert messages failed")

    async def _conversation_of(self, user_id: int) -> int:
        """The admin's alerts conversation; a new one if there is none, or they left it."""
        async with self.rt.reader.connect() as conn:
            known = await store.load_txn(conn, KEY)
        conv = known.get(str(user_id))
        if isinstance(conv, int) and self.rt.memberships.role(conv, user_id) is not None:
            return conv
        conv = await self.chat.create_server_group(
            user_id, name=NAME, topic=TOPIC, role=Role.MEMBER
        )
        async with self.rt.engine.begin() as conn:
            await store.put_txn(conn, KEY, {str(user_id): conv})
        return conv
