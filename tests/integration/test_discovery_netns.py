"""mDNS discovery between two "hosts": the real server in one network namespace, a browser in
another, joined by a veth pair with link-local addresses. Nothing touches the host's network."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.tls import fingerprint_blocking
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
_serial = itertools.count()


@dataclass(frozen=True)
class TwoHosts:
    a: str
    b: str
    ip_a: str
    ip_b: str

    def in_a(self) -> list[str]:
        return ["ip", "netns", "exec", self.a]

    def in_b(self) -> list[str]:
        return ["ip", "netns", "exec", self.b]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def two_hosts() -> Iterator[TwoHosts]:
    """Namespaces A and B, a veth pair between them, 169.254.N.1/24 and .2/24. Names carry the
    PID (and a serial) so that parallel runs never share one; all of it goes away at the end."""
    pid, n = os.getpid(), next(_serial)
    a, b = f"roostA{pid}-{n}", f"roostB{pid}-{n}"
    veth_a, veth_b = f"rva{pid}{n}", f"rvb{pid}{n}"  # interface names are at most 15 bytes
    subnet = f"169.254.{1 + pid % 253}"
    hosts = TwoHosts(a, b, f"{subnet}.1", f"{subnet}.2")
    try:
        _ip("netns", "add", a)
        _ip("netns", "add", b)
        _ip("link", "add", veth_a, "type", "veth", "peer", "name", veth_b)
        for ns, dev, addr in ((a, veth_a, hosts.ip_a), (b, veth_b, hosts.ip_b)):
            _ip("link", "set", dev, "netns", ns)
            _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", dev, "up")
        yield hosts
    finally:
        # Deleting a namespace destroys its end of the veth pair, and with it the peer; the
        # link delete covers a failure between creating the pair and moving it.
        for args in (("netns", "del", a), ("netns", "del", b), ("link", "del", veth_a)):
            subprocess.run(["ip", *args], capture_output=True, timeout=10, check=False)
    listed = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    assert not {a, b} & {line.split()[0] for line in listed.splitlines() if line.strip()}


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
