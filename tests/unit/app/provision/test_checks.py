"""The checks before an install: reading the Pi's report and judging it."""

from __future__ import annotations

import pytest

from app.provision.checks import (
    MIN_DISK_BYTES,
    PiFacts,
    PythonFound,
    check_internet,
    check_system,
    format_size,
    parse_facts,
)
from app.provision.problems import InstallProblem, ProblemKind

PI_REPORT = """\
arch=aarch64
os_id=debian
os_version=12
os_name=Debian GNU/Linux 12 (bookworm)
python=/usr/bin/python3 3.11.2 yes
apt=yes
disk_free_kb=25000000
mem_total_kb=3884000
installed=0.1.0
sudo_nopasswd=yes
internet=ok
something the script may print one day
"""


def pi_facts(**changes: object) -> PiFacts:
    facts = parse_facts(PI_REPORT)
    for key, value in changes.items():
        setattr(facts, key, value)
    return facts


def kind_of(facts: PiFacts) -> ProblemKind:
    with pytest.raises(InstallProblem) as info:
        check_system(facts)
    assert info.value.what_happened and info.value.what_to_do
    return info.value.kind


def test_parse_a_raspberry_pi_report() -> None:
    facts = parse_facts(PI_REPORT)
    assert facts.arch == "aarch64"
    assert (facts.os_id, facts.os_version) == ("debian", "12")
    assert facts.pythons == [PythonFound("/usr/bin/python3", (3, 11, 2), True)]
    assert facts.has_apt and facts.sudo_nopasswd
    assert facts.disk_free_bytes == 25_000_000 * 1024
    assert facts.mem_total_bytes == 3_884_000 * 1024
    assert facts.installed_version == "0.1.0"
    assert facts.internet == "ok"


def test_garbled_values_stay_unknown() -> None:
    facts = parse_facts("python=/usr/bin/python3 three yes\ndisk_free_kb=lots\nno equals sign\n")
    assert facts.pythons == [] and facts.disk_free_bytes is None


def test_a_raspberry_pi_passes_and_names_its_python() -> None:
    assert check_system(pi_facts()).path == "/usr/bin/python3"


@pytest.mark.parametrize(
    ("os_id", "version"),
    [
        ("debian", "12"),
        ("raspbian", "12"),
        ("debian", "13"),
        ("ubuntu", "22.04"),
        ("ubuntu", "24.04"),
    ],
)
def test_supported_systems(os_id: str, version: str) -> None:
    check_system(pi_facts(os_id=os_id, os_version=version))


@pytest.mark.parametrize(
    ("os_id", "version"),
    [("debian", "11"), ("raspbian", "10"), ("ubuntu", "20.04"), ("fedora", "40"), ("debian", "")],
)
def test_unsupported_systems(os_id: str, version: str) -> None:
    assert kind_of(pi_facts(os_id=os_id, os_version=version)) is ProblemKind.UNSUPPORTED_OS


def test_the_problem_names_the_system() -> None:
    with pytest.raises(InstallProblem) as info:
        check_system(pi_facts(os_version="11", os_name="Raspbian GNU/Linux 11 (bullseye)"))
    assert "Raspbian GNU/Linux 11 (bullseye)" in info.value.what_happened


@pytest.mark.parametrize("arch", ["armv6l", "i686", ""])
def test_unsupported_processors(arch: str) -> None:
    assert kind_of(pi_facts(arch=arch)) is ProblemKind.UNSUPPORTED_ARCH


def test_ubuntu_22_04_uses_python3_11_next_to_the_older_python3() -> None:
    facts = pi_facts(
        os_id="ubuntu",
        os_version="22.04",
        pythons=[
            PythonFound("/usr/bin/python3", (3, 10, 12), True),
            PythonFound("/usr/bin/python3.11", (3, 11, 0), False),
        ],
    )
    assert check_system(facts).path == "/usr/bin/python3.11"  # venv support comes by apt


def test_an_interpreter_with_venv_is_preferred() -> None:
    facts = pi_facts(
        pythons=[
            PythonFound("/usr/bin/python3", (3, 12, 1), False),
            PythonFound("/usr/bin/python3.11", (3, 11, 2), True),
        ]
    )
    assert check_system(facts).path == "/usr/bin/python3.11"


@pytest.mark.parametrize("version", [(3, 9, 2), (3, 10, 12), (3, 14, 0)])
def test_python_outside_the_supported_range(version: tuple[int, int, int]) -> None:
    facts = pi_facts(pythons=[PythonFound("/usr/bin/python3", version, True)])
    with pytest.raises(InstallProblem) as info:
        check_system(facts)
    assert info.value.kind is ProblemKind.PYTHON_UNSUPPORTED
    assert ".".join(map(str, version)) in info.value.what_happened


def test_no_python_at_all() -> None:
    assert kind_of(pi_facts(pythons=[])) is ProblemKind.PYTHON_UNSUPPORTED


def test_missing_venv_is_fine_where_apt_can_add_it() -> None:
    no_venv = [PythonFound("/usr/bin/python3", (3, 11, 2), False)]
    check_system(pi_facts(pythons=no_venv, has_apt=True))
    assert kind_of(pi_facts(pythons=no_venv, has_apt=False)) is ProblemKind.NO_VENV


def test_disk_and_memory_minimums() -> None:
    check_system(pi_facts(disk_free_bytes=MIN_DISK_BYTES))
    assert kind_of(pi_facts(disk_free_bytes=MIN_DISK_BYTES - 1)) is ProblemKind.DISK_FULL
    assert kind_of(pi_facts(mem_total_bytes=256 * 1024**2)) is ProblemKind.LOW_MEMORY
    check_system(pi_facts(disk_free_bytes=None, mem_total_bytes=None))  # unknown: not a reason


def test_the_first_failing_check_is_reported() -> None:
    facts = pi_facts(os_version="11", arch="armv6l", disk_free_bytes=0)
    assert kind_of(facts) is ProblemKind.UNSUPPORTED_OS


def test_internet() -> None:
    check_internet(pi_facts())
    with pytest.raises(InstallProblem) as info:
        check_internet(pi_facts(internet="fail URLError: <urlopen error [Errno -3] DNS>"))
    assert info.value.kind is ProblemKind.NO_INTERNET
    assert "Errno -3" in info.value.details
    with pytest.raises(InstallProblem):
        check_internet(pi_facts(internet=""))  # the script could not even try


def test_format_size() -> None:
    assert format_size(500 * 1024**2) == "524 MB"
    assert format_size(31_900_000_000) == "31.9 GB"
    assert format_size(-5) == "0 MB"


def test_every_step_has_a_title() -> None:
    from app.provision.steps import Step, step_title

    titles = [step_title(step) for step in Step]
    assert all(titles) and len(set(titles)) == len(titles)
