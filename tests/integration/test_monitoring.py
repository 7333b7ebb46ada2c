"""Monitoring against a real server: metrics from a fake host, history across a restart,
Prometheus, who may see what, the live feed, alerts and logs.

The host is the edge of the world here: /proc, the thermal zones and ``vcgencmd`` come from
files and a script the test rewrites (tests/helpers/fake_host.py). Samples are taken by the
test (``monitor.sample_once``) so nothing waits on the 10-second timer; the server's own timer
is set to an hour and takes only its first sample.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from server.monitoring.alerts import BackupStatus
from server.monitoring.monitor import Monitor
from tests.helpers.fake_host import FakeHost, make_fake_host
from tests.helpers.server import Running, Session, make_settings, pinned_context, running
from tests.helpers.ws import CommandFailed, WsClient

QUIET = {"metrics_interval_s": 3600}


def monitor_of(r: Running) -> Monitor:
    m = r.rt.monitor
    assert isinstance(m, Monitor)
    return m


def owner(r: Running) -> Session:
    assert r.owner is not None
    return r.owner


async def ws_client(r: Running, who: Session) -> WsClient:
    return await WsClient.open(r.server.base_url, who.access_token, pinned_context(r.rt.cert_path))


@pytest.fixture
def host(tmp_path: Path) -> FakeHost:
    return make_fake_host(tmp_path / "host")


@pytest_asyncio.fixture
async def mon(tmp_path: Path, host: FakeHost) -> AsyncIterator[Running]:
    """A claimed server reading the fake host."""
    async with running(make_settings(tmp_path, **QUIET, **host.settings())) as r:
        await r.claim()
        yield r


async def get_metrics(r: Running, span: str = "1h", who: Session | None = None) -> Any:
    res = await r.client.get(
        "/api/v1/admin/metrics", params={"range": span}, headers=(who or owner(r)).headers
    )
    assert res.status_code == 200, res.text
    return res.json()


# --- the snapshot ---------------------------------------------------------------------------


async def test_snapshot_reads_the_host_and_the_chat(mon: Running, host: FakeHost) -> None:
    kid = await mon.add_user("kid")
    client = await ws_client(mon, kid)
    try:
        await client.call("sync")
        host.set_temperature(57.5)
        host.set_throttled(0x50000)
        await monitor_of(mon).sample_once()
        body = await get_metrics(mon)
    finally:
        await client.close()
    cur = body["current"]
    assert cur["temperature_c"] == 57.5
    assert cur["throttled"] == 0x50000
    assert cur["load1"] == 0.5 and cur["host_uptime_s"] == 12345.67
    assert cur["memory_total_bytes"] == 4_000_000 * 1024
    assert cur["disk_free_bytes"] > 0 and cur["database_bytes"] > 0
    assert cur["connections"] == 1 and cur["users_online"] == 1
    assert body["alerts"] == []  # throttled since boot, not now
    assert body["range"] == "1h" and body["step_s"] == 3600
    assert body["history"][-1] == cur
    assert body["last_backup_at"] is None


async def test_messages_uploads_and_storage_per_user(mon: Running) -> None:
    m = monitor_of(mon)
    now = [time.time()]
    m.sampler.clock = lambda: now[0]  # a minute between samples, exactly
    kid = await mon.add_user("kid")
    client = await ws_client(mon, kid)
    try:
        conv = await client.call("conversation/create_direct", user_id=owner(mon).user_id)
        await m.sample_once()  # the baseline
        acks = [
            await client.call(
                "message/send", conversation_id=conv["id"], client_id=f"m{i}", text="hi"
            )
            for i in range(3)
        ]
        await client.call(  # not a message: not counted
            "message/react",
            conversation_id=conv["id"],
            client_id="r",
            seq=acks[0]["seq"],
            emoji="👍",
        )
    finally:
        await client.close()
    now[0] += 60
    sample = await m.sample_once()
    assert sample.messages_per_min == 3.0
    assert sample.upload_bytes_per_min == 0
    payload = b"x" * 5000
    r = await mon.client.post(
        "/api/v1/uploads",
        json={
            "name": "a.bin",
            "size": len(payload),
            "mime": "application/octet-stream",
            "sha256": hashlib.sha256(payload).hexdigest(),
        },
        headers=kid.headers,
    )
    assert r.status_code == 201, r.text
    upload = r.json()["id"]
    body = await get_metrics(mon)
    # an upload in progress counts at its full size, as the quota counts it
    assert body["storage"] == [{"user_id": kid.user_id, "username": "kid", "bytes": 5000}]
    r = await mon.client.put(
        f"/api/v1/uploads/{upload}", params={"offset": 0}, content=payload, headers=kid.headers
    )
    assert r.status_code == 200, r.text
    r = await mon.client.post(f"/api/v1/uploads/{upload}/complete", headers=kid.headers)
    assert r.status_code == 200, r.text
    now[0] += 30
    sample = await m.sample_once()
    assert sample.upload_bytes_per_min == 10_000.0  # 5000 bytes in half a minute
    assert sample.messages_per_min == 0  # nothing new since the last sample
    body = await get_metrics(mon)
    assert body["storage"] == [{"user_id": kid.user_id, "username": "kid", "bytes": 5000}]


# --- history across a restart ---------------------------------------------------------------


async def test_history_survives_a_restart(tmp_path: Path, host: FakeHost) -> None:
    settings = make_settings(tmp_path, **QUIET, **host.settings())
    half_hour_ago = (time.time() // 60) * 60 - 1800
    async with running(settings) as r:
        await r.claim()
        m = monitor_of(r)
        host.set_temperature(66.0)
        clock = iter([half_hour_ago, half_hour_ago + 10, half_hour_ago + 20])
        m.sampler.clock = lambda: next(clock)
        for _ in range(3):
            await m.sample_once()
    host.set_temperature(40.0)
    async with running(settings) as r:
        body = await get_metrics(r, "1h", await r.login("owner"))
        kept = [p for p in body["history"] if p["at"] == half_hour_ago]
        assert len(kept) == 1, body["history"]
        assert kept[0]["temperature_c"] == 66.0
        assert body["current"]["temperature_c"] == 40.0  # the new run's first sample
        day = await get_metrics(r, "24h", await r.login("owner"))
        assert any(p["temperature_c"] == 66.0 for p in day["history"])


async def test_alerts_in_force_survive_a_restart_without_a_new_start(
    tmp_path: Path, host: FakeHost
) -> None:
    settings = make_settings(tmp_path, **QUIET, **host.settings())
    host.set_temperature(90.0)
    async with running(settings) as r:
        await r.claim()
        await monitor_of(r).sample_once()
        (before,) = (await get_metrics(r))["alerts"]
    async with running(settings) as r:
        await monitor_of(r).sample_once()
        (after,) = (await get_metrics(r, who=await r.login("owner")))["alerts"]
    assert after["kind"] == "high_temperature"
    assert after["since"] == before["since"]


# --- Prometheus -----------------------------------------------------------------------------


async def test_prometheus_metrics_parse(mon: Running, host: FakeHost) -> None:
    host.set_temperature(82.0)
    await monitor_of(mon).sample_once()
    r = await mon.client.get("/metrics")  # loopback: allowed by default, no token needed
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    assert families["roost_temperature_celsius"].samples[0].value == 82.0
    assert families["roost_load1"].samples[0].value == 0.5
    assert families["roost_websocket_connections"].samples[0].value == 0
    (alert,) = families["roost_alert_active"].samples
    assert alert.labels == {"kind": "high_temperature", "severity": "warning"}
    assert "roost_disk_free_bytes" in families and "roost_database_bytes" in families


async def test_prometheus_is_closed_to_other_addresses(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, **QUIET, metrics_allow=["10.0.0.0/8"])
    async with running(settings) as r:
        refused = await r.client.get("/metrics")
        unknown = await r.client.get("/no-such-thing")
    assert refused.status_code == 404
    assert refused.json() == unknown.json()  # indistinguishable from a path that is not there


# --- who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/admin/metrics", "/api/v1/admin/logs", "/api/v1/admin/logs?format=text"]
)
async def test_members_and_strangers_are_refused(mon: Running, path: str) -> None:
    kid = await mon.add_user("kid")
    anon = await mon.client.get(path)
    assert anon.status_code == 401
    as_member = await mon.client.get(path, headers=kid.headers)
    assert as_member.status_code == 403
    assert as_member.json()["error"]["code"] == "forbidden"


async def test_an_admin_may_see_it(mon: Running) -> None:
    admin = await mon.add_user("helper", role="admin")
    assert (await get_metrics(mon, who=admin))["current"] is not None


@pytest.mark.parametrize("params", [{"range": "1w"}, {"range": ""}])
async def test_bad_range_is_refused(mon: Running, params: dict[str, str]) -> None:
    r = await mon.client.get("/api/v1/admin/metrics", params=params, headers=owner(mon).headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"


# --- the live feed --------------------------------------------------------------------------


async def test_feed_snapshot_then_samples_then_released(mon: Running, host: FakeHost) -> None:
    m = monitor_of(mon)
    client = await ws_client(mon, owner(mon))
    try:
        frame = await client.request("monitor/subscribe")
        assert frame["success"], frame
        sub = frame["result"]["subscription"]
        assert sub == frame["id"]
        snapshot = frame["result"]["snapshot"]
        assert snapshot["current"]["temperature_c"] == 48.5
        assert snapshot["history"]
        assert m.listener_count == 1

        host.set_temperature(52.0)
        await m.sample_once()
        await client.wait_for(lambda ev: any(e.get("kind") == "monitor/sample" for e in ev))
        (event,) = [e for e in client.events if e.get("kind") == "monitor/sample"]
        assert event["sample"]["temperature_c"] == 52.0 and event["alerts"] == []

        await client.call("monitor/unsubscribe", subscription=sub)
        assert m.listener_count == 0
        await m.sample_once()
        await client.call("ping")  # frames are in order: a sample would have come first
        assert len([e for e in client.events if e.get("kind") == "monitor/sample"]) == 1
        with pytest.raises(CommandFailed) as exc:
            await client.call("monitor/unsubscribe", subscription=sub)
        assert exc.value.code == "not_found"

        await client.call("monitor/subscribe")
        assert m.listener_count == 1
    finally:
        await client.close()
    async with asyncio.timeout(10):  # the server notices the close on its own time
        while m.listener_count:  # noqa: ASYNC110 - no event to wait on from outside
            await asyncio.sleep(0.01)


async def test_feed_event_frames_carry_the_subscription_id(mon: Running) -> None:
    ws = await connect(
        mon.server.base_url.replace("https://", "wss://") + "/api/v1/ws",
        ssl=pinned_context(mon.rt.cert_path),
    )
    try:
        await ws.recv()
        await ws.send(json.dumps({"type": "auth", "access_token": owner(mon).access_token}))
        assert json.loads(await ws.recv())["type"] == "auth_ok"
        await ws.send(json.dumps({"id": 7, "type": "monitor/subscribe"}))
        result = json.loads(await ws.recv())
        assert (result["id"], result["type"], result["success"]) == (7, "result", True)
        await monitor_of(mon).sample_once()
        event = json.loads(await ws.recv())
        assert (event["id"], event["type"], event["event"]["kind"]) == (
            7,
            "event",
            "monitor/sample",
        )
    finally:
        await ws.close()


async def test_members_cannot_subscribe(mon: Running) -> None:
    kid = await mon.add_user("kid")
    client = await ws_client(mon, kid)
    try:
        with pytest.raises(CommandFailed) as exc:
            await client.call("monitor/subscribe")
        assert exc.value.code == "forbidden"
        assert monitor_of(mon).listener_count == 0
    finally:
        await client.close()


# --- alerts ---------------------------------------------------------------------------------


async def test_temperature_alert_raised_and_cleared_and_told_to_admins(
    mon: Running, host: FakeHost
) -> None:
    m = monitor_of(mon)
    kid = await mon.add_user("kid")
    admin_ws = await ws_client(mon, owner(mon))
    kid_ws = await ws_client(mon, kid)
    try:
        await admin_ws.call("sync")
        await kid_ws.call("sync")

        def alerts(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
            return [(e["state"], e["alert"]["kind"]) for e in events if e.get("kind") == "alert"]

        host.set_temperature(85.0)
        await m.sample_once()
        await admin_ws.wait_for(lambda ev: alerts(ev) == [("raised", "high_temperature")])
        (alert,) = (await get_metrics(mon))["alerts"]
        assert alert["kind"] == "high_temperature" and alert["value"] == 85.0

        host.set_temperature(77.0)  # cooler, not yet cool: stays raised
        await m.sample_once()
        assert len((await get_metrics(mon))["alerts"]) == 1

        host.set_temperature(60.0)
        await m.sample_once()
        await admin_ws.wait_for(lambda ev: len(alerts(ev)) == 2)
        assert alerts(admin_ws.events)[1] == ("cleared", "high_temperature")
        assert (await get_metrics(mon))["alerts"] == []

        await kid_ws.call("ping")
        assert alerts(kid_ws.events) == []  # members are not told
    finally:
        await admin_ws.close()
        await kid_ws.close()


async def test_throttling_alert_from_vcgencmd(mon: Running, host: FakeHost) -> None:
    host.set_throttled(0x50005)
    await monitor_of(mon).sample_once()
    (alert,) = (await get_metrics(mon))["alerts"]
    assert alert["kind"] == "throttled" and "power supply" in alert["message"]


async def test_low_disk_alert(tmp_path: Path) -> None:
    # Any real disk has less free than a petabyte.
    settings = make_settings(tmp_path, **QUIET, alert_disk_free_bytes=1 << 50)
    async with running(settings) as r:
        await r.claim()
        await monitor_of(r).sample_once()
        kinds = [a["kind"] for a in (await get_metrics(r))["alerts"]]
    assert kinds == ["low_disk"]


async def test_failed_logins_spike(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, **QUIET, alert_failed_logins=4)
    async with running(settings) as r:
        await r.claim()
        for _ in range(4):
            bad = await r.client.post(
                "/api/v1/auth/login", json={"username": "owner", "password": "wrong password!"}
            )
            assert bad.status_code == 401
        await monitor_of(r).sample_once()
        (alert,) = (await get_metrics(r))["alerts"]
    assert alert["kind"] == "failed_logins" and alert["value"] == 4


async def test_backup_overdue_through_the_hook(mon: Running) -> None:
    async def scheduled_never_ran() -> BackupStatus:
        return BackupStatus(last_at=None, interval_s=86_400)

    await monitor_of(mon).sample_once()
    assert (await get_metrics(mon))["alerts"] == []  # no schedule: not overdue
    mon.rt.backup_status = scheduled_never_ran
    await monitor_of(mon).sample_once()
    (alert,) = (await get_metrics(mon))["alerts"]
    assert alert["kind"] == "backup_overdue" and alert["value"] is None


# --- logs -----------------------------------------------------------------------------------


async def test_logs_recent_lines_filtered_and_downloadable(
    mon: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="server.test_monitoring")  # the CLI sets info
    logging.getLogger("server.test_monitoring").warning("the kettle is on")
    logging.getLogger("server.test_monitoring").info("tea is ready")
    h = owner(mon).headers
    r = await mon.client.get("/api/v1/admin/logs", params={"level": "warning"}, headers=h)
    assert r.status_code == 200, r.text
    entries = r.json()["entries"]
    mine = [e for e in entries if e["logger"] == "server.test_monitoring"]
    assert [e["message"] for e in mine] == ["the kettle is on"]
    assert all(e["level"] in ("warning", "error", "critical") for e in entries)

    everything = (await mon.client.get("/api/v1/admin/logs", headers=h)).json()["entries"]
    kettle = next(e for e in everything if e["message"] == "the kettle is on")
    after = await mon.client.get("/api/v1/admin/logs", params={"since": kettle["at"]}, headers=h)
    assert "tea is ready" in [e["message"] for e in after.json()["entries"]]
    assert "the kettle is on" not in [e["message"] for e in after.json()["entries"]]

    text = await mon.client.get("/api/v1/admin/logs", params={"format": "text"}, headers=h)
    assert text.headers["content-type"].startswith("text/plain")
    assert text.headers["content-disposition"].startswith('attachment; filename="roost-')
    assert "WARNING  server.test_monitoring: the kettle is on" in text.text


@pytest.mark.parametrize(
    "params", [{"level": "loud"}, {"since": "yesterday"}, {"limit": "0"}, {"format": "pdf"}]
)
async def test_logs_bad_parameters(mon: Running, params: dict[str, str]) -> None:
    r = await mon.client.get("/api/v1/admin/logs", params=params, headers=owner(mon).headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"
