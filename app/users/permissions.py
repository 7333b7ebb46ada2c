"""Who may do what to whom among the people on a server (protocol section 13.1), as pure rules.

The server decides in the end; these rules only keep the app from offering what it would
refuse, so buttons are greyed out rather than failing after a click.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.protocol.common import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in person acting.

    Attributes:
        user_id: their account id.
        role: their server role.
    """

    user_id: int
    role: Role


@dataclass(frozen=True, slots=True)
class Target:
    """The account acted upon.

    Attributes:
        user_id: its id.
        role: its server role.
    """

    user_id: int
    role: Role


def is_admin(role: Role) -> bool:
    """Whether ``role`` may open the people page at all (owner or admin)."""
    return role in (Role.OWNER, Role.ADMIN)


def grantable_roles(actor: Role) -> tuple[Role, ...]:
    """The roles ``actor`` may give a new account (by creating it or inviting it).

    Nobody creates an owner; only the owner creates admins.
    """
    if actor == Role.OWNER:
        return (Role.MEMBER, Role.ADMIN)
    if actor == Role.ADMIN:
        return (Role.MEMBER,)
    return ()


def can_manage(actor: Actor, target: Target) -> bool:
    """Whether ``actor`` may disable, enable, reset or delete ``target``.

    Nobody acts on their own account here (they use their own settings), nobody acts on the
    owner, and only the owner acts on admins.
    """
    if actor.user_id == target.user_id or not is_admin(actor.role):
        return False
    if target.role == Role.OWNER:
        return False
    if target.role == Role.ADMIN:
        return actor.role == Role.OWNER
    return True


def role_changes(actor: Actor, target: Target) -> tuple[Role, ...]:
    """The roles ``actor`` may set on ``target`` now (its current role left out).

    Only the owner changes roles: a member can become an admin, an admin a member, and either
    can be handed the ownership (``Role.OWNER``; the owner then becomes an admin). The owner
    is never demoted directly: ownership moves only by handing it over.
    """
    if actor.role != Role.OWNER or not can_manage(actor, target):
        return ()
    other = Role.MEMBER if target.role == Role.ADMIN else Role.ADMIN
    return (other, Role.OWNER)


def can_transfer_ownership(actor: Actor, target: Target) -> bool:
    """Whether ``actor`` may hand the ownership of the server to ``target``."""
    return Role.OWNER in role_changes(actor, target)
