"""Field types used across the protocol."""

import re
import unicodedata
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


def _username(value: str) -> str:
    value = value.strip().lower()
    if not _USERNAME.fullmatch(value):
        raise ValueError(
            "3 to 32 characters: letters a-z, digits, '.', '_' or '-', starting with a letter "
            "or digit"
        )
    return value


def _display_name(value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise ValueError("must not be empty")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise ValueError("must not contain control characters")
    return value


Username = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_username)]
DisplayName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_display_name)]
# The upper bound keeps a hostile client from making argon2 hash megabytes.
Password = Annotated[str, Field(min_length=1, max_length=256)]
DeviceName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_display_name)]


class Request(BaseModel):
    """Base of every request body: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Response(BaseModel):
    model_config = ConfigDict(extra="forbid")
