"""The rules of who may do what to whom (protocol 13.1), checked against the protocol's table."""

from __future__ import annotations

import pytest

from app.users.permissions import (
    Actor,
    Target,
    can_manage,
    can_transfer_ownership,
    grantable_roles,
    is_admin,
    role_changes,
)
from server.protocol.common import Role

OWNER, ADMIN, MEMBER = Role.OWNER, Role.ADMIN, Role.MEMBER


def test_only_owner_and_admins_open_the_page() -> None:
    assert is_admin(OWNER) and is_admin(ADMIN)
    assert not is_admin(MEMBER)


@pytest.mark.parametrize(
    ("actor", "roles"),
    [(OWNER, (MEMBER, ADMIN)), (ADMIN, (MEMBER,)), (MEMBER, ())],
)
def test_roles_a_new_account_may_get(actor: Role, roles: tuple[Role, ...]) -> None:
    assert grantable_roles(actor) == roles
    assert OWNER not in grantable_roles(actor)  # nobody creates an owner


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (OWNER, MEMBER, True),
        (OWNER, ADMIN, True),
        (ADMIN, MEMBER, True),
        (ADMIN, ADMIN, False),
        (ADMIN, OWNER, False),
        (MEMBER, MEMBER, False),
        (MEMBER, ADMIN, False),
    ],
)
def test_manage_follows_the_table(actor: Role, target: Role, allowed: bool) -> None:
    assert can_manage(Actor(1, actor), Target(2, target)) is allowed


@pytest.mark.parametrize("role", list(Role))
def test_nobody_manages_their_own_account(role: Role) -> None:
    assert not can_manage(Actor(7, role), Target(7, role))
    assert role_changes(Actor(7, role), Target(7, role)) == ()


def test_owner_changes_roles_and_hands_over() -> None:
    owner = Actor(1, OWNER)
    assert role_changes(owner, Target(2, MEMBER)) == (ADMIN, OWNER)
    assert role_changes(owner, Target(3, ADMIN)) == (MEMBER, OWNER)
    assert can_transfer_ownership(owner, Target(2, MEMBER))
    assert can_transfer_ownership(owner, Target(3, ADMIN))


@pytest.mark.parametrize("target", list(Role))
def test_an_admin_changes_no_roles(target: Role) -> None:
    admin = Actor(1, ADMIN)
    assert role_changes(admin, Target(2, target)) == ()
    assert not can_transfer_ownership(admin, Target(2, target))


@pytest.mark.parametrize("actor", list(Role))
def test_the_owner_is_never_demoted(actor: Role) -> None:
    # Another "owner" row cannot exist, but the rule must hold even for stale data.
    assert role_changes(Actor(1, actor), Target(2, OWNER)) == ()
    assert not can_manage(Actor(1, actor), Target(2, OWNER))


def test_members_change_nothing() -> None:
    member = Actor(1, MEMBER)
    for target in Role:
        assert not can_manage(member, Target(2, target))
        assert role_changes(member, Target(2, target)) == ()
