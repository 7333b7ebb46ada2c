"""mDNS discovery between two "hosts": the real server in one network namespace, a browser in
another, joined by a veth pair with link-local addresses. Nothing touches the host's network."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from server.tls import fingerprint_blocking
from tests.helpers.netns import TwoHosts, two_hosts
from tests.helpers.proc import (
    PYTHON,
    Child,
    child,
    child_env,
    server_process,
    wait_for_banner,
)
from tests.helpers.server import PASSWORD

pytestmark = pytest.mark.needs_root

SERVICE_TYPE = "_roost._tcp.local."


@pytest.fixture(name="two_hosts")
def two_hosts_fixture() -> Iterator[TwoHosts]:
    """Namespaces A and B joined by a veth pair (see tests.helpers.netns)."""
    with two_hosts() as hosts:
        yield hosts


def _event(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _wait_event(
    browser: Child, match: Callable[[dict[str, Any]], bool], what: str, timeout: float = 8
) -> dict[str, Any]:
    def pred(line: str) -> bool:
        ev = _event(line)
        return ev is not None and match(ev)

    _, line = browser.expect(pred, stream="stdout", timeout=timeout, what=what)
    ev = _event(line)
    assert ev is not None
    return ev


def _https(hosts: TwoHosts, cert: Path, method: str, url: str, body: Any = None) -> Any:
    """A request from namespace B, pinned to the server's certificate."""
    argv = [
        *hosts.in_b(),
        PYTHON,
        "-m",
        "tests.helpers.pinned_request",
        "--cert",
        str(cert),
        method,
        url,
    ]
    if body is not None:
        argv.append(json.dumps(body))
    with child(argv, child_env()) as proc:
        rc = proc.wait(15)
        assert rc == 0, proc.output()
        _, line = proc.expect(lambda s: s.startswith("{"), stream="stdout", timeout=1)
    return json.loads(line)


def test_browser_in_b_sees_server_in_a_announce_claim_and_goodbye(
    two_hosts: TwoHosts, tmp_path: Path
) -> None:
    hosts = two_hosts
    data = tmp_path / "data"
    with server_process(
        "run",
        "--data-dir",
        data,
        "--key-file",
        tmp_path / "keys" / "data.key",
        "--host",
        hosts.ip_a,
        "--port",
        "0",
        "--mdns-interface",
        hosts.ip_a,
        prefix=hosts.in_a(),
    ) as srv:
        banner = wait_for_banner(srv)
        assert banner.host == hosts.ip_a
        _, line = srv.expect(
            lambda s: "advertising" in s, timeout=10, what="the mDNS advertising line"
        )
        assert f"advertising {SERVICE_TYPE} on {hosts.ip_a}" in line, srv.output()

        cert = data / "tls-cert.pem"
        fp = fingerprint_blocking(cert)
        described = _https(hosts, cert, "GET", f"{banner.base_url}/api/v1/server")
        assert described["status"] == 200, described
        server_id = described["body"]["server_id"]
        instance = f"roost-{server_id[:12]}.{SERVICE_TYPE}"

        browse = [
            *hosts.in_b(),
            PYTHON,
            "-m",
            "tests.helpers.mdns_browse",
            hosts.ip_b,
            "--timeout",
            "30",
        ]
        with child(browse, child_env()) as browser:
            # 1. B finds the unclaimed server, with everything a client needs to pin it.
            found = _wait_event(
                browser,
                lambda e: (
                    e["event"] in ("Added", "Updated")
                    and e.get("properties", {}).get("state") == "unclaimed"
                ),
                "an unclaimed server",
            )
            assert found["name"] == instance
            assert found["addresses"] == [hosts.ip_a]
            assert found["port"] == banner.port
            props = found["properties"]
            assert props["v"] == "1"
            assert props["id"] == server_id
            assert props["fp"] == fp
            assert props["name"] == described["body"]["name"]

            # 2. Claimed from B over HTTPS; the record follows.
            code = (data / "setup-code").read_text(encoding="ascii").strip()
            claimed = _https(
                hosts,
                cert,
                "POST",
                f"{banner.base_url}/api/v1/setup/claim",
                {
                    "setup_code": code,
                    "server_name": "Kitchen Pi",
                    "admin": {"username": "mum", "display_name": "Mum", "password": PASSWORD},
                },
            )
            assert claimed["status"] == 200, claimed
            assert claimed["body"]["server"]["state"] == "ready"
            ready = _wait_event(
                browser,
                lambda e: (
                    e["event"] == "Updated" and e.get("properties", {}).get("state") == "ready"
                ),
                "an Updated event with state=ready",
            )
            assert ready["name"] == instance
            assert ready["properties"]["name"] == "Kitchen Pi"
            assert ready["properties"]["id"] == server_id
            assert ready["properties"]["fp"] == fp

            # 3. SIGTERM: a clean exit, and a goodbye that B sees at once (not after the TTL).
            assert srv.stop(timeout=10) == 0, srv.output()
            assert srv.stderr.snapshot()[-1].endswith("stopped"), srv.output()
            gone = _wait_event(
                browser,
                lambda e: e["event"] == "Removed",
                "a Removed event (goodbye packet)",
                timeout=5,
            )
            assert gone["name"] == instance
