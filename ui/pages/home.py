"""Home: the servers and Pis found on the network, the ones used before, and other ways in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.home import AccountRow, Action, EntryKind, HomeChanged, HomeEntry
from ui import icons
from ui.widgets.elided import ElidedLabel

_KIND_ICON = {EntryKind.SERVER: "server", EntryKind.PI: "pi", EntryKind.KNOWN: "history"}


class EntryRow(QFrame):
    """One server or Pi: icon, name, a line of detail, and its main button.

    Signals:
        activated(object): the entry whose button was pressed.
    """

    activated = Signal(object)

    def __init__(self, entry: HomeEntry, button_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setProperty("role", "card")
        self.setObjectName(f"entry-{entry.key}")
        icon = QLabel()
        icon.setPixmap(icons.pixmap(_KIND_ICON[entry.kind], 28))
        icon.setFixedSize(36, 36)
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = ElidedLabel(entry.title)
        title.setStyleSheet("font-weight: 600; font-size: 14px;")
        detail = ElidedLabel(entry.detail)
        detail.setProperty("role", "muted")
        detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(title)
        texts.addWidget(detail)
        self.button = QPushButton(button_text)
        if entry.action in (Action.CLAIM, Action.INSTALL):
            self.button.setProperty("role", "primary")
        self.button.clicked.connect(lambda: self.activated.emit(self.entry))
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 10, 12, 10)
        row.setSpacing(12)
        row.addWidget(icon)
        row.addLayout(texts, 1)
        row.addWidget(self.button)


class HomePage(QWidget):
    """Renders `HomeChanged` and forwards what the user wants to do.

    Signals:
        entry_activated(object): a `HomeEntry`'s main button was pressed.
        invite_requested(str): "Invite someone" on the account with this key.
        change_password_requested(str): "Change password…" on the account with this key.
        sign_out_requested(str): "Sign out" on the account with this key.
        address_entered(str): the user typed an address and pressed Connect.
        join_requested(): "I have an invite link".
        trial_requested(): "Try Roost on this computer".
        refresh_requested(): look again.
    """

    entry_activated = Signal(object)
    invite_requested = Signal(str)
    change_password_requested = Signal(str)
    sign_out_requested = Signal(str)
    address_entered = Signal(str)
    join_requested = Signal()
    trial_requested = Signal()
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[EntryRow] = []
        title = QLabel(self.tr("Your Roost"))
        title.setProperty("role", "title")
        self.refresh = QPushButton(icons.icon("refresh"), self.tr("Look again"))
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.refresh)
        self.accounts_box = QWidget()
        self._accounts = QVBoxLayout(self.accounts_box)
        self._accounts.setContentsMargins(0, 0, 0, 0)
        self._accounts.setSpacing(8)
        self.account_rows: list[AccountCard] = []
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)

        self._list_host = QWidget()
        self._list = QVBoxLayout(self._list_host)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(8)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._list_host)
        scroll.setObjectName("HomeList")
        self._list_host.setObjectName("HomeListHost")

        self.address = QLineEdit()
        self.address.setPlaceholderText(self.tr("Address, such as 192.168.1.20 or mypi.local"))
        self.connect_button = QPushButton(self.tr("Connect"))
        self.join_button = QPushButton(icons.icon("link"), self.tr("I have an invite link…"))
        self.trial_button = QPushButton(icons.icon("laptop"), self.tr("Try Roost on this computer"))
        other = QLabel(self.tr("Other ways in"))
        other.setProperty("role", "section")
        manual = QHBoxLayout()
        manual.addWidget(self.address, 1)
        manual.addWidget(self.connect_button)
        more = QHBoxLayout()
        more.addWidget(self.join_button)
        more.addWidget(self.trial_button)
        more.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addWidget(self.accounts_box)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)
        layout.addWidget(other)
        layout.addLayout(manual)
        layout.addLayout(more)
        self._connect_signals()
        self.show_entries(HomeChanged(entries=(), status=""))
        self.show_accounts([])

    def _connect_signals(self) -> None:
        self.refresh.clicked.connect(self.refresh_requested)
        self.join_button.clicked.connect(self.join_requested)
        self.trial_button.clicked.connect(self.trial_requested)
        self.connect_button.clicked.connect(self._on_connect)
        self.address.returnPressed.connect(self._on_connect)

    def _on_connect(self) -> None:
        text = self.address.text().strip()
        if text:
            self.address_entered.emit(text)

    def _button_text(self, action: Action) -> str:
        return {
            Action.CLAIM: self.tr("Set up"),
            Action.SIGN_IN: self.tr("Sign in"),
            Action.INSTALL: self.tr("Install Roost"),
        }[action]

    def _section_title(self, kind: EntryKind) -> str:
        return {
            EntryKind.SERVER: self.tr("Roost servers on this network"),
            EntryKind.PI: self.tr("Computers you can install Roost on"),
            EntryKind.KNOWN: self.tr("Used before"),
        }[kind]

    def show_entries(self, change: HomeChanged) -> None:
        """Replaces the list with ``change.entries`` (a home network has a handful)."""
        self.status.setText(change.status)
        self.status.setVisible(bool(change.status))
        _clear(self._list)
        self.rows = []
        if not change.entries:
            self._list.addWidget(self._empty_state())
        kind: EntryKind | None = None
        for entry in change.entries:
            if entry.kind != kind:
                kind = entry.kind
                label = QLabel(self._section_title(kind))
                label.setProperty("role", "section")
                self._list.addWidget(label)
            row = EntryRow(entry, self._button_text(entry.action))
            row.activated.connect(self.entry_activated)
            self.rows.append(row)
            self._list.addWidget(row)
        self._list.addStretch(1)

    def _empty_state(self) -> QWidget:
        card = QFrame()
        card.setProperty("role", "card")
        head = QLabel(self.tr("No Roost server or Raspberry Pi found yet"))
        head.setStyleSheet("font-weight: 600; font-size: 14px;")
        body = QLabel(
            self.tr(
                "Make sure your Pi is switched on and connected to the same network as this "
                "computer. A Pi that was just switched on needs about two minutes. You can also "
                "type its address below, open an invite link, or try Roost on this computer first."
            )
        )
        body.setWordWrap(True)
        body.setProperty("role", "muted")
        box = QVBoxLayout(card)
        box.setContentsMargins(16, 14, 16, 14)
        box.addWidget(head)
        box.addWidget(body)
        return card

    def show_accounts(self, accounts: list[AccountRow]) -> None:
        """Shows the accounts signed in on this computer (hidden when there are none)."""
        _clear(self._accounts)
        self.account_rows = []
        if accounts:
            label = QLabel(self.tr("Signed in"))
            label.setProperty("role", "section")
            self._accounts.addWidget(label)
        for row in accounts:
            card = AccountCard(row)
            card.invite.clicked.connect(lambda _c=False, k=row.key: self.invite_requested.emit(k))
            card.change_password.clicked.connect(
                lambda _c=False, k=row.key: self.change_password_requested.emit(k)
            )
            card.sign_out.clicked.connect(
                lambda _c=False, k=row.key: self.sign_out_requested.emit(k)
            )
            self.account_rows.append(card)
            self._accounts.addWidget(card)
        self.accounts_box.setVisible(bool(accounts))


class AccountCard(QFrame):
    """A signed-in account: who, where, and what they can do from here."""

    def __init__(self, row: AccountRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.setProperty("role", "card")
        icon = QLabel()
        icon.setPixmap(icons.pixmap("user", 28))
        icon.setFixedSize(36, 36)
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = ElidedLabel(
            self.tr("{name} on {server}").format(name=row.display_name, server=row.server_name)
        )
        title.setStyleSheet("font-weight: 600; font-size: 14px;")
        facts = [row.username]
        facts.append(self.tr("two-step sign-in on") if row.two_factor else self.tr("password only"))
        if row.remembered:
            facts.append(self.tr("remembered on this computer"))
        detail = ElidedLabel(" · ".join(facts))
        detail.setProperty("role", "muted")
        detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(title)
        texts.addWidget(detail)
        self.invite = QPushButton(self.tr("Invite someone"))
        self.invite.setVisible(row.is_admin)
        self.change_password = QPushButton(self.tr("Change password…"))
        self.sign_out = QPushButton(self.tr("Sign out"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(12)
        layout.addWidget(icon)
        layout.addLayout(texts, 1)
        layout.addWidget(self.invite)
        layout.addWidget(self.change_password)
        layout.addWidget(self.sign_out)


def _clear(layout: QVBoxLayout) -> None:
    """Removes and deletes every widget in ``layout``."""
    while layout.count():
        item = layout.takeAt(0)
        w = item.widget() if item is not None else None
        if w is not None:
            # Hidden at once: deleteLater only runs when control returns to the event loop.
            w.hide()
            w.setParent(None)
            w.deleteLater()
