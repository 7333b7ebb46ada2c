"""Checks for what people type into account forms, with messages in plain words.

The rules are the server's own (server.protocol.common), applied here so mistakes show next to
the field before anything is sent; the server checks again.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError
from PySide6.QtCore import QCoreApplication

from server.protocol.common import DisplayName, Username

_USERNAME: TypeAdapter[str] = TypeAdapter(Username)
_DISPLAY_NAME: TypeAdapter[str] = TypeAdapter(DisplayName)

DEFAULT_PASSWORD_MIN = 8


@dataclass(frozen=True, slots=True)
class AccountForm:
    """An account as typed: for claiming a server, or joining one with an invite."""

    display_name: str
    username: str
    password: str
    repeat: str


def username_problem(text: str) -> str | None:
    """Why ``text`` cannot be a username, or None."""
    try:
        _USERNAME.validate_python(text)
    except ValidationError:
        return QCoreApplication.translate(
            "Forms",
            "Use 3 to 32 characters: small letters a–z, digits, dot, dash or underscore, "
            "starting with a letter or digit (for example: mum or li.wei).",
        )
    return None


def name_problem(text: str) -> str | None:
    """Why ``text`` cannot be a display name or server name, or None."""
    if not text.strip():
        return QCoreApplication.translate("Forms", "Please type a name.")
    try:
        _DISPLAY_NAME.validate_python(text)
    except ValidationError:
        if len(text.strip()) > 64:
            return QCoreApplication.translate("Forms", "Please keep it to 64 characters.")
        return QCoreApplication.translate(
            "Forms", "This name contains characters that cannot be shown."
        )
    return None


def password_problem(
    password: str, repeat: str, min_length: int = DEFAULT_PASSWORD_MIN
) -> str | None:
    """Why this password cannot be used, or None."""
    if len(password) < min_length:
        return QCoreApplication.translate(
            "Forms", "Use at least {n} characters. A few unrelated words are easy to remember."
        ).format(n=min_length)
    if len(password) > 256:
        return QCoreApplication.translate("Forms", "Please keep the password to 256 characters.")
    return None


def repeat_problem(password: str, repeat: str) -> str | None:
    """Why the second password does not confirm the first, or None."""
    if password and password != repeat:
        return QCoreApplication.translate("Forms", "The two passwords are not the same.")
    return None


def new_password_problems(
    password: str,
    repeat: str,
    *,
    username: str,
    current: str = "",
    min_length: int = DEFAULT_PASSWORD_MIN,
) -> dict[str, str]:
    """Why ``password`` cannot replace ``current``, by field ("password", "repeat").

    The server's rules for a new password (protocol 21): long enough, not the username, not one
    or two characters repeated, and not the password it replaces.
    """
    problems: dict[str, str] = {}
    problem = password_problem(password, repeat, min_length)
    if problem is None and password.lower() == username.strip().lower():
        problem = QCoreApplication.translate(
            "Forms", "Your username as the password is too easy to guess. Choose something else."
        )
    if problem is None and len(set(password)) < 3:
        problem = QCoreApplication.translate(
            "Forms", "This is too easy to guess. Use more than one or two different characters."
        )
    if problem is None and current and password == current:
        problem = QCoreApplication.translate(
            "Forms", "This is the password you have now. Choose a new one."
        )
    if problem is not None:
        problems["password"] = problem
    mismatch = repeat_problem(password, repeat)
    if mismatch is not None:
        problems["repeat"] = mismatch
    return problems


def account_problems(form: AccountForm, min_password: int = DEFAULT_PASSWORD_MIN) -> dict[str, str]:
    """Every field's problem, by field name ("display_name", "username", "password")."""
    problems: dict[str, str] = {}
    for name, problem in (
        ("display_name", name_problem(form.display_name)),
        ("username", username_problem(form.username)),
        ("password", password_problem(form.password, form.repeat, min_password)),
        ("repeat", repeat_problem(form.password, form.repeat)),
    ):
        if problem is not None:
            problems[name] = problem
    return problems


def suggest_username(display_name: str) -> str:
    """A username to pre-fill from a display name ("Li Wei" → "li.wei"); may be empty."""
    kept = []
    for ch in display_name.strip().lower():
        if "a" <= ch <= "z" or "0" <= ch <= "9":
            kept.append(ch)
        elif ch in " ._-" and kept and kept[-1] != ".":
            kept.append(".")
    text = "".join(kept).strip(".")[:32]
    return text if username_problem(text) is None else ""
