"""The outbox: pending until acknowledged (same client_id every time), failed for good."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.chat.cache import ChatCache
from app.chat.outbox import Outbox, OutboxState


@pytest.fixture
def caches() -> Iterator[Callable[[Path], ChatCache]]:
    """Opens caches for a test and closes every one of them afterwards."""
    opened: list[ChatCache] = []

    def open_cache(path: Path) -> ChatCache:
        opened.append(ChatCache(path))
        return opened[-1]

    yield open_cache
    for cache in opened:
        cache.close()


@pytest.fixture
def outbox(tmp_path: Path, caches: Callable[[Path], ChatCache]) -> Outbox:
    counter = itertools.count(1)
    return Outbox(caches(tmp_path / "c.db"), new_client_id=lambda: f"id-{next(counter)}")


def test_pending_then_sent_files_the_event_once(outbox: Outbox, tmp_path: Path) -> None:
    item = outbox.add(1, "message/send", {"text": "hi", "reply_to": 3})
    assert item.state is OutboxState.PENDING
    assert item.fields() == {"conversation_id": 1, "client_id": "id-1", "text": "hi", "reply_to": 3}
    assert [p.client_id for p in outbox.pending()] == ["id-1"]
    done = outbox.acknowledged("id-1", seq=4, created_at=9.0, sender_id=1)
    assert done is not None
    sent, filed = done
    assert (sent.state, sent.seq) == (OutboxState.SENT, 4)
    assert filed is not None and filed.content == {"text": "hi", "reply_to": 3}
    again = outbox.acknowledged("id-1", seq=4, created_at=9.0, sender_id=1)
    assert again is not None and again[1] is None  # a duplicate ack stores nothing
    assert outbox.pending() == []
    assert outbox.items(1) == [] and len(outbox.items(1, include_sent=True)) == 1


def test_uuid_client_ids_by_default(tmp_path: Path, caches: Callable[[Path], ChatCache]) -> None:
    box = Outbox(caches(tmp_path / "c.db"))
    a, b = box.add(1, "message/send", {"text": "a"}), box.add(1, "message/send", {"text": "b"})
    assert len(a.client_id) == 36 and a.client_id != b.client_id


def test_pending_survives_a_restart(tmp_path: Path, caches: Callable[[Path], ChatCache]) -> None:
    box = Outbox(caches(tmp_path / "c.db"))
    item = box.add(2, "message/react", {"seq": 5, "emoji": "👍", "remove": False})
    reopened = Outbox(caches(tmp_path / "c.db"))
    assert [p.client_id for p in reopened.pending()] == [item.client_id]
    event = reopened.pending()[0].as_event(1, 6, 1.0)
    assert (event.kind, event.target_seq, event.content) == (
        "reaction",
        5,
        {"emoji": "👍", "op": "add"},
    )


def test_failed_then_retry_or_discard(outbox: Outbox) -> None:
    outbox.add(1, "message/send", {"text": "x" * 10})
    failed = outbox.failed("id-1", "message_too_long")
    assert failed is not None and (failed.state, failed.error_code) == (
        "failed",
        "message_too_long",
    )
    assert outbox.pending() == []
    retried = outbox.retry("id-1")
    assert retried is not None and retried.state is OutboxState.PENDING
    outbox.failed("id-1", "message_too_long")
    assert outbox.discard("id-1")
    assert outbox.get("id-1") is None


def test_pending_and_sent_cannot_be_discarded(outbox: Outbox) -> None:
    outbox.add(1, "message/send", {"text": "x"})
    assert not outbox.discard("id-1")
    assert outbox.get("id-1") is not None


@pytest.mark.parametrize(
    ("command", "body"),
    [("conversation/leave", {}), ("message/send", {"client_id": "mine", "text": "x"})],
)
def test_bad_input_changes_nothing(outbox: Outbox, command: str, body: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="outbox"):
        outbox.add(1, command, body)
    assert outbox.pending() == []
