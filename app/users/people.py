"""The people on a server, for its admins: a table model and the actions on its rows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from app.events import Emitter
from app.net.errors import ApiError, NetError
from app.net.signed_in import SignedInApi
from app.users import api, describe
from app.users.permissions import Actor, Target, can_manage, grantable_roles, role_changes
from app.users.problems import NotAllowed
from server.protocol.admin import AdminUser, OneTimeSecret
from server.protocol.common import Role
from server.protocol.errors import ErrorCode

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

# The item role that carries the row's AdminUser, for views and proxies.
USER_ROLE = Qt.ItemDataRole.UserRole + 1


class Column(IntEnum):
    """The table's columns, in order."""

    NAME = 0
    USERNAME = 1
    ROLE = 2
    TWO_FACTOR = 3
    LAST_SEEN = 4
    STORAGE = 5
    STATE = 6


@dataclass(frozen=True, slots=True)
class PeopleRefreshed:
    """The list was read again from the server.

    Attributes:
        count: how many accounts it holds (the signed-in one included).
    """

    count: int


class People(QAbstractTableModel):
    """Every account on the server, as the signed-in owner or admin sees them.

    Actions check the rules first (``NotAllowed``, nothing sent), call the server, then read
    the list again so the table shows what the server now holds.

    Attributes:
        session: the signed-in admin's or owner's session.
        users: the accounts, by id.
        storage: bytes of files per account id (an account with no files is absent), or None
            when the server did not say.
        events: ``PeopleRefreshed``.
    """

    def __init__(self, session: SignedInApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.users: list[AdminUser] = []
        self.storage: dict[int, int] | None = None
        self.events: Emitter[PeopleRefreshed] = Emitter()
        self._clock: Callable[[], float] = time.time

    # -- who is acting --------------------------------------------------------------------

    @property
    def actor(self) -> Actor:
        """The signed-in person, as the rules see them."""
        me = self.session.user
        return Actor(me.id, me.role)

    def allowed_roles_for_new(self) -> tuple[Role, ...]:
        """Roles the signed-in person may give a new account."""
        return grantable_roles(self.actor.role)

    def can_manage(self, user: AdminUser) -> bool:
        """Whether the signed-in person may switch off, reset or delete ``user``."""
        return can_manage(self.actor, Target(user.id, user.role))

    def role_changes(self, user: AdminUser) -> tuple[Role, ...]:
        """Roles the signed-in person may set on ``user`` (``OWNER`` = hand over ownership)."""
        return role_changes(self.actor, Target(user.id, user.role))

    def only_owner_so_far(self) -> bool:
        """True when the list holds nobody but the signed-in person (time to invite)."""
        return all(u.id == self.actor.user_id for u in self.users)

    # -- reading --------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Reads the accounts (and, if the server tells, their storage) again.

        Raises:
            ApiError: ``forbidden`` for a member; NetError for an unreachable server.
        """
        users, storage = await asyncio.gather(
            api.list_users(self.session), self._storage(), return_exceptions=False
        )
        self.beginResetModel()
        self.users = users
        self.storage = storage
        self.endResetModel()
        self.events.emit(PeopleRefreshed(len(users)))

    async def _storage(self) -> dict[int, int] | None:
        # Storage is a nice-to-have column: an older server, or metrics still starting, must
        # not keep the people list from showing.
        try:
            return await api.storage_by_user(self.session)
        except NetError:
            return self.storage

    def user(self, user_id: int) -> AdminUser | None:
        """The account with ``user_id``, if listed."""
        return next((u for u in self.users if u.id == user_id), None)

    # -- actions --------------------------------------------------------------------------

    async def create(
        self, username: str, display_name: str, role: Role = Role.MEMBER
    ) -> OneTimeSecret:
        """Creates an account with a one-time password to hand over.

        Returns:
            The new account and its one-time password (shown only now).

        Raises:
            NotAllowed: the role is not one the signed-in person may give.
            ApiError: ``invalid_request`` (checked before sending), ``username_taken``.
        """
        if role not in self.allowed_roles_for_new():
            raise NotAllowed(
                QCoreApplication.translate(
                    "People", "Only the owner can add administrators. Add a family member instead."
                )
            )
        secret = await api.create_user(
            self.session, username=username, display_name=display_name, role=role
        )
        await self.refresh()
        return secret

    async def disable(self, user_id: int) -> AdminUser:
        """Switches an account off: it cannot sign in, and its devices are signed out."""
        self._check_manage(user_id)
        return await self._then_refresh(api.disable(self.session, user_id))

    async def enable(self, user_id: int) -> AdminUser:
        """Switches an account on again (this also lifts a lock after wrong passwords)."""
        self._check_manage(user_id)
        return await self._then_refresh(api.enable(self.session, user_id))

    async def reset_password(self, user_id: int) -> OneTimeSecret:
        """Gives an account a one-time password to hand over; its devices are signed out."""
        self._check_manage(user_id)
        return await self._then_refresh(api.reset_password(self.session, user_id))

    async def reset_two_factor(self, user_id: int) -> OneTimeSecret:
        """Turns two-step sign-in off; returns the one-time code needed with the password."""
        self._check_manage(user_id)
        return await self._then_refresh(api.reset_two_factor(self.session, user_id))

    async def set_role(self, user_id: int, role: Role) -> AdminUser:
        """Makes an account an admin or a member (owner only).

        Raises:
            NotAllowed: the signed-in person may not give ``role`` to this account, or
                ``role`` is ``OWNER`` (use ``transfer_ownership``).
        """
        if role == Role.OWNER or role not in self._role_changes(user_id):
            raise NotAllowed(
                QCoreApplication.translate(
                    "People", "Only the owner can change who is an administrator."
                )
            )
        return await self._then_refresh(api.set_role(self.session, user_id, role))

    async def transfer_ownership(self, user_id: int) -> AdminUser:
        """Hands the server's ownership to an account; the signed-in owner becomes an admin.

        Raises:
            NotAllowed: the signed-in person is not the owner, or the target is themselves.
        """
        if Role.OWNER not in self._role_changes(user_id):
            raise NotAllowed(
                QCoreApplication.translate(
                    "People", "Only the owner can hand the server over to someone else."
                )
            )
        return await self._then_refresh(self._hand_over(user_id))

    async def _hand_over(self, user_id: int) -> AdminUser:
        new_owner = await api.set_role(self.session, user_id, Role.OWNER)
        # Our own role changed: read it before the list, so the rules (and the buttons)
        # follow as soon as the table does.
        await self.session.me()
        return new_owner

    async def delete(self, user_id: int) -> None:
        """Deletes an account; what the person wrote stays, under "Deleted user"."""
        self._check_manage(user_id)
        await self._then_refresh(api.delete(self.session, user_id))

    def _known(self, user_id: int) -> AdminUser:
        user = self.user(user_id)
        if user is None:
            raise ApiError(ErrorCode.USER_NOT_FOUND, "not in the list", 404)
        return user

    def _role_changes(self, user_id: int) -> tuple[Role, ...]:
        return self.role_changes(self._known(user_id))

    def _check_manage(self, user_id: int) -> None:
        if not self.can_manage(self._known(user_id)):
            raise NotAllowed(
                QCoreApplication.translate(
                    "People",
                    "You can't change this account: administrators manage family members, only "
                    "the owner manages administrators, and nobody changes the owner or their "
                    "own account here.",
                )
            )

    async def _then_refresh(self, call: Awaitable[T]) -> T:
        """Awaits ``call``, then reads the list again, also when the account had gone."""
        try:
            result = await call
        except ApiError as exc:
            if exc.code == ErrorCode.USER_NOT_FOUND:
                await self.refresh()
            raise
        await self.refresh()
        return result

    # -- QAbstractTableModel --------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt's API)
        return 0 if parent.isValid() else len(self.users)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt's API)
        return 0 if parent.isValid() else len(Column)

    def headerData(  # noqa: N802 (Qt's API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        headers = {
            Column.NAME: QCoreApplication.translate("People", "Name"),
            Column.USERNAME: QCoreApplication.translate("People", "Username"),
            Column.ROLE: QCoreApplication.translate("People", "Role"),
            Column.TWO_FACTOR: QCoreApplication.translate("People", "Two-step sign-in"),
            Column.LAST_SEEN: QCoreApplication.translate("People", "Last signed in"),
            Column.STORAGE: QCoreApplication.translate("People", "Files"),
            Column.STATE: QCoreApplication.translate("People", "State"),
        }
        return headers.get(Column(section)) if 0 <= section < len(Column) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.users):
            return None
        user = self.users[index.row()]
        if role == USER_ROLE:
            return user
        column = Column(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(user, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.STORAGE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, user: AdminUser, column: Column) -> str:
        if column == Column.NAME:
            if user.id == self.actor.user_id:
                return QCoreApplication.translate("People", "{name} (you)").format(
                    name=user.display_name
                )
            return user.display_name
        if column == Column.USERNAME:
            return user.username
        if column == Column.ROLE:
            return describe.role_name(user.role)
        if column == Column.TWO_FACTOR:
            return describe.two_factor(user)
        if column == Column.LAST_SEEN:
            return describe.last_seen(user)
        if column == Column.STORAGE:
            return describe.storage(None if self.storage is None else self.storage.get(user.id, 0))
        return describe.state(user, self._clock())
