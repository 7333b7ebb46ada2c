"""One HTTPS request to a Roost server, trusting exactly its certificate; prints the result.

For requests from places the test process cannot reach itself, such as another network
namespace::

    ip netns exec B python -m tests.helpers.pinned_request --cert data/tls-cert.pem \\
        POST https://169.254.77.1:8443/api/v1/setup/claim '{"setup_code": "..."}'

prints ``{"status": 200, "body": {...}}`` on one line. The server's self-signed certificate
names the host and 127.0.0.1 but not a link-local address, so the host name is not checked;
the certificate itself is the only one trusted, which is what the desktop app's pin amounts to.
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
from pathlib import Path
from typing import Any

import httpx


def pinned_context(cert: Path, *, check_hostname: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cadata=cert.read_text())
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = check_hostname
    return ctx


def request(
    method: str,
    url: str,
    cert: Path,
    body: Any = None,
    token: str | None = None,
    timeout: float = 10,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    ctx = pinned_context(cert, check_hostname=False)
    with httpx.Client(verify=ctx, timeout=timeout) as client:
        r = client.request(method, url, json=body, headers=headers)
    try:
        parsed: Any = r.json()
    except ValueError:
        parsed = r.text
    return {"status": r.status_code, "body": parsed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One pinned HTTPS request; prints JSON.")
    parser.add_argument("--cert", type=Path, required=True, help="the server's certificate (PEM)")
    parser.add_argument("--token", help="a bearer access token")
    parser.add_argument("method")
    parser.add_argument("url")
    parser.add_argument("body", nargs="?", help="a JSON request body")
    args = parser.parse_args(argv)
    body = json.loads(args.body) if args.body is not None else None
    result = request(args.method, args.url, args.cert, body, args.token)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
