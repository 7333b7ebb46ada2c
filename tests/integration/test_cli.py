"""``roost-server`` as people and systemd run it: a real process, its exit codes and its output."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from server.datakey import load_or_create_blocking
from server.tls import fingerprint_blocking, format_fingerprint
from tests.helpers.proc import Banner, run_cli, server_process, wait_for_banner
from tests.helpers.server import PASSWORD, pinned_context

EXIT_CONFIG = 2
EXIT_STATE = 3


@dataclass(frozen=True)
class Place:
    """Where one test's server keeps its data, and its key (outside the data, as required)."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def key(self) -> Path:
        return self.root / "keys" / "data.key"

    @property
    def cert(self) -> Path:
        return self.data / "tls-cert.pem"

    def flags(self) -> list[str | Path]:
        return ["--data-dir", self.data, "--key-file", self.key]

    def run_flags(self) -> list[str | Path]:
        return [*self.flags(), "--host", "127.0.0.1", "--port", "0", "--no-mdns"]


@pytest.fixture
def place(tmp_path: Path) -> Place:
    return Place(tmp_path)


def _client(place: Place, banner: Banner) -> httpx.Client:
    return httpx.Client(base_url=banner.base_url, verify=pinned_context(place.cert), timeout=10)


def _initialise(place: Place) -> None:
    """Start the server once and stop it: the data, key, certificate and setup code exist."""
    with server_process("run", *place.run_flags()) as srv:
        wait_for_banner(srv)
        assert srv.stop() == 0, srv.output()


# --- help -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ([], ["run", "info", "reset-password", "--version", "ROOST_PORT"]),
        (
            ["run"],
            [
                "--config",
                "--data-dir",
                "--key-file",
                "--host",
                "--port",
                "--tls-cert",
                "--tls-key",
                "--insecure-http",
                "--no-mdns",
                "--mdns-interface",
                "--log-level",
            ],
        ),
        (["info"], ["--config", "--data-dir", "--key-file", "--json"]),
        (["reset-password"], ["--config", "--data-dir", "--key-file", "--reset-2fa", "USER"]),
    ],
    ids=["top", "run", "info", "reset-password"],
)
def test_help(command: list[str], mentions: list[str]) -> None:
    r = run_cli(*command, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"usage: roost-server {' '.join(command)}".rstrip())
    for flag in mentions:
        assert flag in r.stdout, f"{flag} missing from:\n{r.stdout}"
    assert r.stderr == ""


# --- bad input ------------------------------------------------------------------------------


@dataclass
class Bad:
    args: list[str | Path]
    needles: list[str]
    env: dict[str, str] = field(default_factory=dict)
    # Flags win over the environment, so a case about ROOST_PORT must not pass --port.
    port_flag: bool = True


def _config(place: Place, text: str) -> Path:
    path = place.root / "roost.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _tls_cert_alone(place: Place) -> Bad:
    cert = place.root / "own-cert.pem"
    cert.write_text("not checked before the pairing is\n")
    return Bad(["--tls-cert", cert], ["tls_cert and tls_key go together"])


BAD_INPUT: dict[str, Callable[[Place], Bad]] = {
    "port-out-of-range": lambda p: Bad(
        ["--port", "70000"], ["port", "65535", "(from command line)"]
    ),
    "env-port-not-a-number": lambda p: Bad(
        [], ["port", "environment ROOST_PORT"], env={"ROOST_PORT": "abc"}, port_flag=False
    ),
    "config-unknown-key": lambda p: Bad(
        ["--config", _config(p, 'prot = 8443\nhost = "127.0.0.1"\n')],
        ["roost.toml", "unknown setting(s) prot"],
    ),
    "config-not-toml": lambda p: Bad(
        ["--config", _config(p, "port = = 8443\n")], ["roost.toml", "is not valid TOML"]
    ),
    "config-missing": lambda p: Bad(
        ["--config", p.root / "nowhere.toml"], ["nowhere.toml", "does not exist"]
    ),
    "tls-cert-without-key": _tls_cert_alone,
    "insecure-http-on-all-interfaces": lambda p: Bad(
        ["--insecure-http", "--host", "0.0.0.0"], ["insecure_http", "127.0.0.1"]
    ),
    "key-inside-data-dir": lambda p: Bad(
        ["--key-file", p.data / "data.key"], ["key_file must live outside data_dir"]
    ),
    "unknown-flag": lambda p: Bad(["--frobnicate"], ["unrecognized arguments: --frobnicate"]),
}


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_exit_2_with_a_clear_message_and_creates_nothing(
    place: Place, case: Callable[[Place], Bad]
) -> None:
    bad = case(place)
    # The location flags come first; a case's own --key-file (later) overrides them.
    port = ["--port", "0"] if bad.port_flag else []
    r = run_cli(
        "run",
        *place.flags(),
        "--host",
        "127.0.0.1",
        *port,
        "--no-mdns",
        *bad.args,
        env=bad.env,
        timeout=10,
    )
    assert r.returncode == EXIT_CONFIG, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    assert r.stderr.startswith(("roost-server: ", "usage: roost-server")), r.stderr
    for needle in bad.needles:
        assert needle in r.stderr, f"{needle!r} not in:\n{r.stderr}"
    assert "Traceback" not in r.stderr
    assert not place.data.exists()
    assert not place.key.parent.exists()


# --- run ------------------------------------------------------------------------------------


