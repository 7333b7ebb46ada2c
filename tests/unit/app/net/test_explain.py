"""Every error the flows raise gets a plain sentence; none leaks the server's English."""

from __future__ import annotations

import pytest

from app.accounts.errors import NotRemembered, UnknownServer
from app.accounts.invite import InvalidInvite
from app.net.address import InvalidAddress
from app.net.errors import ApiError, BadResponse, CertificateChanged, ProtocolMismatch, Unreachable
from app.net.explain import explain
from app.net.pinning import InvalidFingerprint
from server.protocol.errors import ErrorCode

SERVER_WORDS = "SERVER-ENGLISH-MESSAGE"


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_gets_a_sentence_without_the_servers_message(code: ErrorCode) -> None:
    text = explain(ApiError(code, SERVER_WORDS, 400, retry_after=30))
    assert text.strip()
    assert SERVER_WORDS not in text


def test_unknown_codes_and_statuses_are_still_explained() -> None:
    for status in (400, 404, 409, 500, 502):
        assert explain(ApiError("from_the_future", SERVER_WORDS, status)).strip()


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(30, "about a minute"), (60, "about a minute"), (61, "2 minutes"), (900, "15 minutes")],
)
def test_lockout_says_how_long_in_minutes(seconds: int, words: str) -> None:
    text = explain(ApiError(ErrorCode.ACCOUNT_LOCKED, "", 429, retry_after=seconds))
    assert "locked" in text
    assert words in text
    assert words in explain(ApiError(ErrorCode.RATE_LIMITED, "", 429, retry_after=seconds))


def test_distinct_situations_get_distinct_sentences() -> None:
    codes = [
        ErrorCode.INVALID_CREDENTIALS,
        ErrorCode.ACCOUNT_LOCKED,
        ErrorCode.RATE_LIMITED,
        ErrorCode.INVALID_SECOND_FACTOR,
        ErrorCode.INVALID_INVITE,
        ErrorCode.ALREADY_CLAIMED,
        ErrorCode.INVALID_SETUP_CODE,
        ErrorCode.INTERNAL_ERROR,
        ErrorCode.USERNAME_TAKEN,
        ErrorCode.WEAK_PASSWORD,
        ErrorCode.ACCOUNT_DISABLED,
    ]
    texts = {explain(ApiError(c, "", 400)) for c in codes}
    assert len(texts) == len(codes)


def test_certificate_change_warns_and_shows_both_fingerprints() -> None:
    text = explain(CertificateChanged("ab" * 32, "cd" * 32))
    assert "Don't continue" in text
    assert "AB:AB:AB" in text and "CD:CD:CD" in text
    assert "?" in explain(CertificateChanged("ab" * 32, ""))


def test_protocol_too_new_or_too_old() -> None:
    assert "update the Roost app" in explain(ProtocolMismatch(2, 1))
    assert "update the server" in explain(ProtocolMismatch(1, 2))


def test_invalid_request_names_what_to_fix() -> None:
    err = ApiError(
        ErrorCode.INVALID_REQUEST,
        "",
        422,
        details=[{"field": "admin.username", "problem": "x"}, {"field": "code", "problem": "y"}],
    )
    text = explain(err)
    assert "username must be" in text and "6-digit code" in text


@pytest.mark.parametrize(
    "exc",
    [
        Unreachable("pi.local:8443", "refused"),
        NotRemembered("a" * 24, "mum"),
        UnknownServer("a" * 24),
        InvalidAddress("x"),
        InvalidFingerprint("x"),
        BadResponse("x"),
        InvalidInvite("Sentence.", "detail"),
        RuntimeError("a bug"),
    ],
)
def test_other_errors(exc: BaseException) -> None:
    text = explain(exc)
    assert text.strip()
    assert "Traceback" not in text and "a bug" not in text
