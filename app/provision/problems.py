"""What can go wrong while installing Roost on a Pi, in plain words: what happened, what to do."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QCoreApplication


class ProblemKind(StrEnum):
    """Stable names for each kind of failure (the UI may pick an icon or a button by them)."""

    UNREACHABLE = "unreachable"
    SSH_REFUSED = "ssh_refused"
    HOST_NOT_FOUND = "host_not_found"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a failure's name
    KEY_REJECTED = "key_rejected"
    KEY_UNUSABLE = "key_unusable"
    HOST_KEY_UNKNOWN = "host_key_unknown"
    HOST_KEY_CHANGED = "host_key_changed"
    NO_SUDO = "no_sudo"
    SUDO_PASSWORD_NEEDED = "sudo_password_needed"  # noqa: S105 - a failure's name
    SUDO_PASSWORD_WRONG = "sudo_password_wrong"  # noqa: S105 - a failure's name
    NO_INTERNET = "no_internet"
    UNSUPPORTED_OS = "unsupported_os"
    UNSUPPORTED_ARCH = "unsupported_arch"
    PYTHON_UNSUPPORTED = "python_unsupported"
    NO_VENV = "no_venv"
    DISK_FULL = "disk_full"
    LOW_MEMORY = "low_memory"
    UPLOAD_FAILED = "upload_failed"
    INSTALL_BUSY = "install_busy"
    INSTALL_FAILED = "install_failed"
    DOWNLOAD_FAILED = "download_failed"
    NOT_STARTED = "not_started"
    CONNECTION_LOST = "connection_lost"
    NO_BUNDLE = "no_bundle"


class InstallProblem(Exception):
    """A failure the user can act on.

    Attributes:
        kind: which failure, for code.
        what_happened: one or two plain sentences for the user, already translated.
        what_to_do: the next step for the user, already translated.
        details: technical text for the details log (command output, the error), untranslated.
    """

    def __init__(
        self, kind: ProblemKind, what_happened: str, what_to_do: str, details: str = ""
    ) -> None:
        super().__init__(f"{kind.value}: {what_happened}")
        self.kind = kind
        self.what_happened = what_happened
        self.what_to_do = what_to_do
        self.details = details


def _try_again() -> str:
    return QCoreApplication.translate(
        "InstallProblem",
        "Try again. Running the installation again is safe. If it fails again, save the "
        "details log and ask someone who can help.",
    )


def unreachable(host: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.UNREACHABLE,
        QCoreApplication.translate("InstallProblem", "The app could not reach {host}.").format(
            host=host
        ),
        QCoreApplication.translate(
            "InstallProblem",
            "Check that the Pi is switched on and connected to the same network as this "
            "computer, and that the address is right. If you have just switched it on, wait "
            "two minutes and try again.",
        ),
        details,
    )


def host_not_found(host: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.HOST_NOT_FOUND,
        QCoreApplication.translate(
            "InstallProblem", "No device called {host} was found on your network."
        ).format(host=host),
        QCoreApplication.translate(
            "InstallProblem",
            "Check the spelling of the name, or type the Pi's address instead (your router's "
            "page lists it). Make sure the Pi is switched on and connected.",
        ),
        details,
    )


def ssh_refused(host: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.SSH_REFUSED,
        QCoreApplication.translate(
            "InstallProblem", "{host} answered, but it does not accept remote sign-in (SSH)."
        ).format(host=host),
        QCoreApplication.translate(
            "InstallProblem",
            "Turn SSH on: in Raspberry Pi Imager, tick “Enable SSH” in the settings "
            "before writing the memory card, or on the Pi run “sudo raspi-config” and "
            "turn on SSH under Interface Options. Then try again.",
        ),
        details,
    )


def wrong_password(user: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.WRONG_PASSWORD,
        QCoreApplication.translate(
            "InstallProblem",
            "The Pi did not accept the user name “{user}” with this password.",
        ).format(user=user),
        QCoreApplication.translate(
            "InstallProblem",
            "Use the user name and password you chose in Raspberry Pi Imager (capital letters "
            "matter), then try again.",
        ),
        details,
    )


def key_rejected(user: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.KEY_REJECTED,
        QCoreApplication.translate(
            "InstallProblem", "The Pi did not accept your key for the user “{user}”."
        ).format(user=user),
        QCoreApplication.translate(
            "InstallProblem",
            "Check that you chose the right key file and user name, or sign in with the "
            "password instead.",
        ),
        details,
    )


def key_unusable(details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.KEY_UNUSABLE,
        QCoreApplication.translate("InstallProblem", "The key file could not be opened."),
        QCoreApplication.translate(
            "InstallProblem",
            "Check that you chose a private key file and typed its passphrase correctly, or "
            "sign in with the password instead.",
        ),
        details,
    )


def no_sudo(user: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.NO_SUDO,
        QCoreApplication.translate(
            "InstallProblem",
            "The user “{user}” is not allowed to install software on this Pi "
            "(it has no administrator rights).",
        ).format(user=user),
        QCoreApplication.translate(
            "InstallProblem",
            "Sign in with the user you created in Raspberry Pi Imager, or ask whoever set up "
            "the Pi to give this user administrator rights (“sudo”).",
        ),
        details,
    )


def sudo_password_needed(user: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.SUDO_PASSWORD_NEEDED,
        QCoreApplication.translate(
            "InstallProblem",
            "The Pi asks for the password of “{user}” to install software.",
        ).format(user=user),
        QCoreApplication.translate(
            "InstallProblem", "Enter that password as well as the key, then try again."
        ),
        details,
    )


def sudo_password_wrong(user: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.SUDO_PASSWORD_WRONG,
        QCoreApplication.translate(
            "InstallProblem",
            "The Pi did not accept the password of “{user}” for installing software.",
        ).format(user=user),
        QCoreApplication.translate(
            "InstallProblem", "Check the password (capital letters matter), then try again."
        ),
        details,
    )


def no_internet(details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.NO_INTERNET,
        QCoreApplication.translate(
            "InstallProblem",
            "The Pi cannot reach the internet. It needs it to download parts of Roost.",
        ),
        QCoreApplication.translate(
            "InstallProblem",
            "Check the Pi's network cable or Wi-Fi and that your internet works, then try "
            "again. Restarting the router or the Pi often helps.",
        ),
        details,
    )


def unsupported_os(name: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.UNSUPPORTED_OS,
        QCoreApplication.translate(
            "InstallProblem", "The Pi runs {system}, which Roost cannot be installed on."
        ).format(system=name),
        QCoreApplication.translate(
            "InstallProblem",
            "Write Raspberry Pi OS (64-bit) onto the memory card with Raspberry Pi Imager, then "
            "try again. Roost needs Raspberry Pi OS or Debian 12 or newer, or Ubuntu 22.04 or "
            "newer.",
        ),
        details,
    )


def unsupported_arch(arch: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.UNSUPPORTED_ARCH,
        QCoreApplication.translate(
            "InstallProblem", "This device's processor ({arch}) is too old for Roost."
        ).format(arch=arch),
        QCoreApplication.translate(
            "InstallProblem",
            "Use a Raspberry Pi 3, 4, 5 or Zero 2 W with Raspberry Pi OS (64-bit is best).",
        ),
        details,
    )


def python_unsupported(found: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.PYTHON_UNSUPPORTED,
        QCoreApplication.translate(
            "InstallProblem",
            "The Pi has Python {found}, but Roost needs Python 3.11, 3.12 or 3.13.",
        ).format(found=found),
        QCoreApplication.translate(
            "InstallProblem",
            "Write the current Raspberry Pi OS onto the memory card with Raspberry Pi Imager, "
            "or install Python 3.11 on the Pi (“sudo apt install python3.11-venv”), "
            "then try again.",
        ),
        details,
    )


def no_venv(details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.NO_VENV,
        QCoreApplication.translate(
            "InstallProblem",
            "Python on the Pi lacks a part Roost needs (virtual environments), and the app "
            "cannot add it on this system.",
        ),
        QCoreApplication.translate(
            "InstallProblem",
            "On the Pi, run “sudo apt install python3-venv”, then try again.",
        ),
        details,
    )


def disk_full(free: str, needed: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.DISK_FULL,
        QCoreApplication.translate(
            "InstallProblem",
            "The Pi's memory card is nearly full: {free} free, Roost needs {needed}.",
        ).format(free=free, needed=needed),
        QCoreApplication.translate(
            "InstallProblem",
            "Delete files you do not need from the Pi, or use a larger memory card, then try "
            "again.",
        ),
        details,
    )


def low_memory(total: str, needed: str, details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.LOW_MEMORY,
        QCoreApplication.translate(
            "InstallProblem", "The Pi has {total} of memory; Roost needs at least {needed}."
        ).format(total=total, needed=needed),
        QCoreApplication.translate(
            "InstallProblem", "Use a Pi with more memory: 1 GB or more works best."
        ),
        details,
    )


def upload_failed(details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.UPLOAD_FAILED,
        QCoreApplication.translate("InstallProblem", "Copying Roost onto the Pi failed."),
        QCoreApplication.translate(
            "InstallProblem",
            "Check that the Pi is still on and its memory card is not full, then try again.",
        ),
        details,
    )


def install_busy(details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.INSTALL_BUSY,
        QCoreApplication.translate(
            "InstallProblem", "Another installation of Roost is still running on the Pi."
        ),
        QCoreApplication.translate(
            "InstallProblem", "Wait a few minutes for it to finish, then try again."
        ),
        details,
    )


def download_failed(details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.DOWNLOAD_FAILED,
        QCoreApplication.translate(
            "InstallProblem", "The Pi could not download or install the parts Roost needs."
        ),
        QCoreApplication.translate(
            "InstallProblem",
            "Check the Pi's internet connection and free space, then try again.",
        ),
        details,
    )


def not_started(details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.NOT_STARTED,
        QCoreApplication.translate(
            "InstallProblem", "Roost was installed on the Pi but did not start."
        ),
        _try_again(),
        details,
    )


def install_failed(details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.INSTALL_FAILED,
        QCoreApplication.translate("InstallProblem", "Installing Roost on the Pi failed."),
        _try_again(),
        details,
    )


def connection_lost(details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.CONNECTION_LOST,
        QCoreApplication.translate(
            "InstallProblem", "The connection to the Pi was lost during the installation."
        ),
        QCoreApplication.translate(
            "InstallProblem",
            "Check that the Pi is still on and connected, then try again. Running the "
            "installation again is safe.",
        ),
        details,
    )


def no_bundle(details: str = "") -> InstallProblem:
    return InstallProblem(
        ProblemKind.NO_BUNDLE,
        QCoreApplication.translate(
            "InstallProblem", "The app cannot find the Roost server package to install."
        ),
        QCoreApplication.translate(
            "InstallProblem", "Reinstall the Roost app from its download page, then try again."
        ),
        details,
    )
