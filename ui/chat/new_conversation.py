"""Starting conversations: "New message" (pick a person) and "New group" (name, topic, people).

Both need the connection online; offline, the dialog says so and nothing is created. The
searchable person picker here is also the group settings dialog's "Add people".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.chat.avatars import colour_index, initials
from app.chat.connection import ChatConnection, CommandRefused
from app.chat.conversation_rows import (
    clean_group_name,
    group_name_problem,
    group_topic_problem,
)
from app.chat.directory import Directory, DirectoryUser
from app.chat.failures import explain_chat_failure
from server.protocol.errors import ErrorCode
from ui.chat.avatar import avatar_pixmap
from ui.widgets.fields import Field
from ui.wizards.step_dialog import StepDialog

_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _person_text(user: DirectoryUser) -> str:
    if user.display_name.casefold() == user.username.casefold():
        return user.display_name
    return f"{user.display_name} ({user.username})"


class PeoplePicker(QWidget):
    """A searchable list of the people on the server, to pick one or tick several.

    Signals:
        changed(): the choice changed.

    Attributes:
        search: the search field.
        list: the people.
        nobody: shown when there is nobody to pick.
    """

    changed = Signal()

    def __init__(
        self,
        directory: Directory,
        *,
        exclude: Iterable[int] = (),
        checkable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.directory = directory
        self._exclude = set(exclude)
        self._checkable = checkable
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search people"))
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setMinimumHeight(220)
        self.nobody = QLabel(
            self.tr(
                "There is nobody else to add. The server's owner adds people on the People page."
            )
        )
        self.nobody.setWordWrap(True)
        self.nobody.setProperty("role", "muted")
        self.nobody.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.nobody)
        self.search.textChanged.connect(lambda _t: self._apply_filter())
        self.list.itemChanged.connect(lambda _i: self.changed.emit())
        self.list.itemSelectionChanged.connect(self.changed.emit)
        self.list.itemActivated.connect(self._toggle)
        self.populate()
        undo: Callable[[], None] = directory.changed.subscribe(lambda _n: self.populate())
        self.destroyed.connect(lambda _o=None: undo())

    def set_exclude(self, ids: Iterable[int]) -> None:
        """Leaves these people out (ourselves, or a group's members)."""
        self._exclude = set(ids)
        self.populate()

    def populate(self) -> None:
        """Fills the list from the directory, keeping what was picked."""
        picked = set(self.chosen())
        self.list.blockSignals(True)
        self.list.clear()
        for user in self.directory.users():
            if user.id in self._exclude:
                continue
            item = QListWidgetItem(
                QIcon(
                    avatar_pixmap(initials(user.display_name), colour_index("user", user.id), 28)
                ),
                _person_text(user),
            )
            item.setData(_ID_ROLE, user.id)
            if self._checkable:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if user.id in picked else Qt.CheckState.Unchecked
                )
            self.list.addItem(item)
            if not self._checkable and user.id in picked:
                item.setSelected(True)
        self.list.blockSignals(False)
        self.nobody.setVisible(self.list.count() == 0)
        self.list.setVisible(self.list.count() > 0)
        self._apply_filter()
        self.changed.emit()

    def _apply_filter(self) -> None:
        words = self.search.text().casefold().split()
        for i in range(self.list.count()):
            item = self.list.item(i)
            text = item.text().casefold()
            item.setHidden(not all(w in text for w in words))

    def _toggle(self, item: QListWidgetItem) -> None:
        if self._checkable:
            checked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count())]

    def item_for(self, user_id: int) -> QListWidgetItem | None:
        return next((i for i in self.items() if i.data(_ID_ROLE) == user_id), None)

    def chosen(self) -> list[int]:
        """The ticked people (several), or the selected one."""
        if self._checkable:
            return [
                int(i.data(_ID_ROLE))
                for i in self.items()
                if i.checkState() == Qt.CheckState.Checked
            ]
        return [int(i.data(_ID_ROLE)) for i in self.list.selectedItems()]


class NewMessageDialog(StepDialog):
    """Pick a person; their direct conversation (new or not) opens.

    Signals:
        activated(int): the conversation to open, once created.
    """

    activated = Signal(int)

    def __init__(
        self, connection: ChatConnection, directory: Directory, parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("New message"), parent)
        self.connection = connection
        me = connection.user_id
        self.picker = PeoplePicker(directory, exclude=[] if me is None else [me])
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.picker)
        heading = self.tr("Who do you want to write to?")
        self.show_step(page, heading, self._start, button=self.tr("Write"))
        self.picker.changed.connect(lambda: self.set_can_continue(bool(self.picker.chosen())))
        self.picker.list.itemActivated.connect(lambda _i: self.continue_button.click())
        self.set_can_continue(bool(self.picker.chosen()))
        self.picker.search.setFocus()

    async def _start(self) -> None:
        chosen = self.picker.chosen()
        if not chosen:
            return
        conversation = await self.connection.create_direct(chosen[0])
        self.activated.emit(conversation.id)
        self.accept()

    def on_failure(self, exc: BaseException) -> None:
        self.show_error(explain_chat_failure(exc))


class NewGroupDialog(StepDialog):
    """Name, topic and people; the new group opens with us as its owner.

    Signals:
        activated(int): the new group, once created.

    Attributes:
        name: the group's name (required).
        topic: its topic (optional).
        picker: the people to put in.
    """

    activated = Signal(int)

    def __init__(
        self, connection: ChatConnection, directory: Directory, parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("New group"), parent)
        self.connection = connection
        me = connection.user_id
        self.name = Field(self.tr("Group name"), placeholder=self.tr("e.g. Family"))
        self.topic = Field(self.tr("Topic (optional)"), placeholder=self.tr("e.g. Dinner plans"))
        people = QLabel(self.tr("People"))
        self.picker = PeoplePicker(directory, exclude=[] if me is None else [me], checkable=True)
        people.setBuddy(self.picker.search)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(10)
        layout.addWidget(self.name)
        layout.addWidget(self.topic)
        layout.addWidget(people)
        layout.addWidget(self.picker, 1)
        self.show_step(page, self.tr("A new group"), self._create, button=self.tr("Create group"))
        self.name.edit.setFocus()

    async def _create(self) -> None:
        problem = group_name_problem(self.name.text())
        self.name.set_problem(problem)
        topic_problem = group_topic_problem(self.topic.text())
        self.topic.set_problem(topic_problem)
        if problem or topic_problem:
            self.fit()
            return
        conversation = await self.connection.create_group(
            clean_group_name(self.name.text()),
            topic=self.topic.text(),
            member_ids=self.picker.chosen(),
        )
        self.activated.emit(conversation.id)
        self.accept()

    def on_failure(self, exc: BaseException) -> None:
        if isinstance(exc, CommandRefused) and exc.code == ErrorCode.INVALID_REQUEST:
            self.name.set_problem(explain_chat_failure(exc))
            self.fit()
            return
        self.show_error(explain_chat_failure(exc))
