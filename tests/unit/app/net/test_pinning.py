"""Fingerprints as people type them, and pin mismatches hidden in library errors."""

from __future__ import annotations

import pytest
import requests
from urllib3.exceptions import MaxRetryError
from urllib3.exceptions import SSLError as Urllib3SSLError

from app.net.errors import CertificateChanged
from app.net.pinning import (
    InvalidFingerprint,
    PinnedAdapter,
    certificate_changed_from,
    fingerprint_of,
    normalise_fingerprint,
)
from server.tls import format_fingerprint

FP = "926f1493a616b999250eadead4ec376a50482b382f7fa75b268a99487e057bfe"
OTHER = "ab" * 32


def test_display_form_and_pasted_forms_normalise_to_the_pin() -> None:
    assert normalise_fingerprint(format_fingerprint(FP)) == FP
    assert normalise_fingerprint(FP.upper()) == FP
    spaced = (
        " ".join(format_fingerprint(FP).split(":")[:16])
        + "\n"
        + ":".join(format_fingerprint(FP).split(":")[16:])
    )
    assert normalise_fingerprint(spaced) == FP


@pytest.mark.parametrize("text", ["", "abc", FP[:-1], FP + "0", "zz" * 32, FP.replace("9", "-")])
def test_not_a_fingerprint(text: str) -> None:
    with pytest.raises(InvalidFingerprint):
        normalise_fingerprint(text)


def test_fingerprint_of_is_sha256_hex() -> None:
    assert fingerprint_of(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_mismatch_is_found_inside_requests_wrapping() -> None:
    inner = Urllib3SSLError(f'Fingerprints did not match. Expected "{FP}", got "{OTHER}"')
    wrapped = requests.exceptions.SSLError(MaxRetryError(None, "/", reason=inner))  # type: ignore[arg-type]
    found = certificate_changed_from(wrapped, FP)
    assert isinstance(found, CertificateChanged)
    assert (found.expected, found.actual) == (FP, OTHER)


def test_other_tls_errors_are_not_a_certificate_change() -> None:
    err = requests.exceptions.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number")
    assert certificate_changed_from(err, FP) is None


def test_adapter_refuses_a_malformed_pin() -> None:
    with pytest.raises(InvalidFingerprint):
        PinnedAdapter("not a fingerprint")
    assert PinnedAdapter(format_fingerprint(FP)).fingerprint == FP
