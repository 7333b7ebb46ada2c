"""Finding the server wheel to upload."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.paths import AppPaths
from app.provision import bundle
from app.provision.problems import InstallProblem, ProblemKind


def paths(tmp_path: Path) -> AppPaths:
    return AppPaths(config=tmp_path / "config", data=tmp_path / "data")


def test_the_environment_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = tmp_path / "roost-9.9.9-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    monkeypatch.setenv(bundle.WHEEL_ENV, str(wheel))
    logged: list[str] = []
    assert bundle.find_wheel_blocking(paths(tmp_path), logged.append) == wheel
    assert logged and str(wheel) in logged[0]
    found = bundle.find_bundle_blocking(paths(tmp_path), logged.append)
    assert found.install_script.name == "install.sh"
    assert found.unit.name == "roost-server.service"


@pytest.mark.parametrize("name", ["missing.whl", "roost.tar.gz"])
def test_a_wrong_environment_variable_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    if name.endswith(".gz"):
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv(bundle.WHEEL_ENV, str(tmp_path / name))
    with pytest.raises(InstallProblem) as info:
        bundle.find_wheel_blocking(paths(tmp_path), lambda _: None)
    assert info.value.kind is ProblemKind.NO_BUNDLE
    assert bundle.WHEEL_ENV in info.value.details


def test_nothing_to_be_had(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(bundle.WHEEL_ENV, raising=False)
    monkeypatch.setattr(bundle, "SHIPPED_WHEELS", tmp_path / "no-wheels")
    monkeypatch.setattr(bundle, "ROOT", tmp_path / "not-a-checkout")
    with pytest.raises(InstallProblem) as info:
        bundle.find_wheel_blocking(paths(tmp_path), lambda _: None)
    assert info.value.kind is ProblemKind.NO_BUNDLE


def test_a_shipped_wheel_comes_before_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(bundle.WHEEL_ENV, raising=False)
    shipped = tmp_path / "wheels"
    shipped.mkdir()
    (shipped / "roost-0.2.0-py3-none-any.whl").write_bytes(b"PK")
    monkeypatch.setattr(bundle, "SHIPPED_WHEELS", shipped)
    found = bundle.find_wheel_blocking(paths(tmp_path), lambda _: None)
    assert found.name == "roost-0.2.0-py3-none-any.whl"
    assert bundle.wheel_version(found) == "0.2.0"


def _small_tree(root: Path) -> Path:
    (root).mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "README.md").write_text("x\n")
    for d in ("server", "app", "ui", "bench"):
        (root / d).mkdir()
        (root / d / "__init__.py").write_text("")
    return root


def test_the_source_hash_follows_every_source_file(tmp_path: Path) -> None:
    root = _small_tree(tmp_path / "src")
    assert bundle.is_source_tree(root)
    first = bundle.source_hash_blocking(root)
    (root / "server" / "__pycache__").mkdir()
    (root / "server" / "__pycache__" / "x.pyc").write_bytes(b"junk")
    assert bundle.source_hash_blocking(root) == first  # caches do not count
    (root / "app" / "__init__.py").write_text("# changed\n")
    assert bundle.source_hash_blocking(root) != first
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    assert bundle.source_hash_blocking(copy) == bundle.source_hash_blocking(root)


def test_a_build_that_fails_says_so(tmp_path: Path) -> None:
    root = _small_tree(tmp_path / "src")
    (root / "pyproject.toml").write_text("this is not toml [")
    with pytest.raises(InstallProblem) as info:
        bundle.build_wheel_blocking(root, tmp_path / "cache", lambda _: None)
    assert info.value.kind is ProblemKind.NO_BUNDLE
    assert "pip wheel failed" in info.value.details
