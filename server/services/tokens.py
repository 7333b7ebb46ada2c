"""Signed, short-lived bearer tokens (access tokens and second-factor challenges)."""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass

from server.protocol.errors import ErrorCode
from server.services.errors import ApiError
from server.services.secrets import b64url, random_token, unb64url


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    session_id: str
    expires_at: float


class TokenSigner:
    """HMAC-SHA256 over a compact JSON payload. The session behind an access token is still
    checked on every use, so revoking a session stops its tokens at once."""

    def __init__(self, key: bytes, access_ttl_s: int) -> None:
        self._key = key
        self.access_ttl_s = access_ttl_s

    def _sign(self, payload: dict[str, object]) -> str:
        body = b64url(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{b64url(self._mac(body))}"

    def _mac(self, body: str) -> bytes:
        # hmac.digest is OpenSSL's one-shot HMAC: every request and reconnect verifies a token.
        return hmac.digest(self._key, body.encode(), "sha256")

    def _verify(self, token: str, kind: str) -> dict[str, object]:
        body, sep, mac = token.partition(".")
        payload: object = None
        if sep and len(token) <= 1024:
            try:
                if hmac.compare_digest(self._mac(body), unb64url(mac)):
                    payload = json.loads(unb64url(body))
            except ValueError:  # not base64, not ASCII, not JSON
                pass
        if not isinstance(payload, dict) or payload.get("t") != kind:
            raise ApiError(ErrorCode.UNAUTHENTICATED, "the token is not valid; sign in again")
        expires = payload.get("e")
        if not isinstance(expires, int | float) or expires < time.time():
            raise ApiError(ErrorCode.TOKEN_EXPIRED, "the token has expired; refresh it")
        return payload

    def access(self, user_id: int, session_id: str) -> str:
        return self._sign(
            {"t": "a", "u": user_id, "s": session_id, "e": int(time.time()) + self.access_ttl_s}
        )

    def verify_access(self, token: str) -> AccessClaims:
        p = self._verify(token, "a")
        uid, sid = p.get("u"), p.get("s")
        if not isinstance(uid, int) or not isinstance(sid, str):
            raise ApiError(ErrorCode.UNAUTHENTICATED, "the token is not valid; sign in again")
        return AccessClaims(uid, sid, float(p["e"]))  # type: ignore[arg-type]

    def challenge(self, user_id: int, ttl_s: int, device_name: str) -> str:
        return self._sign(
            {
                "t": "2fa",
                "u": user_id,
                "d": device_name,
                "n": random_token(8),
                "e": int(time.time()) + ttl_s,
            }
        )

    def verify_challenge(self, token: str) -> tuple[int, str, str]:
        """Returns the user id, the device name given with the password, and the nonce that
        tells this challenge from others."""
        try:
            p = self._verify(token, "2fa")
        except ApiError as exc:
            raise ApiError(
                ErrorCode.INVALID_SECOND_FACTOR,
                "the sign-in step has expired or is not valid; start again with your password",
            ) from exc
        uid, device, nonce = p.get("u"), p.get("d"), p.get("n")
        if not isinstance(uid, int) or not isinstance(device, str) or not isinstance(nonce, str):
            raise ApiError(ErrorCode.INVALID_SECOND_FACTOR, "the sign-in step is not valid")
        return uid, device, nonce
