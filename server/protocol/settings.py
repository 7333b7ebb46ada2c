"""Server settings an admin changes from the app: names, limits, retention, features."""

import ipaddress
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from server.protocol.common import DisplayName, Request, Response

MAX_RETENTION_DAYS = 36_500  # a hundred years: more is "forever", which is 0


class Registration(StrEnum):
    """Who may create an account. There is no open sign-up: a family server is private."""

    INVITE_ONLY = "invite_only"  # anyone holding an unused invite link
    CLOSED = "closed"  # only admins create accounts; invite links stop working


def _networks(value: list[str]) -> list[str]:
    out = []
    for item in value:
        try:
            out.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise ValueError(
                f"{item!r} is not an address or network (like 192.168.1.0/24)"
            ) from None
    return out


Networks = Annotated[list[str], Field(max_length=100), AfterValidator(_networks)]
RetentionDays = Annotated[int, Field(ge=0, le=MAX_RETENTION_DAYS)]


class ServerSettings(Response):
    """The settings in force. ``retention_days`` 0 keeps messages forever."""

    server_name: str
    registration: Registration
    max_file_bytes: int
    user_quota_bytes: int = Field(description="all of one user's files together; 0: no quota")
    retention_days: int
    presence_enabled: bool
    typing_enabled: bool
    require_2fa: bool
    login_allowlist: list[str] = Field(
        description="addresses never slowed down or locked out by failed sign-ins"
    )


class SettingsUpdate(Request):
    """The whole settings form, as ``GET`` gave it with the admin's changes: every field is
    required, so a field left out is an error, never a silent reset."""

    server_name: DisplayName
    registration: Registration
    max_file_bytes: int = Field(ge=1, le=1 << 40)
    user_quota_bytes: int = Field(ge=0, le=1 << 50)
    retention_days: RetentionDays
    presence_enabled: bool
    typing_enabled: bool
    require_2fa: bool
    login_allowlist: Networks


class ConversationRetention(Response):
    conversation_id: int
    days: int = Field(description="0: this conversation keeps its messages forever")


class ConversationRetentionList(Response):
    """Conversations with a retention of their own; the others follow ``retention_days``."""

    conversations: list[ConversationRetention]


class SetConversationRetention(Request):
    days: RetentionDays = Field(description="0: keep this conversation's messages forever")


class RetentionRun(Response):
    """What one run of the retention job removed."""

    messages: int
    attachments: int
    files: int
