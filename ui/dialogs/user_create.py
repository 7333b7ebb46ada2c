"""Add a person: username, name and role, then their one-time password to hand over."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from app.net.errors import ApiError
from app.users.describe import role_name
from app.users.people import People
from app.users.problems import explain_people
from server.protocol.admin import OneTimeSecret
from server.protocol.common import Role
from server.protocol.errors import ErrorCode
from ui.dialogs.user_handover import HandOverPanel
from ui.widgets.fields import Field
from ui.wizards.step_dialog import StepDialog


class CreateUserDialog(StepDialog):
    """Asks for the new account's details, creates it, then shows its one-time password.

    Attributes:
        created: the new account and its one-time password, once made.
    """

    def __init__(self, people: People, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Add a person"), parent)
        self.people = people
        self.created: OneTimeSecret | None = None
        self.form_page = QWidget()
        form = QVBoxLayout(self.form_page)
        form.setContentsMargins(0, 0, 0, 0)
        form.setSpacing(10)
        intro = QLabel(
            self.tr(
                "Roost makes a one-time password for them. You give it to them in person; "
                "they choose their own password the first time they sign in."
            )
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        self.display_name = Field(self.tr("Their name"), placeholder=self.tr("e.g. Grandma"))
        self.display_name.edit.setMaxLength(64)
        self.username = Field(
            self.tr("Username (what they type to sign in)"), placeholder=self.tr("e.g. grandma")
        )
        self.username.edit.setMaxLength(32)
        self.role = QComboBox()
        for role in people.allowed_roles_for_new():
            self.role.addItem(role_name(role), role.value)
        role_label = QLabel(self.tr("They join as"))
        role_label.setBuddy(self.role)
        form.addWidget(intro)
        form.addWidget(self.display_name)
        form.addWidget(self.username)
        form.addWidget(role_label)
        form.addWidget(self.role)
        form.addStretch(1)
        self.handover = HandOverPanel()
        self.show_step(self.form_page, self.tr("Add a person"), self._create, button=self.tr("Add"))

    async def _create(self) -> None:
        self.created = await self.people.create(
            self.username.text(), self.display_name.text(), Role(self.role.currentData())
        )
        user = self.created.user
        self.handover.show_code(
            self.created.one_time_code,
            self.tr(
                "Give this one-time password to {name}, together with the username "
                "“{username}”. They type it exactly as shown (dashes included) the first time "
                "they sign in, and then choose their own password. It is shown only now."
            ).format(name=user.display_name, username=user.username),
        )
        self.show_step(
            self.handover, self.tr("{name} can now sign in").format(name=user.display_name), None
        )
        self.cancel_button.setText(self.tr("Done"))

    def on_failure(self, exc: BaseException) -> None:
        if isinstance(exc, ApiError) and exc.code in (
            ErrorCode.INVALID_REQUEST,
            ErrorCode.USERNAME_TAKEN,
        ):
            fields = [str(d.get("field", "")) for d in exc.details]
            if exc.code == ErrorCode.USERNAME_TAKEN or any(f.endswith("username") for f in fields):
                self.username.set_problem(explain_people(exc))
                return
            if any(f.endswith("display_name") for f in fields):
                self.display_name.set_problem(explain_people(exc))
                return
        self.show_error(explain_people(exc))
