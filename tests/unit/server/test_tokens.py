"""Access tokens: what verifies, and that every kind of broken token is refused the same way."""

from __future__ import annotations

import time

import pytest

from server.protocol.errors import ErrorCode
from server.services.errors import ApiError
from server.services.secrets import b64url
from server.services.tokens import AccessClaims, TokenSigner

KEY = b"k" * 32


def _refused(signer: TokenSigner, token: str) -> ErrorCode:
    with pytest.raises(ApiError) as caught:
        signer.verify_access(token)
    return caught.value.code


def test_an_access_token_verifies_to_its_claims() -> None:
    signer = TokenSigner(KEY, 900)
    claims = signer.verify_access(signer.access(7, "s1"))
    assert isinstance(claims, AccessClaims)
    assert (claims.user_id, claims.session_id) == (7, "s1")
    assert time.time() + 890 < claims.expires_at <= time.time() + 900


@pytest.mark.parametrize(
    "spoil",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # another MAC
        lambda t: ("f" if t[0] != "f" else "g") + t[1:],  # another body under the same MAC
        lambda t: t.replace(".", ""),  # no separator
        lambda t: t.split(".")[0] + ".",  # no MAC
        lambda t: "é" + t,  # not ASCII
        lambda t: t + "!" * 1100,  # too long
        lambda t: "",
    ],
)
def test_a_broken_token_is_refused_as_not_valid(spoil: object) -> None:
    signer = TokenSigner(KEY, 900)
    assert callable(spoil)
    assert _refused(signer, spoil(signer.access(7, "s1"))) == ErrorCode.UNAUTHENTICATED


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = TokenSigner(b"x" * 32, 900).access(7, "s1")
    assert _refused(TokenSigner(KEY, 900), token) == ErrorCode.UNAUTHENTICATED


def test_a_signed_body_that_is_not_an_access_token_is_refused() -> None:
    signer = TokenSigner(KEY, 900)
    challenge = signer.challenge(7, 60, "laptop")  # signed, but another kind
    assert _refused(signer, challenge) == ErrorCode.UNAUTHENTICATED
    for body in (b"not json", b"[1, 2]", b'{"t": "a", "u": "7", "s": "s1", "e": 9e12}'):
        text = b64url(body)
        token = f"{text}.{b64url(signer._mac(text))}"
        assert _refused(signer, token) == ErrorCode.UNAUTHENTICATED


def test_an_expired_token_says_so() -> None:
    signer = TokenSigner(KEY, -1)
    assert _refused(signer, signer.access(7, "s1")) == ErrorCode.TOKEN_EXPIRED
