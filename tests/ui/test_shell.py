"""The main window: pages, language and theme switching, the home list's rendering."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.home import PiSeen, ServerSeen
from app.paths import AppPaths
from app.preferences import PreferencesFile
from app.servers import KnownServer
from tests.ui.conftest import started_shell
from ui.pages.home import HomePage
from ui.pages.settings import SettingsPage


async def test_home_lists_servers_pis_and_known(qtbot: QtBot, app_paths: AppPaths) -> None:
    shell = started_shell(qtbot, app_paths)
    shell.home.server_seen(ServerSeen("s1", "Chen family", False, "192.168.1.20", 8443, "ab" * 32))
    shell.home.pi_seen(PiSeen("raspberrypi", "192.168.1.30"))
    shell.home.pi_seen(PiSeen("chen-pi", "192.168.1.20"))  # runs Roost: shown once, as server
    shell.home.set_known([KnownServer("s9", "Grandma", ("10.0.0.4:8443",))])
    page = shell.window.page("home")
    assert isinstance(page, HomePage)
    assert [r.entry.title for r in page.rows] == ["Chen family", "raspberrypi", "Grandma"]
    assert [r.button.text() for r in page.rows] == ["Set up", "Install Roost", "Sign in"]
    shell.home.server_gone("s1")
    assert [r.entry.title for r in page.rows] == ["chen-pi", "raspberrypi", "Grandma"]


async def test_button_forwards_the_entry(qtbot: QtBot, app_paths: AppPaths) -> None:
    shell = started_shell(qtbot, app_paths)
    shell.home.server_seen(ServerSeen("s1", "Chen family", True, "192.168.1.20", 8443, None))
    page = shell.window.page("home")
    assert isinstance(page, HomePage)
    with qtbot.wait_signal(page.entry_activated) as blocker:
        page.rows[0].button.click()
    assert blocker.args is not None and blocker.args[0].server_id == "s1"


async def test_switching_language_redraws_and_is_saved(qtbot: QtBot, app_paths: AppPaths) -> None:
    shell = started_shell(qtbot, app_paths)
    settings = shell.window.page("settings")
    assert isinstance(settings, SettingsPage)
    settings.language.setCurrentIndex(settings.language.findData("zh_CN"))
    assert PreferencesFile(app_paths.config).load().language == "zh_CN"
    home = shell.window.page("home")
    assert isinstance(home, HomePage)
    assert home.trial_button.text() == "在这台电脑上试用 Roost"
    assert shell.window.nav.item(0).text() == "首页"


async def test_switching_theme_applies_dark(qtbot: QtBot, app_paths: AppPaths) -> None:
    shell = started_shell(qtbot, app_paths)
    settings = shell.window.page("settings")
    assert isinstance(settings, SettingsPage)
    settings.theme.setCurrentIndex(settings.theme.findData("dark"))
    window_colour = shell.window.palette().color(shell.window.backgroundRole())
    assert window_colour.lightness() < 80
    assert PreferencesFile(app_paths.config).load().theme == "dark"
