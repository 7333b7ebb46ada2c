"""How an account's state, role and storage read in the people table."""

from __future__ import annotations

from app.users import describe
from server.protocol.admin import AdminUser
from server.protocol.common import Role

NOW = 1_800_000_000.0


def _user(**changes: object) -> AdminUser:
    base: dict[str, object] = {
        "id": 2,
        "username": "grandma",
        "display_name": "Grandma 奶奶",
        "role": Role.MEMBER,
        "disabled": False,
        "totp_enabled": False,
        "must_change_password": False,
        "created_at": NOW - 1000,
        "last_login_at": NOW - 100,
        "locked_until": None,
    }
    return AdminUser.model_validate(base | changes)


def test_state_names_what_stops_signing_in_first() -> None:
    assert describe.state(_user(), NOW) == "Active"
    assert describe.state(_user(must_change_password=True), NOW) == "Waiting for first sign-in"
    assert describe.state(_user(locked_until=NOW + 60), NOW) == "Locked for a while"
    # A lock that has run out is no lock.
    assert describe.state(_user(locked_until=NOW - 60), NOW) == "Active"
    # Switched off wins over everything else.
    assert (
        describe.state(_user(disabled=True, locked_until=NOW + 60, must_change_password=True), NOW)
        == "Switched off"
    )


def test_roles_and_two_factor_in_words() -> None:
    assert [describe.role_name(r) for r in Role] == ["Owner", "Administrator", "Family member"]
    assert describe.two_factor(_user(totp_enabled=True)) == "On"
    assert describe.two_factor(_user()) == "Off"


def test_never_signed_in_and_unknown_storage() -> None:
    assert describe.last_seen(_user(last_login_at=None)) == "Never"
    assert describe.last_seen(_user()) not in ("", "Never")
    assert describe.storage(None) == "—"
    assert describe.storage(0) != "—"
