"""Claiming a new server, as a state machine the claim wizard's pages follow.

verify → account → two_factor → done. The certificate fingerprint is fixed before the first
request and every request is pinned to it, so the setup code and the owner's password only ever
go to the server the owner checked.
"""

from __future__ import annotations

import platform
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QCoreApplication

from app.events import Emitter
from app.net.address import Address
from app.net.api import AsyncApi
from app.net.signed_in import SignedInApi
from app.wizard.forms import DEFAULT_PASSWORD_MIN, AccountForm, account_problems, name_problem
from server.protocol.server import AdminAccount, ClaimRequest, ServerInfo


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


Claimed = Callable[[ClaimTarget, ServerInfo, SignedInApi], Awaitable[None]]


def device_name() -> str:
    """How this computer is listed among the owner's sessions."""
    node = platform.node().split(".")[0] or "computer"
    return QCoreApplication.translate("Claim", "Roost app on {computer}").format(computer=node)[:64]


class ClaimWizard:
    """Drives claiming: check the server, create the owner, optionally turn on 2FA.

    Attributes:
        target: the server being claimed.
        step: the current step.
        info: the server's description once checked.
        session: the owner's signed-in session once claimed.
        events: `StepChanged`.
    """

    def __init__(self, target: ClaimTarget, *, on_claimed: Claimed | None = None) -> None:
        self.target = target
        self.step = ClaimStep.VERIFY
        self.info: ServerInfo | None = None
        self.session: SignedInApi | None = None
        self.events: Emitter[StepChanged] = Emitter()
        self._api = AsyncApi.connect(target.address, target.fingerprint)
        self._on_claimed = on_claimed
        self._password = ""

    def _go(self, step: ClaimStep) -> None:
        self.step = step
        self.events.emit(StepChanged(step))

    @property
    def password_min(self) -> int:
        """The server's minimum password length (known after `check`)."""
        return self.info.limits.password_min_length if self.info else DEFAULT_PASSWORD_MIN

    async def check(self) -> ServerInfo:
        """Connects (pinned) and reads the server's description.

        Raises:
            CertificateChanged: the server presents another certificate than ``target``'s.
            Unreachable: nothing answers.
        """
        self.info = await self._api.server_info()
        return self.info

    async def confirm_server(self, setup_code: str | None = None) -> None:
        """The owner confirmed this is their server; moves to the account step.

        Raises:
            ClaimProblem: no setup code is known and none was typed.
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
        self.target = ClaimTarget(
            address=self.target.address,
            fingerprint=self.target.fingerprint,
            source=self.target.source,
            advertised_name=self.target.advertised_name,
            setup_code=code,
        )
        if self.info is None:
            await self.check()
        self._go(ClaimStep.ACCOUNT)

    async def claim(self, server_name: str, form: AccountForm) -> SignedInApi:
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
        result = await self._api.claim(
            ClaimRequest(
                setup_code=self.target.setup_code,
                server_name=server_name.strip(),
                admin=AdminAccount(
                    username=form.username.strip().lower(),
                    display_name=form.display_name.strip(),
                    password=form.password,
                ),
                device_name=device_name(),
            )
        )
        self.info = result.server
        self.session = SignedInApi(self._api, result.tokens)
        self._password = form.password
        if self._on_claimed is not None:
            await self._on_claimed(self.target, result.server, self.session)
        self._go(ClaimStep.TWO_FACTOR)
        return self.session

    async def start_two_factor(self) -> tuple[str, str]:
        """Begins 2FA enrolment.

        Returns:
            The secret (for typing into an authenticator) and the ``otpauth://`` URI (for a QR).
        """
        assert self.session is not None, "claim comes first"
        enrolment = await self.session.totp_enrol(self._password)
        return enrolment.secret, enrolment.otpauth_uri

    async def confirm_two_factor(self, code: str) -> list[str]:
        """Finishes enrolment with a code from the authenticator app.

        Returns:
            The recovery codes, shown once.

        Raises:
            ApiError: the code is wrong (``invalid_second_factor``); try again.
        """
        assert self.session is not None, "claim comes first"
        codes = await self.session.totp_confirm(code)
        self._password = ""
        return list(codes.recovery_codes)

    def finish(self) -> None:
        """Done (with or without 2FA); the password is forgotten."""
        self._password = ""
        self._go(ClaimStep.DONE)
