"""Remember-me: a session's refresh token kept in the operating system's keyring, or nowhere.

Only the refresh token is stored (never the password): the server can revoke it, and it is
spent at each use. When there is no real keyring (headless Linux without a Secret Service, or
a keyring that refuses), the app says so and remembers nothing: the secret never goes to a
file of ours. Every call here may block (D-Bus, a keychain prompt); run it in a worker thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import keyring
import keyring.backend
import keyring.errors
from PySide6.QtCore import QCoreApplication

log = logging.getLogger(__name__)

SERVICE = "Roost"


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """Whether sign-ins can be remembered on this computer.

    Attributes:
        available: a real keyring is there and has not failed.
        backend: the keyring backend's name (for the log and an "about" page).
        explanation: a translated sentence for the UI when not available, else "".
    """

    available: bool
    backend: str
    explanation: str


def _no_keyring_text() -> str:
    return QCoreApplication.translate(
        "Credentials",
        "This computer has no password keyring that Roost can use, so Roost can't remember "
        "you: you'll sign in each time you open it.",
    )


def _keyring_failed_text() -> str:
    return QCoreApplication.translate(
        "Credentials",
        "The password keyring on this computer refused to store your sign-in, so Roost "
        "can't remember you this time: you'll sign in again next time you open it.",
    )


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    """False for backends that store nothing, or that would write the secret to a file."""
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return False
    # keyrings.alt's file backends write into $HOME (in plaintext, or behind a console
    # password prompt): "remembering" that way would put the token on disk, which we promise
    # not to do.
    if module.startswith("keyrings.alt"):
        return False
    children = getattr(backend, "backends", None)
    if children is not None:  # the chainer: usable if any of its members is
        return any(_usable(child) for child in children)
    return True


def account_key(server_id: str, username: str) -> str:
    """The keyring's ``username`` field for one account on one server."""
    return f"{server_id}:{username}"


class Credentials:
    """The refresh tokens of remembered accounts, in the OS keyring.

    Args:
        backend: a keyring backend to use; None means the process's current one
            (``keyring.get_keyring()`` at each call, so tests can swap it).
    """

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend
        self._failed = False

    def _keyring(self) -> keyring.backend.KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def status(self) -> KeyringStatus:
        """What the UI should say about remembering sign-ins."""
        backend = self._keyring()
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        if not _usable(backend):
            return KeyringStatus(False, name, _no_keyring_text())
        if self._failed:
            return KeyringStatus(False, name, _keyring_failed_text())
        return KeyringStatus(True, name, "")

    def save_blocking(self, server_id: str, username: str, refresh_token: str) -> bool:
        """Stores the refresh token; returns whether it was stored (see ``status`` if not)."""
        backend = self._keyring()
        if not _usable(backend):
            return False
        try:
            backend.set_password(SERVICE, account_key(server_id, username), refresh_token)
        except keyring.errors.KeyringError as exc:
            log.warning("the keyring refused to store a sign-in: %s", exc)
            self._failed = True
            return False
        self._failed = False
        return True

    def load_blocking(self, server_id: str, username: str) -> str | None:
        """The stored refresh token, or None (nothing stored, or no usable keyring)."""
        backend = self._keyring()
        if not _usable(backend):
            return None
        try:
            return backend.get_password(SERVICE, account_key(server_id, username))
        except keyring.errors.KeyringError as exc:
            log.warning("the keyring could not be read: %s", exc)
            self._failed = True
            return None

    def forget_blocking(self, server_id: str, username: str) -> None:
        """Removes the stored token if there is one (absence is not an error)."""
        backend = self._keyring()
        if not _usable(backend):
            return
        try:
            backend.delete_password(SERVICE, account_key(server_id, username))
        except keyring.errors.PasswordDeleteError:
            pass  # nothing was stored
        except keyring.errors.KeyringError as exc:
            log.warning("the keyring could not forget a sign-in: %s", exc)


# What people call the password stores behind keyring's backend classes.
_STORE_NAMES = (
    ("SecretService", "GNOME Keyring (Secret Service)"),
    ("kwallet", "KWallet"),
    ("Windows", "Windows Credential Manager"),
    ("macOS", "macOS Keychain"),
    ("libsecret", "GNOME Keyring (libsecret)"),
)


def store_name(backend: str) -> str:
    """A keyring backend's class path as the name of the password store it uses."""
    for marker, name in _STORE_NAMES:
        if marker.lower() in backend.lower():
            return name
    return backend
