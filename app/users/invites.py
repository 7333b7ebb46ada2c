"""Invites: an admin makes a one-time link that sets up a new family member's account."""

from __future__ import annotations

from app.net.models import parse_model
from app.net.signed_in import SignedInApi
from server.protocol.admin import CreatedInvite, CreateInviteRequest, InviteList
from server.protocol.common import Role

# What the invite dialog offers; the server allows 1 to 720 hours.
EXPIRY_CHOICES_HOURS = (24, 72, 168, 720)


async def create(
    session: SignedInApi, *, role: Role = Role.MEMBER, expires_in_hours: int = 72, note: str = ""
) -> CreatedInvite:
    """Makes an invite.

    Args:
        session: an admin's or the owner's session.
        role: the role the new account gets (only the owner may invite admins).
        expires_in_hours: how long the link works if unused.
        note: who it is for, for the admin's own list.

    Returns:
        The invite with its link (shown only now: the server keeps a hash).

    Raises:
        ApiError: not allowed (``forbidden``), or a bad value.
    """
    body = CreateInviteRequest(role=role, expires_in_hours=expires_in_hours, note=note.strip())
    data = await session.request("POST", "/api/v1/admin/invites", body=body)
    return parse_model(CreatedInvite, data)


async def list_all(session: SignedInApi) -> InviteList:
    """Every invite, newest first (used, revoked and expired ones too)."""
    return parse_model(InviteList, await session.request("GET", "/api/v1/admin/invites"))


async def revoke(session: SignedInApi, invite_id: str) -> None:
    """Makes an unused invite unusable."""
    await session.request("DELETE", f"/api/v1/admin/invites/{invite_id}")
