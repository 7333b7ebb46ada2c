"""Conversations and messages over the real WebSocket: groups, edits, reactions, read state,
typing, presence, history, limits and encryption at rest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers.server import Running, Session, make_settings, pinned_context, running
from tests.helpers.ws import CommandFailed, WsClient


async def _ws(srv: Running, who: Session, *, sync: bool = True) -> WsClient:
    assert srv.rt.cert_path is not None
    c = await WsClient.open(srv.server.base_url, who.access_token, pinned_context(srv.rt.cert_path))
    if sync:
        await c.call("sync")
    return c


@pytest.fixture
async def family(tmp_path: Path) -> AsyncIterator[tuple[Running, dict[str, Session]]]:
    async with running(make_settings(tmp_path)) as srv:
        owner = await srv.claim("mum")
        people = {"mum": owner}
        for name in ("dad", "kid", "gran"):
            people[name] = await srv.add_user(name)
        yield srv, people


async def test_direct_conversation_is_one_per_pair(
    family: tuple[Running, dict[str, Session]],
) -> None:
    srv, p = family
    mum, dad = await _ws(srv, p["mum"]), await _ws(srv, p["dad"])
    a = await mum.call("conversation/create_direct", user_id=p["dad"].user_id)
    b = await dad.call("conversation/create_direct", user_id=p["mum"].user_id)
    assert a["id"] == b["id"]
    assert a["kind"] == "direct"
    with pytest.raises(CommandFailed) as info:
        await mum.call("conversation/create_direct", user_id=p["mum"].user_id)
    assert info.value.code == "invalid_request"
    with pytest.raises(CommandFailed) as info:
        await mum.call(
            "conversation/add_members", conversation_id=a["id"], user_ids=[p["kid"].user_id]
        )
    assert info.value.code == "not_a_group"
    await mum.close()
    await dad.close()


async def test_group_life_cycle(family: tuple[Running, dict[str, Session]]) -> None:
    srv, p = family
    mum, dad, kid = [await _ws(srv, p[n]) for n in ("mum", "dad", "kid")]
    g = await mum.call(
        "conversation/create_group",
        name="家人 Family",
        topic="dinner",
        member_ids=[p["dad"].user_id],
    )
    cid = g["id"]
    assert {m["user_id"]: m["role"] for m in g["members"]} == {
        p["mum"].user_id: "owner",
        p["dad"].user_id: "member",
    }
    # members cannot manage; the owner promotes dad, who then can
    with pytest.raises(CommandFailed) as info:
        await dad.call("conversation/add_members", conversation_id=cid, user_ids=[p["kid"].user_id])
    assert info.value.code == "forbidden"
    await mum.call(
        "conversation/set_role", conversation_id=cid, user_id=p["dad"].user_id, role="admin"
    )
    await dad.call("conversation/add_members", conversation_id=cid, user_ids=[p["kid"].user_id])
    await kid.wait_for(lambda ev: any(e["kind"] == "member_added" for e in ev))
    await dad.call("conversation/update", conversation_id=cid, name="The Chens")
    info_after = await kid.call("conversation/get", conversation_id=cid)
    assert info_after["name"] == "The Chens"
    # the owner must hand over before leaving; then leaving works
    with pytest.raises(CommandFailed) as info:
        await mum.call("conversation/leave", conversation_id=cid)
    assert info.value.code == "owner_must_transfer"
    await mum.call(
        "conversation/set_role", conversation_id=cid, user_id=p["dad"].user_id, role="owner"
    )
    await mum.call("conversation/leave", conversation_id=cid)
    left = await mum.call("conversation/get", conversation_id=cid)
    assert left["left"] is True
    kinds = [e["kind"] for e in (await kid.call("history", conversation_id=cid))["events"]]
    assert kinds == [
        "created",
        "role_changed",
        "member_added",
        "updated",
        "role_changed",
        "member_left",
    ]
    for c in (mum, dad, kid):
        await c.close()


async def test_invite_link_to_a_group(family: tuple[Running, dict[str, Session]]) -> None:
    srv, p = family
    mum, gran = await _ws(srv, p["mum"]), await _ws(srv, p["gran"])
    g = await mum.call("conversation/create_group", name="Photos")
    inv = await mum.call("conversation/create_invite", conversation_id=g["id"])
    joined = await gran.call("conversation/join", token=inv["token"])
    assert p["gran"].user_id in [m["user_id"] for m in joined["members"]]
    with pytest.raises(CommandFailed) as info:
        await gran.call("conversation/join", token="not-a-token")
    assert info.value.code == "invalid_invite"
    await mum.close()
    await gran.close()


async def test_edit_delete_react_and_reply(family: tuple[Running, dict[str, Session]]) -> None:
    srv, p = family
    mum, dad, kid = [await _ws(srv, p[n]) for n in ("mum", "dad", "kid")]
    g = await mum.call(
        "conversation/create_group", name="G", member_ids=[p["dad"].user_id, p["kid"].user_id]
    )
    cid = g["id"]
    first = await dad.call("message/send", conversation_id=cid, client_id="d1", text="dinner at 7?")
    reply = await kid.call(
        "message/send", conversation_id=cid, client_id="k1", text="yes!", reply_to=first["seq"]
    )
    # only the author edits
    with pytest.raises(CommandFailed) as info:
        await kid.call(
            "message/edit", conversation_id=cid, client_id="k2", seq=first["seq"], text="no"
        )
    assert info.value.code == "not_author"
    await dad.call(
        "message/edit", conversation_id=cid, client_id="d2", seq=first["seq"], text="dinner at 8?"
    )
    await kid.call(
        "message/react", conversation_id=cid, client_id="k3", seq=first["seq"], emoji="👍"
    )
    await mum.call(
        "message/react", conversation_id=cid, client_id="m1", seq=first["seq"], emoji="👍"
    )
    await mum.call(
        "message/react",
        conversation_id=cid,
        client_id="m2",
        seq=first["seq"],
        emoji="👍",
        remove=True,
    )
    # a member can't delete someone else's message; the group's owner can
    with pytest.raises(CommandFailed) as info:
        await dad.call("message/delete", conversation_id=cid, client_id="d3", seq=reply["seq"])
    assert info.value.code == "not_author"
    await mum.call("message/delete", conversation_id=cid, client_id="m3", seq=reply["seq"])
    with pytest.raises(CommandFailed) as info:
        await kid.call(
            "message/edit", conversation_id=cid, client_id="k4", seq=reply["seq"], text="x"
        )
    assert info.value.code == "message_not_found"
    page = await kid.call("history", conversation_id=cid)
    by_seq = {e["seq"]: e for e in page["events"]}
    assert by_seq[first["seq"]]["content"]["text"] == "dinner at 8?"
    assert by_seq[first["seq"]]["edited_at"] is not None
    assert by_seq[first["seq"]]["reactions"] == {"👍": [p["kid"].user_id]}
    assert by_seq[reply["seq"]]["deleted"] is True
    assert by_seq[reply["seq"]]["content"] is None
    assert by_seq[reply["seq"]]["target_seq"] == first["seq"]
    # every change is an event of its own, seen live by the others (a connection does not get
    # back what it sent itself: it has the acknowledgement)
    await dad.wait_for(lambda ev: any(e.get("kind") == "delete" for e in ev))
    assert [e["kind"] for e in dad.messages(cid)] == [
        "created",
        "message",
        "reaction",
        "reaction",
        "reaction",
        "delete",
    ]
    # mum created the group: her connection has it from the command's result
    await mum.wait_for(lambda ev: len(mum.messages(cid)) >= 4)
    assert [e["kind"] for e in mum.messages(cid)] == [
        "message",
        "message",
        "edit",
        "reaction",
    ]
    for c in (mum, dad, kid):
        await c.close()


async def test_read_markers_and_unread_counts(family: tuple[Running, dict[str, Session]]) -> None:
    srv, p = family
    mum, dad = await _ws(srv, p["mum"]), await _ws(srv, p["dad"])
    d = await mum.call("conversation/create_direct", user_id=p["dad"].user_id)
    for i in range(3):
        await mum.call("message/send", conversation_id=d["id"], client_id=f"m{i}", text=f"hi {i}")
    conv = await dad.call("conversation/get", conversation_id=d["id"])
    assert conv["unread"] == 3
    assert (await mum.call("conversation/get", conversation_id=d["id"]))["unread"] == 0
    marked = await dad.call("read/mark", conversation_id=d["id"], seq=3)
    assert marked["read_seq"] == 3
    assert (await dad.call("conversation/get", conversation_id=d["id"]))["unread"] == 1
    # markers never move backwards, and never beyond the end
    await dad.call("read/mark", conversation_id=d["id"], seq=1)
    assert (await dad.call("read/mark", conversation_id=d["id"], seq=999))["read_seq"] == 4
    r = await srv.client.get("/api/v1/conversations", headers=p["dad"].headers)
    assert r.json()["conversations"][0]["unread"] == 0
    await mum.wait_for(lambda ev: any(e.get("kind") == "read" and e["read_seq"] == 4 for e in ev))
    await mum.close()
    await dad.close()


async def test_typing_is_coalesced_and_presence_follows_connections(
    family: tuple[Running, dict[str, Session]],
) -> None:
    srv, p = family
    mum = await _ws(srv, p["mum"])
    d = await mum.call("conversation/create_direct", user_id=p["dad"].user_id)
    dad = await _ws(srv, p["dad"])
    await mum.wait_for(
        lambda ev: any(
            e.get("kind") == "presence" and e["user_id"] == p["dad"].user_id and e["online"]
            for e in ev
        )
    )
    sent = [await dad.call("typing", conversation_id=d["id"]) for _ in range(5)]
    assert [s["forwarded"] for s in sent] == [True, False, False, False, False]
    await mum.wait_for(lambda ev: any(e.get("kind") == "typing" for e in ev))
    users = await mum.call("users/list")
    online = {u["username"]: u["online"] for u in users["users"]}
    assert online["dad"] is True
    assert online["gran"] is False
    await dad.close()
    await mum.wait_for(lambda ev: any(e.get("kind") == "presence" and not e["online"] for e in ev))
    assert len([e for e in mum.events if e.get("kind") == "typing"]) == 1
    await mum.close()


async def test_typing_and_presence_can_be_switched_off(tmp_path: Path) -> None:
    async with running(
        make_settings(tmp_path, typing_enabled=False, presence_enabled=False)
    ) as srv:
        mum = await srv.claim("mum")
        dad = await srv.add_user("dad")
        info = (await srv.client.get("/api/v1/server")).json()
        assert info["features"]["typing"] is False
        assert info["features"]["presence"] is False
        a = await _ws(srv, mum)
        d = await a.call("conversation/create_direct", user_id=dad.user_id)
        b = await _ws(srv, dad)
        with pytest.raises(CommandFailed) as err:
            await b.call("typing", conversation_id=d["id"])
        assert err.value.code == "feature_disabled"
        assert all(u["online"] is None for u in (await a.call("users/list"))["users"])
        await b.close()
        await asyncio.sleep(0.2)
        assert not [e for e in a.events if e.get("kind") == "presence"]
        await a.close()


async def test_history_pages_over_rest_and_ws(family: tuple[Running, dict[str, Session]]) -> None:
    srv, p = family
    mum = await _ws(srv, p["mum"])
    d = await mum.call("conversation/create_direct", user_id=p["kid"].user_id)
    for i in range(25):
        await mum.call("message/send", conversation_id=d["id"], client_id=f"h{i}", text=f"n{i}")
    newest = await mum.call("history", conversation_id=d["id"], limit=10)
    assert [e["seq"] for e in newest["events"]] == list(range(17, 27))
    assert newest["has_more"] is True
    older = await mum.call("history", conversation_id=d["id"], before=17, limit=10)
    assert [e["seq"] for e in older["events"]] == list(range(7, 17))
    r = await srv.client.get(
        f"/api/v1/conversations/{d['id']}/events",
        params={"after": 20, "limit": 100},
        headers=p["kid"].headers,
    )
    assert [e["seq"] for e in r.json()["events"]] == list(range(21, 27))
    assert r.json()["has_more"] is False
    outsider = await srv.client.get(
        f"/api/v1/conversations/{d['id']}/events", headers=p["gran"].headers
    )
    assert outsider.status_code == 404
    assert outsider.json()["error"]["code"] == "conversation_not_found"
    await mum.close()


async def test_message_bodies_are_encrypted_on_disk(
    family: tuple[Running, dict[str, Session]],
) -> None:
    srv, p = family
    mum = await _ws(srv, p["mum"])
    d = await mum.call("conversation/create_direct", user_id=p["dad"].user_id)
    marker = "MARKER-d41d8cd98f00-秘密"
    await mum.call("message/send", conversation_id=d["id"], client_id="secret", text=marker)
    await mum.close()
    await srv.server.stop()  # checkpoint the WAL into the database file
    blobs = b"".join(
        f.read_bytes() for f in srv.rt.data_dir.iterdir() if f.name.startswith("roost.db")
    )
    assert b"MARKER-d41d8cd98f00" not in blobs
    assert marker.encode() not in blobs
    assert b"secret" in blobs  # the client_id is stored in the clear: the search itself works


async def test_limits_are_enforced_and_advertised(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, max_message_chars=10, send_rate_per_s=1, send_burst=3, max_group_size=3
    )
    async with running(settings) as srv:
        mum = await srv.claim("mum")
        others = [await srv.add_user(n) for n in ("dad", "kid", "gran")]
        limits = (await srv.client.get("/api/v1/server")).json()["limits"]
        assert (limits["max_message_chars"], limits["send_burst"], limits["max_group_size"]) == (
            10,
            3,
            3,
        )
        a = await _ws(srv, mum)
        with pytest.raises(CommandFailed) as err:
            await a.call(
                "conversation/create_group", name="big", member_ids=[o.user_id for o in others]
            )
        assert err.value.code == "group_full"
        g = await a.call("conversation/create_group", name="ok", member_ids=[others[0].user_id])
        with pytest.raises(CommandFailed) as err:
            await a.call("message/send", conversation_id=g["id"], client_id="long", text="x" * 11)
        assert err.value.code == "message_too_long"
        frames = [
            await a.request("message/send", conversation_id=g["id"], client_id=f"r{i}", text="hi")
            for i in range(5)
        ]
        codes = [f["error"]["code"] if not f["success"] else "ok" for f in frames]
        assert codes == ["ok", "ok", "ok", "rate_limited", "rate_limited"]
        assert all(f["error"]["retry_after"] >= 1 for f in frames[3:])
        history = await a.call("history", conversation_id=g["id"])
        assert [e["kind"] for e in history["events"]] == [
            "created",
            "message",
            "message",
            "message",
        ]
        await a.close()


async def test_resends_get_the_first_ack_even_when_they_would_now_fail(
    family: tuple[Running, dict[str, Session]],
) -> None:
    srv, p = family
    mum, dad = await _ws(srv, p["mum"]), await _ws(srv, p["dad"])
    g = await mum.call("conversation/create_group", name="G", member_ids=[p["dad"].user_id])
    cid = g["id"]
    sent = await dad.call("message/send", conversation_id=cid, client_id="d1", text="hi")
    gone = await dad.call("message/delete", conversation_id=cid, client_id="d2", seq=sent["seq"])
    # the delete's answer was lost; its resend finds the message gone, yet gets the first ack
    again = await dad.call("message/delete", conversation_id=cid, client_id="d2", seq=sent["seq"])
    assert again == {**gone, "duplicate": True}
    await mum.call("conversation/remove_member", conversation_id=cid, user_id=p["dad"].user_id)
    # removed since: a resend of what was stored before still gets its ack, a new send does not
    late = await dad.call("message/send", conversation_id=cid, client_id="d1", text="hi")
    assert late == {**sent, "duplicate": True}
    with pytest.raises(CommandFailed) as err:
        await dad.call("message/send", conversation_id=cid, client_id="d3", text="hi")
    assert err.value.code == "conversation_not_found"
    await mum.close()
    await dad.close()


async def test_member_added_names_who_was_really_added(
    family: tuple[Running, dict[str, Session]],
) -> None:
    srv, p = family
    mum = await _ws(srv, p["mum"])
    g = await mum.call("conversation/create_group", name="G", member_ids=[p["dad"].user_id])
    both = [p["dad"].user_id, p["kid"].user_id]
    await mum.call("conversation/add_members", conversation_id=g["id"], user_ids=both)
    events = (await mum.call("history", conversation_id=g["id"]))["events"]
    assert events[-1]["kind"] == "member_added"
    assert events[-1]["content"]["user_ids"] == [p["kid"].user_id]
    # an older read marker never moves it back, and the answer says where it stands
    await mum.call("read/mark", conversation_id=g["id"], seq=2)
    assert (await mum.call("read/mark", conversation_id=g["id"], seq=1))["read_seq"] == 2
    await mum.close()
