"""Choosing a new password: the server's rules checked before sending, and the sign-in's step
order (a new password is asked for only when the server asked for one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.accounts.credentials import Credentials
from app.accounts.session import AccountFlows
from app.paths import AppPaths
from app.servers import KnownServers
from app.wizard.forms import new_password_problems
from tests.helpers.keyring_memory import MemoryKeyring

CODE = "QMXF-2GPZ-GZTH"


def test_a_good_new_password_has_no_problems() -> None:
    assert new_password_problems("dad's long password", "dad's long password", username="dad") == {}


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short", "at least 8 characters"),
        ("x" * 257, "256 characters"),
        ("Grandma1", "username"),
        ("abababababab", "too easy to guess"),
        (CODE, "the password you have now"),
    ],
)
def test_a_new_password_breaking_a_rule_says_which(password: str, words: str) -> None:
    problems = new_password_problems(password, password, username=" grandma1 ", current=CODE)
    assert set(problems) == {"password"}
    assert words in problems["password"]


def test_the_minimum_is_the_servers() -> None:
    assert new_password_problems("ninechars", "ninechars", username="kid", min_length=9) == {}
    problems = new_password_problems("eightchr", "eightchr", username="kid", min_length=9)
    assert "at least 9 characters" in problems["password"]


def test_the_repeat_must_match_even_when_the_password_is_fine() -> None:
    problems = new_password_problems("dad's long password", "dad's long pasword", username="dad")
    assert problems == {"repeat": "The two passwords are not the same."}


def test_both_fields_can_be_wrong_at_once() -> None:
    problems = new_password_problems("short", "", username="dad")
    assert set(problems) == {"password", "repeat"}


def test_without_a_current_password_only_the_other_rules_apply() -> None:
    assert new_password_problems("a fine password", "a fine password", username="kid") == {}


async def test_a_new_password_is_taken_only_when_the_server_asked(tmp_path: Path) -> None:
    paths = AppPaths(config=tmp_path / "config", data=tmp_path / "data").ensure()
    flows = AccountFlows(KnownServers(paths), Credentials(MemoryKeyring()))
    sign_in = flows.sign_in(address="192.0.2.1:8443", fingerprint="ab" * 32)
    assert sign_in.step == "password"
    with pytest.raises(RuntimeError, match="did not ask for a new password"):
        await sign_in.new_password("dad's long password")
    assert sign_in.step == "password"
    # Before the server is known, its minimum is the usual one.
    assert "at least 8" in sign_in.new_password_problems("short", "short")["password"]
    await sign_in.cancel()  # nothing was opened: nothing to end
