"""The "Install Roost on this Pi" flow over real SSH against a sandbox Pi (helpers/ssh_pi.py)."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from pathlib import Path

import asyncssh
import httpx
import pytest

from app.paths import AppPaths
from app.provision.bundle import PACKAGING, Bundle
from app.provision.hostkeys import HostKeyChanged, HostKeyUnknown, fingerprint
from app.provision.installer import Credentials, Installer, InstallResult, Target
from app.provision.problems import InstallProblem, ProblemKind
from app.provision.steps import InstallEvent, LogLine, Step, StepFailed, StepFinished, StepStarted
from tests.helpers.ssh_pi import (
    DEBIAN_11,
    PASSWORD,
    RASPBERRY_PI_OS_12,
    USERNAME,
    SandboxPi,
    free_port,
    patched_wheel_blocking,
)

pytestmark = pytest.mark.slow  # CI runs these on its first Python only (.ci/run)

PI_PASSWORD = Credentials(USERNAME, password=PASSWORD)
OWNER_PASSWORD = "correct horse battery"


def make_installer(
    pi: SandboxPi, tmp_path: Path, wheel: Path, *, pin: bool = True
) -> tuple[Installer, list[InstallEvent]]:
    paths = AppPaths(config=tmp_path / "app" / "config", data=tmp_path / "app" / "data")
    bundle = Bundle(wheel, PACKAGING / "install.sh", PACKAGING / "roost-server.service")
    installer = Installer(paths, index_url=pi.index_url, bundle=bundle)
    if pin:
        installer.known_hosts.trust_blocking("127.0.0.1", pi.ssh_port, pi.host_key)
    events: list[InstallEvent] = []
    installer.subscribe(events.append)
    return installer, events


def target(pi: SandboxPi) -> Target:
    return Target("127.0.0.1", pi.ssh_port)


def steps(events: list[InstallEvent], kind: type[StepStarted | StepFinished]) -> list[Step]:
    return [e.step for e in events if isinstance(e, kind)]


def log_text(events: list[InstallEvent]) -> str:
    return "\n".join(e.text for e in events if isinstance(e, LogLine))


def presented_fingerprint(port: int) -> tuple[str, str]:
    """The SHA-256 of the certificate the server presents, and the certificate (PEM)."""
    pem = ssl.get_server_certificate(("127.0.0.1", port), timeout=10)
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest(), pem


def pinned_client(result: InstallResult) -> httpx.AsyncClient:
    """An HTTPS client that trusts exactly the certificate whose fingerprint the installer read
    (as the desktop app pins it), after checking the server presents that one."""
    presented, pem = presented_fingerprint(result.port)
    assert presented == result.fingerprint
    ctx = ssl.create_default_context(cadata=pem)
    ctx.check_hostname = False  # the pin is the certificate itself
    return httpx.AsyncClient(base_url=f"https://127.0.0.1:{result.port}", verify=ctx, timeout=20)


async def expect_problem(
    installer: Installer, pi: SandboxPi, credentials: Credentials = PI_PASSWORD
) -> InstallProblem:
    with pytest.raises(InstallProblem) as info:
        await installer.run(target(pi), credentials)
    problem = info.value
    assert problem.what_happened and problem.what_to_do
    return problem


# -- the whole flow ----------------------------------------------------------------------------


async def claim(result: InstallResult) -> None:
    assert result.setup_code
    async with pinned_client(result) as client:
        r = await client.post(
            "/api/v1/setup/claim",
            json={
                "setup_code": result.setup_code,
                "server_name": "Family",
                "admin": {"username": "mum", "display_name": "Mum", "password": OWNER_PASSWORD},
                "device_name": "laptop",
            },
        )
        assert r.status_code == 200, r.text


async def test_first_install(pi: SandboxPi, tmp_path: Path, server_wheel: Path) -> None:
    pi.enable_firewall()
    installer, events = make_installer(pi, tmp_path, server_wheel, pin=False)
    asked: list[str] = []

    async def confirm(unknown: HostKeyUnknown) -> bool:
        asked.append(unknown.fingerprint)
        return True

    result = await installer.run(target(pi), PI_PASSWORD, confirm_host_key=confirm)

    # Trust on first use: asked once, with the key's fingerprint as ssh shows it, then pinned.
    assert asked == [fingerprint(pi.host_key)]
    assert asked[0].startswith("SHA256:")
    pinned = installer.known_hosts.pinned_blocking("127.0.0.1", pi.ssh_port)
    assert [k.public_data for k in pinned] == [pi.host_key.public_data]

    every_step = [Step.CONNECT, Step.CHECK, Step.UPLOAD, Step.INSTALL, Step.START, Step.READ]
    assert steps(events, StepStarted) == every_step
    assert steps(events, StepFinished) == every_step
    assert not [e for e in events if isinstance(e, StepFailed)]
    assert "Installing Roost for the first time." in log_text(events)

    assert result.upgraded is False and result.previous_version is None
    assert result.port == pi.roost_port
    assert result.address == f"https://127.0.0.1:{pi.roost_port}"
    assert result.fingerprint_display.replace(":", "").lower() == result.fingerprint
    assert pi.server_pid() is not None, pi.server_log()
    assert any(c.startswith("enable --now") for c in pi.systemctl_calls())
    assert f"allow {pi.roost_port}/tcp comment Roost" in pi.firewall_rules()
    assert not list(pi.home.glob(".roost-install.*")), "the upload directory is left behind"
    # The setup code and fingerprint read over SSH are the server's: claim it, pinned to them.
    await claim(result)


async def test_running_again_upgrades_and_keeps_the_data(
    pi: SandboxPi, tmp_path: Path, server_wheel: Path
) -> None:
    installer, _ = make_installer(pi, tmp_path, server_wheel)
    first = await installer.run(target(pi), PI_PASSWORD)
    await claim(first)
    first_pid = pi.server_pid()

    # Again, with a wheel of the same version that differs: it must replace the installed one.
    marker = "_upgrade_marker"
    newer = patched_wheel_blocking(server_wheel, tmp_path / "newer", marker)
    installer2, events2 = make_installer(pi, tmp_path, newer, pin=False)  # pinned already
    again = await installer2.run(target(pi), PI_PASSWORD)

    assert again.upgraded is True
    assert again.previous_version == first.version == again.version
    assert again.setup_code is None  # claimed: nothing to claim with any more
    assert again.fingerprint == first.fingerprint
    assert list(pi.venv.glob(f"lib/python3*/site-packages/server/{marker}"))
    assert "restart roost-server.service" in pi.systemctl_calls()
    assert pi.firewall_rules() == []  # ufw is off here: nothing to open
    second_pid = pi.server_pid()
    assert second_pid is not None and second_pid != first_pid
    assert f"Roost {first.version} is installed; upgrading it." in log_text(events2)
    async with pinned_client(again) as client:
        r = await client.post(
            "/api/v1/auth/login", json={"username": "mum", "password": OWNER_PASSWORD}
        )
        assert r.status_code == 200, r.text  # the data survived the upgrade


# -- failures: each says what happened and changes nothing -----------------------------------


async def test_nothing_listening_for_ssh(tmp_path: Path) -> None:
    installer = Installer(AppPaths(config=tmp_path / "config", data=tmp_path / "data"))
    with pytest.raises(InstallProblem) as info:
        await installer.run(Target("127.0.0.1", free_port()), PI_PASSWORD)
    assert info.value.kind is ProblemKind.SSH_REFUSED
    assert "SSH" in info.value.what_to_do


async def test_keys_that_do_not_work(pi: SandboxPi, tmp_path: Path, server_wheel: Path) -> None:
    installer, _ = make_installer(pi, tmp_path, server_wheel)
    stranger = tmp_path / "stranger_ed25519"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(stranger))
    problem = await expect_problem(installer, pi, Credentials(USERNAME, key_file=stranger))
    assert problem.kind is ProblemKind.KEY_REJECTED

    locked = tmp_path / "locked_ed25519"
    # PKCS#8: OpenSSH's own encrypted format needs bcrypt, which is not installed here.
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(
        str(locked), format_name="pkcs8-pem", passphrase="secret"
    )
    wrong_phrase = Credentials(USERNAME, key_file=locked, passphrase="guess")
    assert (await expect_problem(installer, pi, wrong_phrase)).kind is ProblemKind.KEY_UNUSABLE
    missing = Credentials(USERNAME, key_file=tmp_path / "nope")
    assert (await expect_problem(installer, pi, missing)).kind is ProblemKind.KEY_UNUSABLE


async def test_wrong_password(pi: SandboxPi, tmp_path: Path, server_wheel: Path) -> None:
    installer, events = make_installer(pi, tmp_path, server_wheel)
    before = pi.tree()
    problem = await expect_problem(installer, pi, Credentials(USERNAME, password="Raspberry"))
    assert problem.kind is ProblemKind.WRONG_PASSWORD
    assert [e.step for e in events if isinstance(e, StepFailed)] == [Step.CONNECT]
    assert pi.tree() == before


async def test_no_sudo(pi: SandboxPi, tmp_path: Path, server_wheel: Path) -> None:
    pi.set_sudo("refuse")
    installer, events = make_installer(pi, tmp_path, server_wheel)
    before = pi.tree()
    problem = await expect_problem(installer, pi)
    assert problem.kind is ProblemKind.NO_SUDO
    assert "not in the sudoers file" in problem.details
    assert [e.step for e in events if isinstance(e, StepFailed)] == [Step.CHECK]
    assert pi.tree() == before
    assert pi.systemctl_calls() == []


async def test_sudo_with_password_is_fine_but_a_key_alone_is_not_enough(
    pi: SandboxPi, tmp_path: Path, server_wheel: Path
) -> None:
    pi.set_sudo("password")
    pi.set_os_release(DEBIAN_11)  # the OS is checked before sudo: a quick stop
    installer, _ = make_installer(pi, tmp_path, server_wheel)
    key_only = Credentials(USERNAME, key_file=pi.client_key_file)
    problem = await expect_problem(installer, pi, key_only)
    assert problem.kind is ProblemKind.UNSUPPORTED_OS  # the key signs in; checks run

    pi.set_os_release(RASPBERRY_PI_OS_12)
    pi.cut_internet()  # so a passing sudo check ends at the next check, not in an install
    problem = await expect_problem(installer, pi, key_only)
    assert problem.kind is ProblemKind.SUDO_PASSWORD_NEEDED
    wrong = Credentials(USERNAME, key_file=pi.client_key_file, sudo_password="nope")
    problem = await expect_problem(installer, pi, wrong)
    assert problem.kind is ProblemKind.SUDO_PASSWORD_WRONG
    right = Credentials(USERNAME, key_file=pi.client_key_file, sudo_password=PASSWORD)
    problem = await expect_problem(installer, pi, right)
    assert problem.kind is ProblemKind.NO_INTERNET


async def test_unsupported_os(pi: SandboxPi, tmp_path: Path, server_wheel: Path) -> None:
    pi.set_os_release(DEBIAN_11)
    installer, events = make_installer(pi, tmp_path, server_wheel)
    before = pi.tree()
    problem = await expect_problem(installer, pi)
    assert problem.kind is ProblemKind.UNSUPPORTED_OS
    assert "Raspbian GNU/Linux 11 (bullseye)" in problem.what_happened
    assert [e.step for e in events if isinstance(e, StepFailed)] == [Step.CHECK]
    assert pi.tree() == before


async def test_no_internet(pi: SandboxPi, tmp_path: Path, server_wheel: Path) -> None:
    pi.cut_internet()
    installer, _ = make_installer(pi, tmp_path, server_wheel)
    before = pi.tree()
    problem = await expect_problem(installer, pi)
    assert problem.kind is ProblemKind.NO_INTERNET
    assert "Connection refused" in problem.details
    assert pi.tree() == before


async def test_full_disk(pi: SandboxPi, tmp_path: Path, server_wheel: Path) -> None:
    pi.set_disk_free_kb(120_000)
    installer, _ = make_installer(pi, tmp_path, server_wheel)
    before = pi.tree()
    problem = await expect_problem(installer, pi)
    assert problem.kind is ProblemKind.DISK_FULL
    assert "122 MB free" in problem.what_happened
    assert pi.tree() == before


async def test_new_pi_is_not_trusted_without_confirmation(
    pi: SandboxPi, tmp_path: Path, server_wheel: Path
) -> None:
    pi.set_os_release(DEBIAN_11)
    installer, events = make_installer(pi, tmp_path, server_wheel, pin=False)
    with pytest.raises(HostKeyUnknown) as info:
        await installer.run(target(pi), PI_PASSWORD)
    assert info.value.fingerprint == fingerprint(pi.host_key)
    assert installer.known_hosts.pinned_blocking("127.0.0.1", pi.ssh_port) == []

    async def refuse(_: HostKeyUnknown) -> bool:
        return False

    with pytest.raises(HostKeyUnknown):
        await installer.run(target(pi), PI_PASSWORD, confirm_host_key=refuse)
    assert installer.known_hosts.pinned_blocking("127.0.0.1", pi.ssh_port) == []

    # The UI's "yes, this is my Pi": pin, run again, and it gets past the connection.
    installer.known_hosts.trust_blocking(info.value.host, info.value.port, info.value.key)
    problem = await expect_problem(installer, pi)
    assert problem.kind is ProblemKind.UNSUPPORTED_OS


async def test_host_key_changed(pi: SandboxPi, tmp_path: Path, server_wheel: Path) -> None:
    installer, events = make_installer(pi, tmp_path, server_wheel)
    old = fingerprint(pi.host_key)
    new_key = await pi.replace_host_key()
    before = pi.tree()
    with pytest.raises(HostKeyChanged) as info:
        await installer.run(target(pi), PI_PASSWORD)
    assert info.value.kind is ProblemKind.HOST_KEY_CHANGED
    assert info.value.fingerprint == fingerprint(new_key)
    assert info.value.pinned == [old]
    assert [e.step for e in events if isinstance(e, StepFailed)] == [Step.CONNECT]
    assert pi.tree() == before
    # The pin stays until the owner says the Pi was rewritten.
    pinned = installer.known_hosts.pinned_blocking("127.0.0.1", pi.ssh_port)
    assert [fingerprint(k) for k in pinned] == [old]


async def test_a_server_that_does_not_start(
    pi: SandboxPi, tmp_path: Path, server_wheel: Path
) -> None:
    """The install script fails at the start; the problem carries the tail of its log, with
    what the server said."""
    env_file = pi.prefix / "etc/roost/roost.env"
    env_file.write_text(env_file.read_text() + "ROOST_LOG_LEVEL=loud\n")
    installer, events = make_installer(pi, tmp_path, server_wheel)
    problem = await expect_problem(installer, pi)
    assert problem.kind is ProblemKind.NOT_STARTED
    assert "log_level" in problem.details  # the server's own complaint, from its journal
    assert "ROOST-FAILED not-started" in problem.details
    assert [e.step for e in events if isinstance(e, StepFailed)] == [Step.START]
    assert pi.server_pid() is None
    assert not list(pi.home.glob(".roost-install.*"))


async def test_cancel_while_checking_leaves_nothing(
    pi: SandboxPi, tmp_path: Path, server_wheel: Path
) -> None:
    installer, events = make_installer(pi, tmp_path, server_wheel)
    before = pi.tree()
    check_started = asyncio.Event()

    def on_event(event: InstallEvent) -> None:
        if isinstance(event, StepStarted) and event.step is Step.CHECK:
            check_started.set()

    installer.subscribe(on_event)
    task = asyncio.create_task(installer.run(target(pi), PI_PASSWORD))
    await asyncio.wait_for(check_started.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pi.tree() == before
    assert pi.server_pid() is None


async def test_cancel_during_install_then_run_again(
    pi: SandboxPi, tmp_path: Path, server_wheel: Path
) -> None:
    """Cancelled mid-install, the Pi finishes on its own; running again waits for it (the
    script's lock) and ends with one server, upgraded in place."""
    installer, events = make_installer(pi, tmp_path, server_wheel)
    install_started = asyncio.Event()

    def on_event(event: InstallEvent) -> None:
        if isinstance(event, LogLine) and event.text.startswith("Creating the virtual environment"):
            install_started.set()

    installer.subscribe(on_event)
    task = asyncio.create_task(installer.run(target(pi), PI_PASSWORD))
    await asyncio.wait_for(install_started.wait(), 60)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "The Pi goes on with the installation on its own" in log_text(events)

    result = await installer.run(target(pi), PI_PASSWORD)
    assert result.upgraded is True
    assert result.setup_code  # still unclaimed
    assert pi.server_pid() is not None
    presented, _ = presented_fingerprint(result.port)
    assert presented == result.fingerprint
