"""Which language the app speaks, and loading its translations into Qt.

Strings are marked with ``QCoreApplication.translate(context, text)`` (app/) or ``self.tr``
(ui/); ``scripts/translations.sh`` extracts them into ``resources/translations/*.ts`` and
compiles the ``.qm`` files loaded here.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.preferences import Language

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "translations"

# The languages the app ships, by the name shown in their own language (never translated).
SHIPPED: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}


def resolve_language(choice: Language, system: QLocale | None = None) -> str:
    """The shipped language to use.

    Args:
        choice: the user's preference; "system" follows the operating system.
        system: the system locale (defaults to Qt's idea of it).

    Returns:
        "zh_CN" for any Chinese locale (Simplified is the only Chinese we ship; a reader of
        Traditional Chinese reads it far better than English), otherwise "en".
    """
    if choice != "system":
        return choice
    locale = system or QLocale.system()
    if locale.language() == QLocale.Language.Chinese:
        return "zh_CN"
    return "en"


# The translators in the application. One language is active app-wide, so this is module
# state: a second `Translations` replaces what the first installed.
_installed: list[QTranslator] = []


def uninstall_all() -> None:
    """Removes every translator this module installed (the app speaks English again)."""
    for old in _installed:
        QCoreApplication.removeTranslator(old)
    _installed.clear()


class Translations:
    """Installs the translators for one language, replacing any installed before."""

    def __init__(self) -> None:
        self.language = "en"

    def install(self, language: str) -> bool:
        """Installs Roost's and Qt's own translations for ``language``.

        Returns:
            False when Roost's translation file for that language is missing (English shows).
        """
        app = QCoreApplication.instance()
        uninstall_all()
        self.language = language
        # Dates and numbers in the chosen language too (not the C locale of a bare session).
        QLocale.setDefault(QLocale(language if language != "en" else "en_GB"))
        if language == "en":
            return True
        ok = True
        ours = QTranslator(app)
        if ours.load(str(TRANSLATIONS_DIR / f"roost_{language}.qm")):
            QCoreApplication.installTranslator(ours)
            _installed.append(ours)
        else:
            log.warning("no translation file for %s in %s", language, TRANSLATIONS_DIR)
            ok = False
        # Qt's own strings (standard buttons such as Cancel/OK, context menus).
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        qt = QTranslator(app)
        if qt.load(f"qtbase_{language}", qt_dir):
            QCoreApplication.installTranslator(qt)
            _installed.append(qt)
        return ok
