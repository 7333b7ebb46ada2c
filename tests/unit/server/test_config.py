"""Settings: layering of file, environment and flags, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import ConfigError, load_settings


def _base(tmp_path: Path) -> dict[str, object]:
    return {"data_dir": tmp_path / "data", "key_file": tmp_path / "key"}


def test_flags_beat_environment_beat_file(tmp_path: Path) -> None:
    cfg = tmp_path / "roost.toml"
    cfg.write_text('port = 1000\nhost = "127.0.0.1"\nlog_level = "debug"\n')
    env = {"ROOST_PORT": "2000", "ROOST_HOST": "127.0.0.2"}
    s = load_settings(config_file=cfg, environ=env, cli={**_base(tmp_path), "port": 3000})
    assert (s.port, s.host, s.log_level) == (3000, "127.0.0.2", "debug")


def test_list_settings_from_environment(tmp_path: Path) -> None:
    env = {"ROOST_LOGIN_ALLOWLIST": "192.168.1.0/24, 10.0.0.0/8", "ROOST_MDNS": "false"}
    s = load_settings(environ=env, cli=_base(tmp_path))
    assert s.login_allowlist == ["192.168.1.0/24", "10.0.0.0/8"]
    assert s.mdns is False


@pytest.mark.parametrize(
    ("env", "cli", "expected"),
    [
        (
            {"ROOST_PORT": "abc"},
            {},
            "(from environment ROOST_PORT)",
        ),
        (
            {},
            {"port": 70000},
            "port: Input should be less than or equal to 65535 (from command line)",
        ),
        ({}, {"host": "localhost"}, "host: use an IP address"),
        ({}, {"host": "999.1.1.1"}, "host:"),
        ({"ROOST_LOGIN_ALLOWLIST": "10.0.0.0/33"}, {}, "login_allowlist:"),
        (
            {},
            {"insecure_http": True, "host": "0.0.0.0"},
            "only for a reverse proxy on the same host",
        ),
        ({}, {"tls_cert": Path("/nonexistent.pem")}, "tls_cert and tls_key go together"),
        ({"ROOST_LOG_LEVEL": "loud"}, {}, "log_level:"),
        ({"ROOST_ARGON2_MEMORY_KIB": "8"}, {}, "at least 8 x argon2_parallelism (32 KiB)"),
    ],
)
def test_bad_values_name_the_setting_and_its_source(
    tmp_path: Path, env: dict[str, str], cli: dict[str, object], expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env, cli={**_base(tmp_path), **cli})
    assert expected in str(info.value)


def test_key_file_inside_the_data_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="key_file must live outside data_dir"):
        load_settings(
            environ={}, cli={"data_dir": tmp_path / "d", "key_file": tmp_path / "d" / "k"}
        )


def test_unknown_and_broken_config_files(tmp_path: Path) -> None:
    unknown = tmp_path / "a.toml"
    unknown.write_text("prot = 1\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(config_file=unknown, environ={})
    broken = tmp_path / "b.toml"
    broken.write_text("port = = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config_file=broken, environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "missing.toml", environ={})


def test_config_file_from_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("port = 9999\n")
    s = load_settings(environ={"ROOST_CONFIG": str(cfg)}, cli=_base(tmp_path))
    assert s.port == 9999
