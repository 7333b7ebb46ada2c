"""A group's settings: name and topic, members and their roles, adding people, leaving.

What the dialog offers follows our role (protocol 16.3): owners and admins rename, change the
topic and add or remove members (admins only plain members); only the owner changes roles or
hands the group over. Every change goes to the server as a command; the dialog then shows the
group as the cache has it after the event came back, so it never shows a change the server did
not make. A refusal is shown in words, in the dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.chat.avatars import colour_index, initials
from app.chat.cache import CachedConversation, Member
from app.chat.connection import ChatConnection
from app.chat.conversation_rows import (
    can_manage,
    can_remove,
    can_set_roles,
    clean_group_name,
    group_name_problem,
    group_topic_problem,
    must_hand_over,
    my_role,
    role_name,
)
from app.chat.directory import Directory
from app.chat.events import ChatEvent, ConversationsUpdated, EventStored
from app.chat.failures import explain_chat_failure
from server.protocol.common import Role
from ui import tasks
from ui.chat.avatar import Avatar, avatar_pixmap
from ui.chat.new_conversation import PeoplePicker
from ui.widgets.fields import Field

_ID_ROLE = Qt.ItemDataRole.UserRole + 1


async def group_command(connection: ChatConnection, type_: str, **fields: Any) -> None:
    """Runs a group command for a dialog's task runner (which wants no result); its event
    lands in our cache (``ChatConnection.group_command``).

    Raises:
        ChatOffline: not online.
        CommandRefused: the server refused.
    """
    await connection.group_command(type_, **fields)


class GroupSettingsDialog(QDialog):
    """The settings of one group, as far as our role allows.

    Attributes:
        name, topic: the group's name and topic.
        save_button: sends a changed name or topic.
        members: the members, with their roles.
        add_button, admin_button, owner_button, remove_button: act on the members.
        picker: the people who could be added (shown after "Add people…").
        leave_button: leaves the group (after a question).
        error: why the last change failed (hidden when none did).
        confirm: the open question ("Remove …?"), or None.
    """

    def __init__(
        self,
        connection: ChatConnection,
        directory: Directory,
        conversation_id: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.connection = connection
        self.directory = directory
        self.conversation_id = conversation_id
        self.conversation: CachedConversation | None = None
        self.confirm: QMessageBox | None = None
        self._busy = False
        self.setWindowTitle(self.tr("Group settings"))
        self.setMinimumWidth(480)

        self.avatar = Avatar(size=48)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        self.name = Field(self.tr("Group name"))
        self.topic = Field(self.tr("Topic"))
        self.read_only = QLabel(self.tr("Only the group's owner and admins can change these."))
        self.read_only.setProperty("role", "muted")
        self.read_only.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setProperty("role", "primary")

        self.members_label = QLabel()
        self.members_label.setProperty("role", "section")
        self.members = QListWidget()
        self.members.setMinimumHeight(180)
        self.add_button = QPushButton(self.tr("Add people…"))
        self.admin_button = QPushButton(self.tr("Make admin"))
        self.owner_button = QPushButton(self.tr("Make owner…"))
        self.remove_button = QPushButton(self.tr("Remove…"))
        self.remove_button.setProperty("role", "danger")

        self.add_panel = QWidget()
        self.picker = PeoplePicker(directory, checkable=True)
        self.add_confirm = QPushButton(self.tr("Add to the group"))
        self.add_confirm.setProperty("role", "primary")
        self.add_cancel = QPushButton(self.tr("Cancel"))
        add_layout = QVBoxLayout(self.add_panel)
        add_layout.setContentsMargins(0, 0, 0, 0)
        add_layout.addWidget(self.picker)
        add_buttons = QHBoxLayout()
        add_buttons.addStretch(1)
        add_buttons.addWidget(self.add_cancel)
        add_buttons.addWidget(self.add_confirm)
        add_layout.addLayout(add_buttons)
        self.add_panel.hide()

        self.gone = QLabel(self.tr("You are no longer in this group."))
        self.gone.setProperty("role", "warning")
        self.gone.hide()
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedHeight(6)
        self.busy.hide()
        self.leave_button = QPushButton(self.tr("Leave group…"))
        self.leave_button.setProperty("role", "danger")
        self.close_button = QPushButton(self.tr("Close"))

        head = QHBoxLayout()
        head.addWidget(self.avatar)
        head.addWidget(self.title, 1)
        save_row = QHBoxLayout()
        save_row.addWidget(self.read_only, 1)
        save_row.addWidget(self.save_button)
        member_buttons = QHBoxLayout()
        member_buttons.addWidget(self.add_button)
        member_buttons.addStretch(1)
        member_buttons.addWidget(self.admin_button)
        member_buttons.addWidget(self.owner_button)
        member_buttons.addWidget(self.remove_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.leave_button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        layout.addLayout(head)
        layout.addWidget(self.gone)
        layout.addWidget(self.name)
        layout.addWidget(self.topic)
        layout.addLayout(save_row)
        layout.addWidget(self.members_label)
        layout.addWidget(self.members, 1)
        layout.addLayout(member_buttons)
        layout.addWidget(self.add_panel)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addLayout(bottom)
        self._connect_signals()
        self.reload()

    def _connect_signals(self) -> None:
        self.name.edit.textEdited.connect(lambda _t: self._update_buttons())
        self.topic.edit.textEdited.connect(lambda _t: self._update_buttons())
        self.save_button.clicked.connect(self.on_save)
        self.members.itemSelectionChanged.connect(self._update_buttons)
        self.add_button.clicked.connect(self.on_add)
        self.add_cancel.clicked.connect(self.add_panel.hide)
        self.add_confirm.clicked.connect(self.on_add_confirmed)
        self.picker.changed.connect(self._update_buttons)
        self.admin_button.clicked.connect(self.on_toggle_admin)
        self.owner_button.clicked.connect(self.on_make_owner)
        self.remove_button.clicked.connect(self.on_remove)
        self.leave_button.clicked.connect(self.on_leave)
        self.close_button.clicked.connect(self.reject)
        undo = [
            self.connection.events.subscribe(self._on_chat_event),
            self.directory.changed.subscribe(lambda _n: self.reload()),
        ]

        def detach() -> None:  # holds no reference to the dialog itself
            for u in undo:
                u()

        self.destroyed.connect(lambda _o=None: detach())
        self._detach = detach

    def done(self, result: int) -> None:
        self._detach()
        super().done(result)

    def _on_chat_event(self, event: ChatEvent) -> None:
        if (
            isinstance(event, EventStored)
            and event.event.conversation_id == self.conversation_id
            or isinstance(event, ConversationsUpdated)
            and self.conversation_id in event.conversation_ids
        ):
            self.reload()

    # --- showing the group -------------------------------------------------------------------

    def _role(self) -> str | None:
        if self.conversation is None:
            return None
        return my_role(self.conversation, self.connection.user_id)

    def reload(self) -> None:
        """Shows the group as the cache has it now (keeping unsaved edits of name and topic)."""
        c = self.connection.cache.conversation(self.conversation_id)
        old = self.conversation
        self.conversation = c
        if c is None or c.kind != "group":
            self.title.setText(self.tr("This group is not known on this computer."))
            self.gone.hide()
            self._update_buttons()
            return
        self.title.setText(c.name)
        self.avatar.set_avatar(initials(c.name), colour_index("group", c.id))
        # Unsaved edits stay; fields nobody touched follow the group's current name and topic.
        if old is None or self.name.text() == old.name:
            self.name.edit.setText(c.name)
        if old is None or self.topic.text() == old.topic:
            self.topic.edit.setText(c.topic)
        me = self.connection.user_id
        selected = self._selected()
        self.members.clear()
        order: dict[str, int] = {Role.OWNER: 0, Role.ADMIN: 1}
        members = sorted(
            c.members,
            key=lambda m: (order.get(m.role, 2), self.directory.name(m.user_id).casefold()),
        )
        for m in members:
            name = self.directory.name(m.user_id)
            if m.user_id == me:
                name = self.tr("{name} (you)").format(name=name)
            avatar = avatar_pixmap(
                initials(self.directory.name(m.user_id)), colour_index("user", m.user_id), 28
            )
            item = QListWidgetItem(QIcon(avatar), f"{name} — {role_name(m.role)}")
            item.setData(_ID_ROLE, m.user_id)
            self.members.addItem(item)
            if selected is not None and m.user_id == selected.user_id:
                item.setSelected(True)
        self.members_label.setText(self.tr("Members ({count})").format(count=len(c.members)))
        self.picker.set_exclude(m.user_id for m in c.members)
        self.gone.setVisible(c.left)
        self._update_buttons()

    def _selected(self) -> Member | None:
        items = self.members.selectedItems()
        if not items or self.conversation is None:
            return None
        uid = items[0].data(_ID_ROLE)
        return next((m for m in self.conversation.members if m.user_id == uid), None)

    def select_member(self, user_id: int) -> None:
        """Selects a member in the list (as a click would)."""
        for i in range(self.members.count()):
            item = self.members.item(i)
            item.setSelected(item.data(_ID_ROLE) == user_id)

    def _update_buttons(self) -> None:
        role = self._role()
        manage = can_manage(role) and not self._busy
        c = self.conversation
        edited = c is not None and (self.name.text() != c.name or self.topic.text() != c.topic)
        self.name.edit.setReadOnly(not can_manage(role))
        self.topic.edit.setReadOnly(not can_manage(role))
        self.read_only.setVisible(role is not None and not can_manage(role))
        self.save_button.setVisible(can_manage(role))
        self.save_button.setEnabled(manage and edited)
        self.add_button.setVisible(can_manage(role))
        self.add_button.setEnabled(manage)
        self.add_confirm.setEnabled(manage and bool(self.picker.chosen()))
        if not can_manage(role):
            self.add_panel.hide()
        member = self._selected()
        me = self.connection.user_id
        themselves = member is not None and member.user_id == me
        roles = can_set_roles(role) and not self._busy and member is not None and not themselves
        self.admin_button.setVisible(can_set_roles(role))
        self.owner_button.setVisible(can_set_roles(role))
        self.admin_button.setEnabled(roles)
        self.owner_button.setEnabled(roles)
        if member is not None and member.role == Role.ADMIN:
            self.admin_button.setText(self.tr("Make member"))
        else:
            self.admin_button.setText(self.tr("Make admin"))
        self.remove_button.setVisible(can_manage(role))
        self.remove_button.setEnabled(
            member is not None
            and not self._busy
            and can_remove(role, member.role, themselves=themselves)
        )
        self.leave_button.setVisible(role is not None)
        self.leave_button.setEnabled(not self._busy)

    # --- changes -------------------------------------------------------------------------------

    def _run(
        self, coro: Coroutine[Any, Any, Any], name: str, then: Callable[[], None] | None = None
    ) -> None:
        self._set_busy(True)
        self._show_error("")

        def done(_result: object) -> None:
            self._set_busy(False)
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self._show_error(explain_chat_failure(exc))

        tasks.spawn(coro, name=f"group-settings-{name}", on_done=done, on_error=failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        self._update_buttons()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def on_save(self) -> None:
        c = self.conversation
        if c is None:
            return
        problem = group_name_problem(self.name.text())
        self.name.set_problem(problem)
        topic_problem = group_topic_problem(self.topic.text())
        self.topic.set_problem(topic_problem)
        if problem or topic_problem:
            return
        fields: dict[str, str] = {}
        name = clean_group_name(self.name.text())
        if name != c.name:
            fields["name"] = name
        if self.topic.text() != c.topic:
            fields["topic"] = self.topic.text()
        if not fields:
            return
        self.name.edit.setText(name)
        self._run(
            group_command(
                self.connection,
                "conversation/update",
                conversation_id=self.conversation_id,
                **fields,
            ),
            "update",
            self.reload,
        )

    def on_add(self) -> None:
        self.add_panel.setVisible(not self.add_panel.isVisible())
        self.picker.search.setFocus()

    def on_add_confirmed(self) -> None:
        chosen = self.picker.chosen()
        if not chosen:
            return
        self._run(
            group_command(
                self.connection,
                "conversation/add_members",
                conversation_id=self.conversation_id,
                user_ids=chosen,
            ),
            "add",
            self.add_panel.hide,
        )

    def on_toggle_admin(self) -> None:
        member = self._selected()
        if member is None:
            return
        role = Role.MEMBER if member.role == Role.ADMIN else Role.ADMIN
        self._set_role(member.user_id, role)

    def _set_role(self, user_id: int, role: Role) -> None:
        self._run(
            group_command(
                self.connection,
                "conversation/set_role",
                conversation_id=self.conversation_id,
                user_id=user_id,
                role=role.value,
            ),
            "set-role",
        )

    def on_make_owner(self) -> None:
        member = self._selected()
        if member is None:
            return
        uid = member.user_id
        self._ask(
            self.tr(
                "Make {name} the owner of this group? You become an admin, and only they can "
                "change roles from then on."
            ).format(name=self.directory.name(uid)),
            self.tr("Make owner"),
            lambda: self._set_role(uid, Role.OWNER),
        )

    def on_remove(self) -> None:
        member = self._selected()
        if member is None:
            return
        uid = member.user_id
        self._ask(
            self.tr(
                "Remove {name} from the group? They keep what was said until now, and can be "
                "added again."
            ).format(name=self.directory.name(uid)),
            self.tr("Remove"),
            lambda: self._run(
                group_command(
                    self.connection,
                    "conversation/remove_member",
                    conversation_id=self.conversation_id,
                    user_id=uid,
                ),
                "remove",
            ),
        )

    def on_leave(self) -> None:
        c = self.conversation
        if c is None:
            return
        if must_hand_over(c, self.connection.user_id):
            self._show_error(
                self.tr(
                    "You own this group. Pick someone in the list and press “Make owner…” "
                    "first; then you can leave."
                )
            )
            return
        self._ask(
            self.tr(
                "Leave “{name}”? You will stop receiving its messages. You can still read what "
                "was said until now, and a group admin can add you again."
            ).format(name=c.name),
            self.tr("Leave group"),
            lambda: self._run(
                group_command(
                    self.connection, "conversation/leave", conversation_id=self.conversation_id
                ),
                "leave",
                self.accept,
            ),
        )

    def _ask(self, question: str, button: str, then: Callable[[], None]) -> None:
        """Asks ``question`` (window-modal, without a nested event loop); ``then`` on yes."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.windowTitle(),
            question,
            QMessageBox.StandardButton.Cancel,
            self,
        )
        yes = box.addButton(button, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm = box

        def answered(_code: int) -> None:
            self.confirm = None
            if box.clickedButton() is yes:
                then()
            box.deleteLater()

        box.finished.connect(answered)
        box.open()
