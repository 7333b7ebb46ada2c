"""Claiming a new server, as a state machine the claim wizard's pages follow.

verify → account → two_factor → done. The certificate fingerprint is fixed before the first
request and every request is pinned to it, so the setup code and the owner's password only ever
go to the server the owner checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QCoreApplication

from app.accounts.account import Account
from app.accounts.session import AccountFlows
from app.events import Emitter
from app.net.address import Address
from app.wizard.forms import DEFAULT_PASSWORD_MIN, AccountForm, account_problems, name_problem
from server.protocol.server import ServerInfo


class ClaimStep(StrEnum):
    """The wizard's pages, in order."""

    VERIFY = "verify"
    ACCOUNT = "account"
    TWO_FACTOR = "two_factor"
    DONE = "done"


class FingerprintSource(StrEnum):
    """Where the fingerprint we are about to trust came from: it decides what we tell the owner."""

    INSTALLER = "installer"  # read from the Pi's own files over SSH: as good as it gets
    TRIAL = "trial"  # read from this computer's own files
    NETWORK = "network"  # advertised over mDNS: unauthenticated, so the owner compares it
    FIRST_USE = "first_use"  # taken from the connection: the owner compares it


@dataclass(frozen=True, slots=True)
class ClaimTarget:
    """The server to claim.

    Attributes:
        address: where it listens.
        fingerprint: its certificate's SHA-256 (lower-case hex).
        source: where the fingerprint came from.
        advertised_name: the name it shows before it is claimed.
        setup_code: the one-time code when the app already knows it (installer, trial).
    """

    address: Address
    fingerprint: str
    source: FingerprintSource
    advertised_name: str = ""
    setup_code: str | None = None


@dataclass(frozen=True, slots=True)
class StepChanged:
    """The wizard moved to ``step``."""

    step: ClaimStep


class ClaimProblem(Exception):
    """Something the owner typed cannot be used; ``fields`` maps field names to sentences."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(fields.values()))
        self.fields = fields


class ClaimWizard:
    """Drives claiming: check the server, create the owner, optionally turn on 2FA.

    Attributes:
        target: the server being claimed.
        step: the current step.
        info: the server's description once checked.
        account: the owner's signed-in account once claimed (pinned and remembered by
            ``flows``, which also announces it).
        events: `StepChanged`.
    """

    def __init__(self, target: ClaimTarget, flows: AccountFlows) -> None:
        self.target = target
        self.flows = flows
        self.step = ClaimStep.VERIFY
        self.info: ServerInfo | None = None
        self.account: Account | None = None
        self.events: Emitter[StepChanged] = Emitter()
        self._password = ""

    def _go(self, step: ClaimStep) -> None:
        self.step = step
        self.events.emit(StepChanged(step))

    @property
    def password_min(self) -> int:
        """The server's minimum password length (known after `check`)."""
        return self.info.limits.password_min_length if self.info else DEFAULT_PASSWORD_MIN

    async def check(self) -> ServerInfo:
        """Connects (pinned to ``target.fingerprint``) and reads the server's description.

        Raises:
            CertificateChanged: the server presents another certificate than ``target``'s.
            Unreachable: nothing answers.
        """
        api, info = await self.flows.connect([self.target.address], self.target.fingerprint)
        await api.close()
        self.info = info
        return info

    async def confirm_server(self, setup_code: str | None = None) -> None:
        """The owner confirmed this is their server; moves to the account step.

        Raises:
            ClaimProblem: no setup code is known and none was typed.
            CertificateChanged, Unreachable: as for `check`.
        """
        code = (setup_code or self.target.setup_code or "").strip()
        if not code:
            raise ClaimProblem(
                {
                    "setup_code": QCoreApplication.translate(
                        "Claim", "Type the setup code shown on the Pi's screen."
                    )
                }
            )
        await self.check()
        self.target = ClaimTarget(
            address=self.target.address,
            fingerprint=self.target.fingerprint,
            source=self.target.source,
            advertised_name=self.target.advertised_name,
            setup_code=code,
        )
        self._go(ClaimStep.ACCOUNT)

    async def claim(self, server_name: str, form: AccountForm, *, remember: bool) -> Account:
        """Names the server and creates the owner's account, signed in on this computer.

        Raises:
            ClaimProblem: a field is not acceptable (nothing was sent).
            ApiError: the server refused (wrong setup code, already claimed, weak password).
        """
        problems = account_problems(form, self.password_min)
        if (p := name_problem(server_name)) is not None:
            problems["server_name"] = p
        if problems:
            raise ClaimProblem(problems)
        assert self.target.setup_code is not None, "confirm_server comes first"
        self.account = await self.flows.claim(
            self.target.address,
            self.target.fingerprint,
            self.target.setup_code,
            server_name.strip(),
            form.username.strip().lower(),
            form.display_name.strip(),
            form.password,
            remember=remember,
        )
        self._password = form.password
        self._go(ClaimStep.TWO_FACTOR)
        return self.account

    async def start_two_factor(self) -> tuple[str, str]:
        """Begins 2FA enrolment.

        Returns:
            The secret (for typing into an authenticator) and the ``otpauth://`` URI (for a QR).
        """
        assert self.account is not None, "claim comes first"
        enrolment = await self.account.start_two_factor(self._password)
        return enrolment.secret, enrolment.otpauth_uri

    async def confirm_two_factor(self, code: str) -> list[str]:
        """Finishes enrolment with a code from the authenticator app.

        Returns:
            The recovery codes, shown once.

        Raises:
            ApiError: the code is wrong (``invalid_second_factor``); try again.
        """
        assert self.account is not None, "claim comes first"
        codes = await self.account.confirm_two_factor(code)
        self._password = ""
        return codes

    def finish(self) -> None:
        """Done (with or without 2FA); the password is forgotten."""
        self._password = ""
        self._go(ClaimStep.DONE)
