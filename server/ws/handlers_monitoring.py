"""The admins' live monitoring feed over the WebSocket: ``monitor/subscribe`` and its end."""

from __future__ import annotations

from typing import Any

from server.monitoring.monitor import Monitor
from server.protocol.common import Role
from server.protocol.errors import ErrorCode
from server.protocol.jsonframes import dumps
from server.protocol.monitoring import (
    Alert,
    MonitorFeed,
    Sample,
    SubscribeMonitor,
    UnsubscribeMonitor,
)
from server.runtime import Runtime
from server.services.errors import ApiError
from server.storage import metrics as q
from server.ws.connection import Connection
from server.ws.registry import command


async def _admin_monitor(conn: Connection) -> Monitor:
    """The role is read now, not at sign-in: an admin demoted since cannot open a feed."""
    rt: Runtime = conn.accounts.rt
    async with rt.reader.connect() as db:
        role = await q.role_txn(db, conn.user_id)
    if role not in (Role.OWNER.value, Role.ADMIN.value):
        raise ApiError(ErrorCode.FORBIDDEN, "only an admin can do this")
    if rt.monitor is None:
        raise ApiError(ErrorCode.INTERNAL_ERROR, "the server is shutting down")
    return rt.monitor


@command(SubscribeMonitor)
async def handle_monitor_subscribe(conn: Connection, msg: SubscribeMonitor) -> MonitorFeed:
    monitor = await _admin_monitor(conn)
    sub_id = msg.id
    snapshot = await monitor.snapshot("1h")
    # From here to the return there is no await: no sample can fall between the snapshot and
    # the subscription, and the result (queued on return) goes out before the first event.

    def on_sample(sample: Sample, alerts: list[Alert]) -> None:
        event: dict[str, Any] = {
            "kind": "monitor/sample",
            "sample": sample.model_dump(mode="json"),
            "alerts": [a.model_dump(mode="json") for a in alerts],
        }
        conn.push(dumps({"id": sub_id, "type": "event", "event": event}))

    conn.subscriptions[sub_id] = monitor.subscribe(on_sample)
    return MonitorFeed(subscription=sub_id, snapshot=snapshot)


@command(UnsubscribeMonitor)
async def handle_monitor_unsubscribe(conn: Connection, msg: UnsubscribeMonitor) -> dict[str, Any]:
    release = conn.subscriptions.pop(msg.subscription, None)
    if release is None:
        raise ApiError(ErrorCode.NOT_FOUND, "no such subscription on this connection")
    release()
    return {}
