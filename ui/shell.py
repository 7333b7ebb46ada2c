"""The composition root: builds app/ objects and widgets, and wires them together in one place."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.home import HomeChanged, HomeList
from app.i18n import Translations, resolve_language
from app.paths import AppPaths
from app.preferences import Preferences, PreferencesFile
from app.trial import TrialServer
from server import __version__
from ui import tasks
from ui.main_window import MainWindow
from ui.pages.home import HomePage
from ui.pages.settings import SettingsPage
from ui.theme import apply_theme

log = logging.getLogger(__name__)


class Shell:
    """Owns the window and the app/ objects behind it for the life of the app.

    Attributes:
        window: the main window.
        home: the home list's logic (fed by discovery and the known servers).
    """

    def __init__(
        self, paths: AppPaths, *, language: str | None = None, theme: str | None = None
    ) -> None:
        self.paths = paths
        self.prefs_file = PreferencesFile(paths.config)
        prefs = self.prefs_file.load()
        # Flags override for this run only; the saved choice stays.
        if language:
            prefs = prefs.with_language(language)
        if theme:
            prefs = prefs.with_theme(theme)
        self.prefs: Preferences = prefs
        self.translations = Translations()
        self.home = HomeList()
        self.trial = TrialServer(paths)
        self.window = MainWindow()
        self._unsubscribe = [self.home.changed.subscribe(self._on_home_changed)]
        self.home_page: HomePage | None = None
        self._apply_preferences()

    # -- building ----------------------------------------------------------------------------

    def _apply_preferences(self) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.translations.install(resolve_language(self.prefs.language))
        apply_theme(app, self.prefs.theme)
        self._build_pages()

    def _build_pages(self) -> None:
        current = self.window.nav.currentRow()
        self.window.clear_pages()
        self.home_page = HomePage()
        self.window.add_page(
            "home", QCoreApplication.translate("Shell", "Home"), "home", self.home_page
        )
        settings = SettingsPage(
            self.prefs,
            secrets_status="",
            data_dir=str(self.paths.data),
            version=__version__,
        )
        self.window.add_page(
            "settings", QCoreApplication.translate("Shell", "Settings"), "settings", settings
        )
        self._connect_signals(self.home_page, settings)
        self.home_page.show_entries(self.home.current())
        if current > 0:
            self.window.nav.setCurrentRow(current)

    def _connect_signals(self, home: HomePage, settings: SettingsPage) -> None:
        settings.language_chosen.connect(self.on_language_chosen)
        settings.theme_chosen.connect(self.on_theme_chosen)
        home.trial_requested.connect(self.on_trial_requested)

    # -- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Shows the window."""
        self.window.show()

    async def stop(self) -> None:
        """Stops what the app started (the trial server, discovery), at exit."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        await tasks.cancel_all()
        await self.trial.stop()

    # -- slots -------------------------------------------------------------------------------

    def _on_home_changed(self, change: HomeChanged) -> None:
        if self.home_page is not None:
            self.home_page.show_entries(change)

    def on_language_chosen(self, language: str) -> None:
        """Saves the language and redraws every page in it."""
        self.prefs = self.prefs.with_language(language)
        self.prefs_file.save(self.prefs)
        self._apply_preferences()

    def on_theme_chosen(self, theme: str) -> None:
        """Saves the theme and applies it at once."""
        self.prefs = self.prefs.with_theme(theme)
        self.prefs_file.save(self.prefs)
        self._apply_preferences()

    def on_trial_requested(self) -> None:
        """Starts the local trial server, then offers to set it up."""
        tasks.spawn(
            self.trial.start(),
            name="trial-start",
            on_done=lambda info: log.info("trial server on port %s", info.port),
            on_error=self.show_error,
        )

    def show_error(self, exc: BaseException, parent: QWidget | None = None) -> None:
        """The one place unexpected failures reach the user."""
        log.warning("error shown to the user: %s", exc, exc_info=exc)
        QMessageBox.warning(
            parent or self.window,
            QCoreApplication.translate("Shell", "Something went wrong"),
            str(exc),
        )