def test_run_serves_https_and_exits_0_on_sigterm(place: Place) -> None:
    with server_process("run", *place.run_flags()) as srv:
        banner = wait_for_banner(srv)
        assert (banner.scheme, banner.host) == ("https", "127.0.0.1")
        assert banner.port > 0
        with _client(place, banner) as client:
            r = client.get("/healthz")
        assert r.status_code == 200
        assert r.json() == {"status": "ok"}
        t0 = time.monotonic()
        assert srv.stop(timeout=10) == 0, srv.output()
        assert time.monotonic() - t0 < 5
        lines = [line for line in srv.stderr.snapshot() if line.strip()]
        assert lines[-1].endswith("server: stopped"), srv.output()
        assert any("received SIGTERM" in line for line in lines), srv.output()
        assert not any("Traceback" in line for line in lines), srv.output()


def test_under_journald_every_log_line_carries_a_syslog_priority(place: Place) -> None:
    with server_process("run", *place.run_flags(), env={"JOURNAL_STREAM": "8:123456"}) as srv:
        wait_for_banner(srv)
        assert srv.stop() == 0, srv.output()
        lines = [line for line in srv.stderr.snapshot() if line.strip()]
    assert lines, "no log output"
    for line in lines:
        assert re.match(r"<[0-7]>\S", line), f"no priority prefix: {line!r}"
    assert any(line.startswith("<6>server: Roost ") and "listening on" in line for line in lines)
    assert lines[-1] == "<6>server: stopped"


# --- info -----------------------------------------------------------------------------------


def _field(stdout: str, name: str) -> str:
    m = re.search(rf"^\s*{re.escape(name)}: (.*)$", stdout, re.MULTILINE)
    assert m is not None, f"no {name!r} in:\n{stdout}"
    return m[1]


def test_info_on_an_empty_data_dir_says_not_initialised_and_creates_nothing(
    place: Place,
) -> None:
    r = run_cli("info", *place.flags())
    assert r.returncode == 0, r.stderr
    assert "not initialised" in _field(r.stdout, "state")
    assert not place.data.exists()
    assert not place.key.exists()


def test_info_after_a_run_shows_state_setup_code_and_fingerprint(place: Place) -> None:
    _initialise(place)
    setup_code = (place.data / "setup-code").read_text(encoding="ascii").strip()
    fingerprint = format_fingerprint(fingerprint_blocking(place.cert))
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", fingerprint)

    r = run_cli("info", *place.flags())
    assert r.returncode == 0, r.stderr
    assert _field(r.stdout, "state") == "unclaimed"
    assert _field(r.stdout, "setup code") == setup_code
    assert _field(r.stdout, "fingerprint") == fingerprint

    r = run_cli("info", *place.flags(), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["state"] == "unclaimed"
    assert info["setup_code"] == setup_code
    assert info["fingerprint"] == fingerprint
    assert re.fullmatch(r"[0-9a-f]{24}", info["server_id"])
    assert info["data_dir"] == str(place.data.resolve())


# --- reset-password -------------------------------------------------------------------------


def test_reset_password_without_data_or_user_is_exit_3(place: Place) -> None:
    r = run_cli("reset-password", *place.flags(), "mum")
    assert r.returncode == EXIT_STATE
    assert "no server data" in r.stderr
    assert not place.data.exists()

    _initialise(place)
    r = run_cli("reset-password", *place.flags(), "mum")
    assert r.returncode == EXIT_STATE
    assert r.stderr.strip() == "roost-server: there is no user named 'mum'"
    assert r.stdout == ""


def test_reset_password_on_a_running_server_gives_a_one_time_password(place: Place) -> None:
    with server_process("run", *place.run_flags()) as srv:
        banner = wait_for_banner(srv)
        with _client(place, banner) as client:
            setup_code = (place.data / "setup-code").read_text(encoding="ascii").strip()
            r = client.post(
                "/api/v1/setup/claim",
                json={
                    "setup_code": setup_code,
                    "server_name": "Kitchen Pi",
                    "admin": {"username": "mum", "display_name": "Mum", "password": PASSWORD},
                },
            )
            assert r.status_code == 200, r.text
            old = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}
            assert client.get("/api/v1/me", headers=old).status_code == 200

            reset = run_cli("reset-password", *place.flags(), "mum")
            assert reset.returncode == 0, reset.stderr
            m = re.search(r"^One-time password for mum: (\S+)$", reset.stdout, re.MULTILINE)
            assert m is not None, reset.stdout
            one_time = m[1]
            assert one_time != PASSWORD

            r = client.post("/api/v1/auth/login", json={"username": "mum", "password": one_time})
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "ok"
            assert r.json()["user"]["must_change_password"] is True

            # Every session of hers ended, and the old password is gone.
            me = client.get("/api/v1/me", headers=old)
            assert me.status_code == 401, me.text
            r = client.post("/api/v1/auth/login", json={"username": "mum", "password": PASSWORD})
            assert r.status_code == 401, r.text
        assert srv.stop() == 0, srv.output()


# --- the wrong key --------------------------------------------------------------------------


def test_a_key_from_other_data_is_refused_by_info_and_reset_password(place: Place) -> None:
    _initialise(place)
    other = place.root / "elsewhere" / "data.key"
    load_or_create_blocking(other, may_create=True)
    wrong: list[str | Path] = ["--data-dir", place.data, "--key-file", other]

    r = run_cli("info", *wrong)
    assert r.returncode == EXIT_STATE, (r.stdout, r.stderr)
    assert "does not belong to the data" in r.stderr
    assert r.stdout == ""

    r = run_cli("reset-password", *wrong, "mum")
    assert r.returncode == EXIT_STATE, (r.stdout, r.stderr)
    assert "does not belong to the data" in r.stderr
    assert r.stdout == ""
