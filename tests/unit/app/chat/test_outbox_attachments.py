"""A send with files: only ids go on the wire, the descriptions make the local copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.chat.cache import ChatCache
from app.chat.outbox import Outbox

PHOTO = {
    "id": "a" * 24,
    "name": "beach.jpg",
    "size": 1234,
    "mime": "image/jpeg",
    "sha256": "0" * 64,
    "original_sha256": "1" * 64,
    "width": 30,
    "height": 40,
    "duration": None,
    "thumbnail": True,
    "created_at": 1.0,
}


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    cache = ChatCache(tmp_path / "c.db")
    yield Outbox(cache, new_client_id=lambda: "id-1")
    cache.close()


def test_wire_has_ids_and_the_local_copy_has_the_files(outbox: Outbox) -> None:
    item = outbox.add(1, "message/send", {"text": "", "attachments": [PHOTO, {"id": "b" * 24}]})
    assert item.fields() == {
        "conversation_id": 1,
        "client_id": "id-1",
        "text": "",
        "attachments": ["a" * 24, "b" * 24],
    }
    assert item.attachment_ids == ("a" * 24, "b" * 24)
    # The id without a description cannot be shown yet; the described one can.
    [shown] = item.attachments
    assert (shown.id, shown.name, shown.width, shown.thumbnail) == ("a" * 24, "beach.jpg", 30, True)

    done = outbox.acknowledged("id-1", seq=5, created_at=2.0, sender_id=9)
    assert done is not None and done[1] is not None
    content = done[1].content or {}
    assert "original_sha256" not in content["attachments"][0]
    [msg] = outbox._cache.messages(1)
    assert [a.name for a in msg.attachments] == ["beach.jpg"]
    assert msg.text == ""


@pytest.mark.parametrize("files", [["a" * 24], [{"name": "x"}], [{"id": ""}], "abc"])
def test_attachments_without_ids_are_refused(outbox: Outbox, files: object) -> None:
    with pytest.raises(ValueError, match="attachments must be descriptions"):
        outbox.add(1, "message/send", {"text": "x", "attachments": files})
    assert outbox.pending() == []
