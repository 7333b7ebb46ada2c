"""The installer's steps and the events it announces while going through them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QCoreApplication

from app.provision.problems import InstallProblem


class Step(StrEnum):
    """The steps, in the order they run."""

    CONNECT = "connect"
    CHECK = "check"
    UPLOAD = "upload"
    INSTALL = "install"
    START = "start"
    READ = "read"


def step_title(step: Step) -> str:
    """The step's name for the step list, translated."""
    titles = {
        Step.CONNECT: QCoreApplication.translate("InstallStep", "Connecting to the Pi"),
        Step.CHECK: QCoreApplication.translate("InstallStep", "Checking the Pi"),
        Step.UPLOAD: QCoreApplication.translate("InstallStep", "Copying Roost to the Pi"),
        Step.INSTALL: QCoreApplication.translate("InstallStep", "Installing Roost"),
        Step.START: QCoreApplication.translate("InstallStep", "Starting Roost"),
        Step.READ: QCoreApplication.translate("InstallStep", "Reading the setup code"),
    }
    return titles[step]


@dataclass(frozen=True, slots=True)
class StepStarted:
    """A step began."""

    step: Step


@dataclass(frozen=True, slots=True)
class StepFinished:
    """A step ended well."""

    step: Step


@dataclass(frozen=True, slots=True)
class StepFailed:
    """A step ended with a problem; the installer stops after it."""

    step: Step
    problem: InstallProblem


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line for the details log (the Pi's output, or what the app did), untranslated."""

    text: str


InstallEvent = StepStarted | StepFinished | StepFailed | LogLine
