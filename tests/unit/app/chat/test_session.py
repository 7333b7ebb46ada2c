"""The sans-I/O chat protocol: phases, ids, result matching, close classification, back-off."""

from __future__ import annotations

import itertools
import json

import pytest

from app.chat.session import (
    AuthAccepted,
    AuthRefused,
    ChatProtocol,
    CloseVerdict,
    EphemeralReceived,
    Phase,
    ProtocolViolation,
    ResultReceived,
    StoredEventReceived,
    Synced,
    UnmatchedError,
    backoff,
    classify_close,
)

EVENT = {
    "conversation_id": 1,
    "seq": 2,
    "kind": "message",
    "sender_id": 2,
    "client_id": "c-1",
    "target_seq": None,
    "created_at": 1.5,
    "content": {"text": "Dinner at 7?"},
    "edited_at": None,
    "deleted": False,
    "a_field_from_later": 1,
}


def _signed_in() -> ChatProtocol:
    proto = ChatProtocol()
    proto.auth_frame("tok")
    assert proto.receive('{"type":"auth_required","version":"x","protocol_version":1}') == []
    [ok] = proto.receive('{"type":"auth_ok","user_id":7,"session_id":"s"}')
    assert ok == AuthAccepted(7, "s")
    return proto


def test_auth_frame_is_exactly_type_and_token() -> None:
    assert json.loads(ChatProtocol().auth_frame("abc")) == {"type": "auth", "access_token": "abc"}


def test_no_commands_before_auth_ok() -> None:
    with pytest.raises(ProtocolViolation):
        ChatProtocol().command("ping")


def test_auth_refused_is_remembered() -> None:
    proto = ChatProtocol()
    [refused] = proto.receive(
        '{"type":"auth_invalid","error":{"code":"token_expired","message":"refresh it"}}'
    )
    assert refused == AuthRefused("token_expired", "refresh it")
    assert proto.auth_error == "token_expired"
    assert proto.phase is Phase.AUTH


def test_sync_then_live_and_ids_increase() -> None:
    proto = _signed_in()
    sync_id, frame = proto.sync_frame({3: 40}, recent=10)
    assert json.loads(frame) == {"id": 1, "type": "sync", "cursors": {"3": 40}, "recent": 10}
    ping_id, _ = proto.command("ping")
    assert ping_id == sync_id + 1
    with pytest.raises(ProtocolViolation):
        proto.sync_frame({})  # once per connection
    [synced] = proto.receive(
        json.dumps(
            {"id": sync_id, "type": "result", "success": True, "result": {"conversations": []}}
        )
    )
    assert synced == Synced([])
    assert proto.phase is Phase.LIVE


def test_results_matched_by_id_in_any_order() -> None:
    proto = _signed_in()
    proto.sync_frame({})
    a, _ = proto.command("message/send", conversation_id=1, client_id="x", text="hi")
    b, _ = proto.command("ping")
    [rb] = proto.receive(json.dumps({"id": b, "type": "result", "success": True, "result": {}}))
    err = {"code": "not_author", "message": "no"}
    [ra] = proto.receive(json.dumps({"id": a, "type": "result", "success": False, "error": err}))
    assert isinstance(rb, ResultReceived) and rb.ok and rb.command_type == "ping"
    assert isinstance(ra, ResultReceived) and not ra.ok and ra.client_id == "x"
    assert ra.error is not None and ra.error.code == "not_author"
    assert proto.waiting == [1]  # only the sync is still open


def test_second_result_for_an_id_and_null_id_are_unmatched() -> None:
    proto = _signed_in()
    proto.sync_frame({})
    pid, _ = proto.command("ping")
    proto.receive(json.dumps({"id": pid, "type": "result", "success": True, "result": {}}))
    err = {"code": "id_not_increasing", "message": "m"}
    [again] = proto.receive(
        json.dumps({"id": pid, "type": "result", "success": False, "error": err})
    )
    [null] = proto.receive(
        '{"id":null,"type":"result","success":false,"error":{"code":"frame_too_large","message":"m"}}'
    )
    assert isinstance(again, UnmatchedError) and again.error.code == "id_not_increasing"
    assert isinstance(null, UnmatchedError) and null.error.code == "frame_too_large"


def test_events_stored_ephemeral_and_unknown_frames() -> None:
    proto = _signed_in()
    [stored] = proto.receive(json.dumps({"type": "event", "event": EVENT}))
    assert isinstance(stored, StoredEventReceived)
    assert stored.event.seq == 2 and stored.event.content == {"text": "Dinner at 7?"}
    typing = {"kind": "typing", "conversation_id": 2, "user_id": 3, "expires_in": 6}
    [eph] = proto.receive(json.dumps({"type": "event", "event": typing}))
    assert eph == EphemeralReceived("typing", typing)
    assert proto.receive('{"type":"something_new"}') == []


@pytest.mark.parametrize("junk", ["{not json", "[1]", b"bin"])
def test_junk_from_the_server_is_a_violation(junk: str | bytes) -> None:
    with pytest.raises(ProtocolViolation):
        _signed_in().receive(junk)


def test_closed_returns_lost_commands() -> None:
    proto = _signed_in()
    proto.sync_frame({})
    proto.command("message/send", conversation_id=1, client_id="k", text="t")
    lost = proto.closed()
    assert (2, "message/send", "k") in lost
    assert proto.phase is Phase.CLOSED
    with pytest.raises(ProtocolViolation):
        proto.command("ping")


@pytest.mark.parametrize(
    ("code", "auth_error", "verdict"),
    [
        (4003, None, CloseVerdict.SIGNED_OUT),
        (4001, "session_revoked", CloseVerdict.SIGNED_OUT),
        (4001, "unauthenticated", CloseVerdict.SIGNED_OUT),
        (4001, "account_disabled", CloseVerdict.SIGNED_OUT),
        (4001, "token_expired", CloseVerdict.REFRESH),
        (4001, "invalid_frame", CloseVerdict.STOP),
        (4002, "unauthenticated", CloseVerdict.RETRY),
        (4008, None, CloseVerdict.RETRY),
        (1001, None, CloseVerdict.RETRY),
        (1012, None, CloseVerdict.RETRY),
        (1011, None, CloseVerdict.RETRY),
        (None, None, CloseVerdict.RETRY),
    ],
)
def test_classify_close(code: int | None, auth_error: str | None, verdict: CloseVerdict) -> None:
    assert classify_close(code, auth_error, we_closed=False) is verdict


def test_we_closed_means_stop() -> None:
    assert classify_close(1006, None, we_closed=True) is CloseVerdict.STOP


def test_backoff_doubles_to_the_cap_with_jitter() -> None:
    assert list(itertools.islice(backoff(1, 8, rand=lambda: 0.0), 6)) == [1, 2, 4, 8, 8, 8]
    halved = list(itertools.islice(backoff(1, 8, jitter=0.5, rand=lambda: 1.0), 3))
    assert halved == [0.5, 1, 2]


@pytest.mark.parametrize(("first", "cap", "jitter"), [(0, 1, 0.5), (2, 1, 0.5), (1, 2, 1.5)])
def test_backoff_refuses_nonsense(first: float, cap: float, jitter: float) -> None:
    with pytest.raises(ValueError, match="backoff"):
        next(backoff(first, cap, jitter=jitter))
