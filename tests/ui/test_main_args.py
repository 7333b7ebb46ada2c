"""The app's command line: bad flags get a clear error before anything starts."""

from __future__ import annotations

import pytest

from ui.main import parse_args


def test_good_arguments() -> None:
    args = parse_args(
        ["--language", "zh_CN", "--discovery-interface", "127.0.0.1", "roost://join?x"]
    )
    assert args.language == "zh_CN" and args.discovery_interface == ["127.0.0.1"]
    assert args.link == "roost://join?x"


@pytest.mark.parametrize(
    "argv",
    [
        ["--language", "fr"],
        ["--theme", "pink"],
        ["--discovery-interface", "eth0"],
        ["https://example.com"],
    ],
)
def test_bad_arguments_exit_with_a_message(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert "roost: error:" in capsys.readouterr().err
