"""Retention: exactly the messages older than the cut-off become tombstones (seqs kept), their
edits and reactions go with them, and files only they carried are removed from disk."""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

from sqlalchemy import select

from server.storage.tables import attachments, blobs, events, reactions
from tests.helpers.server import Running, Session, pinned_context
from tests.helpers.ws import WsClient

DAY = 86_400


async def ws_for(r: Running, who: Session) -> WsClient:
    assert r.rt.cert_path is not None
    c = await WsClient.open(r.server.base_url, who.access_token, pinned_context(r.rt.cert_path))
    await c.call("sync")
    return c


async def attach(r: Running, who: Session, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    body = {
        "name": "f.bin",
        "size": len(data),
        "mime": "application/octet-stream",
        "sha256": digest,
    }
    up = (await r.client.post("/api/v1/uploads", json=body, headers=who.headers)).json()
    resp = await r.client.put(
        f"/api/v1/uploads/{up['id']}",
        content=data,
        headers={**who.headers, "Content-Range": f"bytes 0-{len(data) - 1}/*"},
    )
    assert resp.status_code == 200, resp.text
    resp = await r.client.post(f"/api/v1/uploads/{up['id']}/complete", headers=who.headers)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


async def table(r: Running, t: Any) -> list[Any]:
    async with r.rt.reader.connect() as conn:
        return list((await conn.execute(select(t))).all())


async def test_exactly_what_is_older_goes_and_seqs_stay(claimed: Running) -> None:
    r, owner = claimed, claimed.owner
    assert owner is not None
    mum = await r.add_user("mum")
    w = await ws_for(r, mum)
    o = await ws_for(r, owner)
    direct = (await w.call("conversation/create_direct", user_id=owner.user_id))["id"]
    group = (await w.call("conversation/create_group", name="Kids", member_ids=[owner.user_id]))[
        "id"
    ]
    only_old, shared = await attach(r, mum, os.urandom(5000)), await attach(r, mum, b"both")

    async def send(conv: int, cid: str, text: str, atts: list[str] | None = None) -> int:
        ack = await w.call("message/send", conversation_id=conv, client_id=cid, text=text,
                           attachments=atts or [])  # fmt: skip
        return int(ack["seq"])

    old1 = await send(direct, "o1", "old with files", [only_old, shared])
    old2 = await send(direct, "o2", "old, edited later")
    old_group = await send(group, "o3", "old in the group")
    cutoff = time.time()  # everything above is older, everything below newer
    await w.call("message/edit", conversation_id=direct, client_id="e1", seq=old2, text="edited")
    await o.call("message/react", conversation_id=direct, client_id="r1", seq=old1, emoji="👍")
    new1 = await send(direct, "n1", "new, carrying the shared file too", [shared])
    new_group = await send(group, "n2", "new in the group")
    await w.close()
    await o.close()
    before = {(e.conversation_id, e.seq) for e in await table(r, events)}
    blob_of = {a.id: a.blob_id for a in await table(r, attachments)}

    # the server keeps one day; the group keeps its messages forever
    assert owner is not None
    current = (await r.client.get("/api/v1/admin/settings", headers=owner.headers)).json()
    resp = await r.client.put(
        "/api/v1/admin/settings", json={**current, "retention_days": 1}, headers=owner.headers
    )
    assert resp.status_code == 200, resp.text
    resp = await r.client.put(
        f"/api/v1/admin/settings/retention/conversations/{group}",
        json={"days": 0},
        headers=owner.headers,
    )
    assert resp.json() == {"conversations": [{"conversation_id": group, "days": 0}]}
    run = await r.rt.options.run_retention(now=cutoff + DAY)
    assert (run.messages, run.attachments, run.files) == (2, 1, 1)

    rows = {(e.conversation_id, e.seq): e for e in await table(r, events)}
    assert set(rows) == before  # no row removed, no seq reused
    gone = {(direct, old1), (direct, old2)}
    for key, e in rows.items():
        if key in gone:
            assert e.deleted_at is not None and e.content is None
        elif e.kind == "edit":
            assert e.content is None  # the edit of an expired message took its words along
        elif key in {(direct, new1), (group, old_group), (group, new_group)}:
            assert e.deleted_at is None and e.content is not None
    assert await table(r, reactions) == []
    # the file only the old message carried is gone, row and bytes; the shared one stays
    remaining = {a.id for a in await table(r, attachments)}
    assert remaining == {shared}
    assert {b.id for b in await table(r, blobs)} == {blob_of[shared]}
    assert not (r.rt.data_dir / "files" / "blobs" / blob_of[only_old]).exists()
    assert (r.rt.data_dir / "files" / "blobs" / blob_of[shared]).exists()
    resp = await r.client.get(f"/api/v1/attachments/{only_old}/content", headers=mum.headers)
    assert resp.status_code == 404
    # what clients see: the tombstones in place, the rest untouched
    page = await r.client.get(
        f"/api/v1/conversations/{direct}/events", params={"after": 0}, headers=mum.headers
    )
    seen = {e["seq"]: e for e in page.json()["events"]}
    assert seen[old1]["deleted"] and seen[old1]["content"] is None
    assert seen[new1]["content"]["text"] == "new, carrying the shared file too"
    audit = (await r.client.get("/api/v1/admin/audit", headers=owner.headers)).json()["entries"]
    (entry,) = [e for e in audit if e["action"] == "retention.run"]
    assert entry["detail"] == {"messages": 2, "attachments": 1, "files": 1}
    # a second run finds nothing more
    again = await r.rt.options.run_retention(now=cutoff + DAY)
    assert (again.messages, again.attachments, again.files) == (0, 0, 0)


async def test_no_retention_keeps_everything_and_the_api_runs_it(claimed: Running) -> None:
    r, owner = claimed, claimed.owner
    assert owner is not None
    w = await ws_for(r, owner)
    mum = await r.add_user("mum")
    conv = (await w.call("conversation/create_direct", user_id=mum.user_id))["id"]
    await w.call("message/send", conversation_id=conv, client_id="a", text="kept")
    await w.close()
    far = await r.rt.options.run_retention(now=time.time() + 10_000 * DAY)
    assert far.messages == 0
    resp = await r.client.post("/api/v1/admin/settings/retention/run", headers=owner.headers)
    assert resp.json() == {"messages": 0, "attachments": 0, "files": 0}
    resp = await r.client.post("/api/v1/admin/settings/retention/run", headers=mum.headers)
    assert resp.status_code == 403
    # a conversation of its own retention, with the server keeping forever
    await r.client.put(
        f"/api/v1/admin/settings/retention/conversations/{conv}",
        json={"days": 2},
        headers=owner.headers,
    )
    assert (await r.rt.options.run_retention(now=time.time() + DAY)).messages == 0
    assert (await r.rt.options.run_retention(now=time.time() + 3 * DAY)).messages == 1
    url = f"/api/v1/admin/settings/retention/conversations/{conv}"
    assert (await r.client.delete(url, headers=owner.headers)).json() == {"conversations": []}
