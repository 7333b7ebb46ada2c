"""Where the desktop app keeps its files: per-user config and data directories.

``ROOST_APP_HOME`` puts everything under one directory (tests, portable installs); otherwise
the platform's conventions apply (XDG on Linux, Application Support on macOS, AppData on
Windows). Nothing here creates a directory until it is asked for.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "Roost"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The app's directories.

    Attributes:
        config: small settings files (known servers, preferences).
        data: larger state (the trial server's data directory, caches).
    """

    config: Path
    data: Path

    def ensure(self) -> AppPaths:
        """Creates both directories (private to the user) and returns self."""
        for d in (self.config, self.data):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self


def default_paths() -> AppPaths:
    """The directories for this user on this platform."""
    home_override = os.environ.get("ROOST_APP_HOME")
    if home_override:
        base = Path(home_override)
        return AppPaths(config=base / "config", data=base / "data")
    home = Path.home()
    if sys.platform == "win32":
        appdata = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
        local = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return AppPaths(config=appdata / APP_NAME, data=local / APP_NAME)
    if sys.platform == "darwin":
        support = home / "Library" / "Application Support" / APP_NAME
        return AppPaths(config=support, data=support)
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return AppPaths(config=config / "roost", data=data / "roost")
