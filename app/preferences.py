"""The user's preferences for the desktop app (language, theme, notifications), kept in a small
JSON file."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal, get_args

Language = Literal["system", "en", "zh_CN"]
Theme = Literal["system", "light", "dark"]

LANGUAGES: tuple[Language, ...] = get_args(Language)
THEMES: tuple[Theme, ...] = get_args(Theme)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Preferences:
    """What the user chose in Settings.

    Attributes:
        language: "system" follows the operating system's language.
        theme: "system" follows the operating system's light or dark mode.
        notification_sound: play a short sound with each desktop notification.
        notification_text: show the message's text in desktop notifications (off: only who
            wrote, for screens others can see).
    """

    language: Language = "system"
    theme: Theme = "system"
    notification_sound: bool = True
    notification_text: bool = True

    def with_language(self, language: str) -> Preferences:
        """A copy with another language.

        Raises:
            ValueError: the language is not one the app ships.
        """
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
        return replace(self, language=language)

    def with_theme(self, theme: str) -> Preferences:
        """A copy with another theme.

        Raises:
            ValueError: the theme is not light, dark or system.
        """
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}; choose one of {', '.join(THEMES)}")
        return replace(self, theme=theme)

    def with_notifications(self, *, sound: bool, text: bool) -> Preferences:
        """A copy with other notification choices."""
        return replace(self, notification_sound=sound, notification_text=text)


class PreferencesFile:
    """Loads and saves `Preferences` as ``preferences.json`` in the config directory.

    A damaged or hand-edited file never stops the app: unknown values fall back to the
    defaults, and the problem is logged.
    """

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / "preferences.json"

    def load(self) -> Preferences:
        """The saved preferences, or the defaults."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Preferences()
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable preferences file %s: %s", self.path, exc)
            return Preferences()
        prefs = Preferences()
        if not isinstance(raw, dict):
            log.warning("ignoring preferences file %s: not an object", self.path)
            return prefs
        if "language" in raw:
            try:
                prefs = prefs.with_language(str(raw["language"]))
            except ValueError as exc:
                log.warning("ignoring language in %s: %s", self.path, exc)
        if "theme" in raw:
            try:
                prefs = prefs.with_theme(str(raw["theme"]))
            except ValueError as exc:
                log.warning("ignoring theme in %s: %s", self.path, exc)
        sound, text = raw.get("notification_sound", True), raw.get("notification_text", True)
        if isinstance(sound, bool) and isinstance(text, bool):
            prefs = prefs.with_notifications(sound=sound, text=text)
        else:
            log.warning("ignoring notification choices in %s: not true or false", self.path)
        return prefs

    def save(self, prefs: Preferences) -> None:
        """Writes atomically, so a crash mid-write never leaves half a file."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(prefs), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
