"""Preferences: saved and read back; a damaged file falls back to the defaults, field by field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.preferences import Preferences, PreferencesFile


def test_round_trip_with_notification_choices(tmp_path: Path) -> None:
    f = PreferencesFile(tmp_path)
    prefs = Preferences().with_theme("dark").with_notifications(sound=False, text=False)
    f.save(prefs)
    assert f.load() == prefs


def test_defaults_announce_with_sound_and_text(tmp_path: Path) -> None:
    prefs = PreferencesFile(tmp_path).load()
    assert prefs.notification_sound and prefs.notification_text


@pytest.mark.parametrize("sound", ["no", 0, None, [True]])
def test_a_bad_notification_value_keeps_the_defaults_and_the_rest(
    tmp_path: Path, sound: object
) -> None:
    (tmp_path / "preferences.json").write_text(
        json.dumps({"theme": "light", "notification_sound": sound, "notification_text": False})
    )
    prefs = PreferencesFile(tmp_path).load()
    assert prefs.theme == "light"
    assert prefs.notification_sound and prefs.notification_text
