"""The composition root: builds app/ objects and widgets, and wires them together in one place."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from app.accounts.account import Account, SignedOut
from app.accounts.credentials import Credentials, store_name
from app.accounts.session import AccountFlows, AccountsEvent, SignedIn
from app.discovery.browser import Discovery
from app.discovery.probe import port_open
from app.discovery.records import AddressError, parse_manual_address
from app.home import AccountRow, Action, HomeChanged, HomeEntry, HomeList
from app.home_feed import apply as apply_discovery
from app.i18n import Translations, resolve_language
from app.net.address import Address
from app.net.errors import Unreachable
from app.net.explain import explain
from app.paths import AppPaths
from app.preferences import Preferences, PreferencesFile
from app.servers import KnownServers, ServersChanged
from app.trial import TrialServer
from app.wizard.claim import ClaimTarget, ClaimWizard, FingerprintSource
from server import __version__
from server.protocol.common import Role
from ui import tasks
from ui.dialog_runner import run_dialog
from ui.dialogs.change_password import ChangePasswordDialog
from ui.dialogs.invite import InviteDialog
from ui.dialogs.join import JoinDialog
from ui.dialogs.sign_in import SignInDialog
from ui.dialogs.trust import TrustDialog
from ui.main_window import MainWindow
from ui.pages.home import HomePage
from ui.pages.settings import SettingsPage
from ui.theme import apply_theme
from ui.wizards.claim import ClaimDialog

if TYPE_CHECKING:
    from app.chat.account_chat import AccountChat
    from app.provision.installer import Installer, InstallResult, Target
    from ui.chat.notifier import ChatNotifier
    from ui.chat.page import ChatPage
    from ui.pages.dashboard import DashboardPage
    from ui.pages.people import PeoplePage
    from ui.pages.server import ServerPage

log = logging.getLogger(__name__)

InstallerFactory = Callable[[AppPaths], "Installer"]
# How long after start-up or a sign-in the long-lived objects are frozen out of collections.
SETTLE_AFTER_MS = 3000


def _target(host: str, port: int) -> Target:
    from app.provision.installer import Target

    return Target(host, port)


async def _stop_then_delete(page: DashboardPage | PeoplePage | ServerPage) -> None:
    try:
        await page.stop()
    finally:
        page.deleteLater()


def _default_installer(paths: AppPaths) -> Installer:
    # Imported when first needed: SSH and its cryptography add half a second to start-up.
    from app.provision.installer import Installer

    return Installer(paths)


class Shell:
    """Owns the window and the app/ objects behind it for the life of the app.

    Attributes:
        window: the main window.
        home: the home list's logic (fed by discovery and the known servers).
        flows: sign-in, claim and join.
        accounts: the accounts signed in on this computer, by ``<server_id>/<username>``.
        discovery: the network search (None when switched off, e.g. in tests).
        trial: the local trial server.
        chats: the chat of each signed-in account (outliving the pages that show it).
        notifier: the tray icon, desktop notifications and sound, over every account.
    """

    def __init__(
        self,
        paths: AppPaths,
        *,
        language: str | None = None,
        theme: str | None = None,
        discovery: Discovery | None = None,
        credentials: Credentials | None = None,
        installer_factory: InstallerFactory = _default_installer,
        trial: TrialServer | None = None,
        initial_link: str | None = None,
        settled: Callable[[], None] | None = None,
    ) -> None:
        self.paths = paths
        self.prefs_file = PreferencesFile(paths.config)
        prefs = self.prefs_file.load()
        # Flags override for this run only; the saved choice stays.
        if language:
            prefs = prefs.with_language(language)
        if theme:
            prefs = prefs.with_theme(theme)
        self.prefs: Preferences = prefs
        self.translations = Translations()
        self.home = HomeList()
        self.servers = KnownServers(paths)
        self.flows = AccountFlows(self.servers, credentials or Credentials())
        self.accounts: dict[str, Account] = {}
        self.discovery = discovery
        self.trial = trial or TrialServer(paths)
        self._installer_factory = installer_factory
        self._initial_link = initial_link
        # Called when a burst of long-lived objects was made (start-up, a chat page): the
        # app freezes them out of the garbage collector's full scans (ui/gc_main_thread.py).
        self._settled = settled
        self.window = MainWindow()
        self.chats: dict[str, AccountChat] = {}
        self._chat_pages: dict[str, ChatPage] = {}
        self.notifier: ChatNotifier | None = None
        self.home_page: HomePage | None = None
        # The admin pages (dashboard, people) follow one admin account: the latest signed in.
        self.admin_account: Account | None = None
        self._admin_pages: list[DashboardPage | PeoplePage | ServerPage] = []
        self._admin_starts: list[asyncio.Task[None]] = []
        # Chats of accounts that signed out, still closing their connection: awaited at exit.
        self._closing: set[asyncio.Task[None]] = set()
        self._unsubscribe = [
            self.home.changed.subscribe(self._on_home_changed),
            self.servers.events.subscribe(self._on_servers_changed),
            self.flows.events.subscribe(self._on_account_event),
        ]
        if discovery is not None:
            self._unsubscribe.append(
                discovery.subscribe(lambda event: apply_discovery(self.home, event))
            )
        self.home.set_known(self.servers.all())
        self._apply_preferences()

    # -- building ----------------------------------------------------------------------------

    def _apply_preferences(self) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.translations.install(resolve_language(self.prefs.language))
        apply_theme(app, self.prefs.theme)
        self._build_pages()

    def _build_pages(self) -> None:
        current = self.window.nav.currentRow()
        self._retire_admin_pages()
        for chat_page in self._chat_pages.values():
            chat_page.stop()
        self._chat_pages = {}
        self.window.clear_pages()
        self.home_page = HomePage()
        self.window.add_page(
            "home", QCoreApplication.translate("Shell", "Home"), "home", self.home_page
        )
        keyring = self.flows.credentials.status()
        settings = SettingsPage(
            self.prefs,
            secrets_status=keyring.explanation
            or QCoreApplication.translate(
                "Shell", "Sign-ins are kept in this computer's password store ({store})."
            ).format(store=store_name(keyring.backend)),
            data_dir=str(self.paths.data),
            version=__version__,
        )
        self.window.add_page(
            "settings", QCoreApplication.translate("Shell", "Settings"), "settings", settings
        )
        self._connect_signals(self.home_page, settings)
        self.home_page.show_entries(self.home.current())
        self._show_accounts()
        self._admin_pages = []
        for chat in self.chats.values():
            self._add_chat_page(chat)
        if self.admin_account is not None:
            self._add_admin_pages(self.admin_account)
        if 0 < current < self.window.nav.count():
            self.window.nav.setCurrentRow(current)

    def _connect_signals(self, home: HomePage, settings: SettingsPage) -> None:
        settings.language_chosen.connect(self.on_language_chosen)
        settings.theme_chosen.connect(self.on_theme_chosen)
        settings.notifications_chosen.connect(self.on_notifications_chosen)
        home.trial_requested.connect(self.on_trial_requested)
        home.entry_activated.connect(self.on_entry_activated)
        home.address_entered.connect(self.on_address_entered)
        home.join_requested.connect(lambda: self.on_join_requested(""))
        home.refresh_requested.connect(self.on_refresh_requested)
        home.invite_requested.connect(self.on_invite_requested)
        home.sign_out_requested.connect(self.on_sign_out_requested)
        home.change_password_requested.connect(self.on_change_password_requested)

    # -- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Shows the window, starts looking for servers and signs remembered accounts in."""
        self.window.show()
        self.notifier = self._make_notifier()
        if self.discovery is not None:
            self.discovery.known_addresses = self._known_addresses()
            tasks.spawn(self.discovery.start(), name="discovery-start", on_error=self.show_error)
        tasks.spawn(self._resume_remembered(), name="resume-accounts")
        self._settle_soon()
        if self._initial_link:
            self.on_join_requested(self._initial_link)

    async def stop(self) -> None:
        """Stops what the app started (discovery, the trial server, connections), at exit."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        for page in self._admin_pages:
            await page.stop()
        for chat_page in self._chat_pages.values():
            chat_page.stop()
        if self.notifier is not None:
            self.notifier.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        await tasks.cancel_all()
        for chat in list(self.chats.values()):
            await chat.close()
        self.chats.clear()
        if self.discovery is not None:
            await self.discovery.stop()
        for account in list(self.accounts.values()):
            await account.close()
        await self.trial.stop()

    def _known_addresses(self) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for server in self.servers.all():
            for text in server.addresses[:2]:
                try:
                    host, port = parse_manual_address(text)
                except AddressError:
                    continue
                out.append((host, port))
        return out

    async def _resume_remembered(self) -> None:
        for server in self.servers.all():
            for known in server.accounts:
                if not known.remembered:
                    continue
                try:
                    await self.flows.resume(server.server_id, known.username)
                except Exception as exc:  # one server being off must not stop the others
                    log.info("could not resume %s on %s: %s", known.username, server.name, exc)

    # -- app/ events -------------------------------------------------------------------------

    def _on_home_changed(self, change: HomeChanged) -> None:
        if self.home_page is not None:
            self.home_page.show_entries(change)

    def _on_servers_changed(self, _event: ServersChanged) -> None:
        self.home.set_known(self.servers.all())

    def _on_account_event(self, event: AccountsEvent) -> None:
        match event:
            case SignedIn(account=account):
                self.accounts[f"{account.server_id}/{account.username}"] = account
                self._start_chat(account)
                if account.user.role in (Role.OWNER, Role.ADMIN):
                    self._set_admin_account(account)
            case SignedOut(server_id=server_id, username=username, reason=reason):
                self._end_chat(f"{server_id}/{username}")
                gone = self.accounts.pop(f"{server_id}/{username}", None)
                if gone is not None and gone is self.admin_account:
                    admins = [
                        a for a in self.accounts.values() if a.user.role in (Role.OWNER, Role.ADMIN)
                    ]
                    self._set_admin_account(admins[-1] if admins else None)
                if reason != "logout":
                    self.window.statusBar().showMessage(
                        QCoreApplication.translate(
                            "Shell", "You were signed out of a server; sign in again to continue."
                        ),
                        10000,
                    )
        self._show_accounts()

    def _settle_soon(self) -> None:
        if self._settled is not None:
            # After the event loop has painted and the first tasks have run.
            QTimer.singleShot(SETTLE_AFTER_MS, self._settled)

    def _make_notifier(self) -> ChatNotifier:
        from ui.chat.notifier import ChatNotifier  # with the chat: not needed to paint

        notifier = ChatNotifier(
            self.window,
            show_text=lambda: self.prefs.notification_text,
            sound=lambda: self.prefs.notification_sound,
        )
        notifier.open_requested.connect(self.open_message)
        for chat in self.chats.values():
            notifier.add(chat)
        return notifier

    def _start_chat(self, account: Account) -> None:
        key = f"{account.server_id}/{account.username}"
        old = self.chats.get(key)
        if old is not None and old.account is account:
            return
        self._end_chat(key)
        from app.chat.account_chat import AccountChat  # the chat's stack loads at sign-in

        chat = AccountChat(account, self.paths)
        self.chats[key] = chat
        chat.needs.subscribe(lambda need: self._on_chat_needs(chat, need))
        chat.start()
        if self.notifier is not None:
            self.notifier.add(chat)
        self._relabel_chat_pages()
        self._add_chat_page(chat)
        self._settle_soon()
        if self.window.nav.currentRow() == 0:  # on Home: the chat is what they came for
            self.window.show_page(f"chat:{key}")

    def _end_chat(self, key: str) -> None:
        chat = self.chats.pop(key, None)
        if chat is None:
            return
        if self.notifier is not None:
            self.notifier.remove(key)
        page = self._chat_pages.pop(key, None)
        if page is not None:
            page.stop()
            self.window.remove_page(f"chat:{key}")
        self._relabel_chat_pages()
        closing = tasks.spawn(chat.close(), name="chat-close")
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    def _on_chat_needs(self, chat: AccountChat, need: str) -> None:
        """The server refuses the chat until the user does something first."""
        if need == "two_factor":
            from ui.dialogs.two_factor_enrol import TwoFactorEnrolDialog

            dialog = TwoFactorEnrolDialog(chat.account, parent=self.window)
            tasks.spawn(self._enrol_then_chat(chat, dialog), name="two-factor-owed")
        else:  # "password": a new password is owed before the chat may connect
            password = ChangePasswordDialog(chat.account, parent=self.window)
            tasks.spawn(self._enrol_then_chat(chat, password), name="password-owed")

    async def _enrol_then_chat(self, chat: AccountChat, dialog: QDialog) -> None:
        if await run_dialog(dialog) and self.chats.get(chat.key) is chat:
            chat.connection.start()

    def _chat_label(self, chat: AccountChat) -> str:
        if len(self.chats) <= 1:
            return QCoreApplication.translate("Shell", "Chat")
        servers = [c.account.server_name for c in self.chats.values()]
        if servers.count(chat.account.server_name) == 1:
            return QCoreApplication.translate("Shell", "Chat: {server}").format(
                server=chat.account.server_name
            )
        # Two accounts on one server (a parent and a child on one computer): say whose.
        return QCoreApplication.translate("Shell", "Chat: {name}").format(
            name=chat.account.user.display_name or chat.account.username
        )

    def _add_chat_page(self, chat: AccountChat) -> None:
        from ui.chat.page import ChatPage  # imported at the first sign-in, not at start-up

        page = ChatPage(chat)
        self._chat_pages[chat.key] = page
        self.window.add_page(
            f"chat:{chat.key}",
            self._chat_label(chat),
            "chat",
            page,
            at=1 + len(self._chat_pages) - 1,
        )

    def _relabel_chat_pages(self) -> None:
        for key, chat in self.chats.items():
            if key in self._chat_pages:
                self.window.set_page_label(f"chat:{key}", self._chat_label(chat))

    def chat_page(self, key: str) -> ChatPage | None:
        """The chat page of the account ``<server_id>/<username>``, if signed in."""
        return self._chat_pages.get(key)

    def open_message(self, key: str, conversation_id: int, seq: int) -> None:
        """Shows one message of one account (a notification was clicked)."""
        page = self._chat_pages.get(key)
        if page is None:
            return
        self.window.show_page(f"chat:{key}")
        page.open_message(conversation_id, seq)

    def _set_admin_account(self, account: Account | None) -> None:
        if account is self.admin_account:
            return
        self.admin_account = account
        self._retire_admin_pages()
        if account is not None:
            self._add_admin_pages(account)

    def _retire_admin_pages(self) -> None:
        """Takes the admin pages out of the window, then stops and deletes them: their stop
        awaits their tasks, which must not find their widgets deleted under them."""
        old, self._admin_pages = self._admin_pages, []
        starting, self._admin_starts = self._admin_starts, []
        for task in starting:
            task.cancel()
        for key in ("dashboard", "people", "server"):
            self.window.take_page(key)
        for page in old:
            tasks.spawn(_stop_then_delete(page), name="admin-page-stop")

    def _add_admin_pages(self, account: Account) -> None:
        # Imported when an admin signs in: charts and tables are not needed to start.
        from ui.pages.dashboard import DashboardPage
        from ui.pages.people import PeoplePage
        from ui.pages.server import ServerPage

        chat = self.chats.get(f"{account.server_id}/{account.username}")
        # Live figures come over the account's chat connection (REST only while it is down).
        dashboard = DashboardPage(account, connection=chat.connection if chat else None)
        people = PeoplePage(account)
        server = ServerPage(account)
        self.window.add_page(
            "dashboard", QCoreApplication.translate("Shell", "Dashboard"), "chart", dashboard
        )
        self.window.add_page(
            "people", QCoreApplication.translate("Shell", "People"), "people", people
        )
        self.window.add_page(
            "server", QCoreApplication.translate("Shell", "Server"), "server", server
        )
        self._admin_pages = [dashboard, people, server]
        self._admin_starts = [
            tasks.spawn(page.start(), name=f"{type(page).__name__}-start", on_error=self.show_error)
            for page in self._admin_pages
        ]

    def _show_accounts(self) -> None:
        if self.home_page is None:
            return
        rows = [
            AccountRow(
                key=key,
                server_name=a.server_name,
                display_name=a.user.display_name,
                username=a.username,
                is_admin=a.user.role in (Role.OWNER, Role.ADMIN),
                remembered=a.remembered,
                two_factor=a.user.totp_enabled,
            )
            for key, a in sorted(self.accounts.items())
        ]
        self.home_page.show_accounts(rows)

    # -- slots -------------------------------------------------------------------------------

    def on_language_chosen(self, language: str) -> None:
        """Saves the language and redraws every page in it."""
        self.prefs = self.prefs.with_language(language)
        self.prefs_file.save(self.prefs)
        self._apply_preferences()

    def on_theme_chosen(self, theme: str) -> None:
        """Saves the theme and applies it at once."""
        self.prefs = self.prefs.with_theme(theme)
        self.prefs_file.save(self.prefs)
        self._apply_preferences()

    def on_notifications_chosen(self, sound: bool, text: bool) -> None:
        """Saves how new messages are announced (the notifier reads it at each message)."""
        self.prefs = self.prefs.with_notifications(sound=sound, text=text)
        self.prefs_file.save(self.prefs)

    def on_refresh_requested(self) -> None:
        """Looks for servers again."""
        if self.discovery is not None:
            self.discovery.known_addresses = self._known_addresses()
            tasks.spawn(
                self.discovery.refresh(), name="discovery-refresh", on_error=self.show_error
            )

    def on_entry_activated(self, entry: HomeEntry) -> None:
        """The main button of a home entry: set up, sign in or install."""
        tasks.spawn(self._activate(entry), name=f"entry-{entry.action}", on_error=self.show_error)

    async def _activate(self, entry: HomeEntry) -> None:
        address = Address(entry.host, entry.port)
        if entry.action is Action.INSTALL:
            await self.install(_target(entry.host, entry.port), title=entry.title)
        elif entry.action is Action.CLAIM:
            fingerprint = (
                entry.fingerprint or (await self.flows.fetch_certificate(address)).fingerprint
            )
            source = FingerprintSource.NETWORK if entry.fingerprint else FingerprintSource.FIRST_USE
            await self.claim(ClaimTarget(address, fingerprint, source, entry.title))
        elif entry.known and entry.server_id is not None:
            await self.sign_in_known(entry.server_id, entry.title)
        else:
            await self.sign_in_new(address, entry.fingerprint, entry.title)

    def on_address_entered(self, text: str) -> None:
        """An address typed by hand: find out what is there and offer the right next step."""
        try:
            host, port = parse_manual_address(text)
        except AddressError as exc:
            self._tell(QCoreApplication.translate("Shell", "Address"), str(exc))
            return
        tasks.spawn(self._connect_to(host, port), name="manual-address", on_error=self.show_error)

    async def _connect_to(self, host: str, port: int) -> None:
        address = Address(host, port)
        self.window.statusBar().showMessage(
            QCoreApplication.translate("Shell", "Connecting to {address}…").format(address=address)
        )
        try:
            try:
                cert = await self.flows.fetch_certificate(address)
            except Unreachable:
                # No Roost there; maybe a Pi that could have it.
                if await port_open(host, 22, 2.0):
                    await self.install(_target(host, 22), title=host)
                    return
                raise
            api, info = await self.flows.connect([address], cert.fingerprint)
            await api.close()
            # A server known here with another certificate is refused before anything is sent.
            self.servers.check_pin(info.server_id, cert.fingerprint)
        finally:
            self.window.statusBar().clearMessage()
        if info.state == "unclaimed":
            await self.claim(
                ClaimTarget(address, cert.fingerprint, FingerprintSource.FIRST_USE, info.name)
            )
            return
        known = self.servers.get(info.server_id)
        if known is None or known.fingerprint is None:
            trust = TrustDialog(
                name=info.name,
                address=str(address),
                fingerprint=cert.fingerprint,
                parent=self.window,
            )
            if not await run_dialog(trust):
                return
        await self.sign_in_new(address, cert.fingerprint, info.name)

    def on_join_requested(self, link: str) -> None:
        """Opens the join dialog (with the link, when the app was opened from one)."""
        dialog = JoinDialog(self.flows, link, parent=self.window)
        tasks.spawn(run_dialog(dialog), name="join")

    def on_invite_requested(self, key: str) -> None:
        """Makes an invite link on that account's server."""
        account = self.accounts.get(key)
        if account is not None:
            tasks.spawn(run_dialog(InviteDialog(account.api, parent=self.window)), name="invite")

    def on_sign_out_requested(self, key: str) -> None:
        """Signs that account out here and on the server."""
        account = self.accounts.get(key)
        if account is not None:
            tasks.spawn(account.logout(), name="sign-out", on_error=self.show_error)

    def on_change_password_requested(self, key: str) -> None:
        """Opens Change password for that account."""
        account = self.accounts.get(key)
        if account is not None:
            dialog = ChangePasswordDialog(account, parent=self.window)
            tasks.spawn(run_dialog(dialog), name="change-password")

    def on_trial_requested(self) -> None:
        """Starts the local trial server, then offers to set it up or sign in."""
        self.window.statusBar().showMessage(
            QCoreApplication.translate("Shell", "Starting Roost on this computer…")
        )
        tasks.spawn(self._trial(), name="trial", on_error=self.show_error)

    async def _trial(self) -> None:
        try:
            info = await self.trial.start()
        finally:
            self.window.statusBar().clearMessage()
        address = Address(info.host, info.port)
        if info.setup_code is not None:
            await self.claim(
                ClaimTarget(
                    address,
                    info.fingerprint,
                    FingerprintSource.TRIAL,
                    QCoreApplication.translate("Shell", "Roost on this computer"),
                    setup_code=info.setup_code,
                )
            )
        elif self.servers.get(info.server_id) is not None:
            await self.sign_in_known(
                info.server_id, QCoreApplication.translate("Shell", "Roost on this computer")
            )
        else:
            await self.sign_in_new(
                address,
                info.fingerprint,
                QCoreApplication.translate("Shell", "Roost on this computer"),
            )

    # -- flows -------------------------------------------------------------------------------

    async def install(self, target: Target, *, title: str) -> InstallResult | None:
        """Runs the install dialog; on success goes on to set the server up or sign in."""
        from ui.wizards.install import InstallDialog  # see _default_installer

        dialog = InstallDialog(
            self._installer_factory(self.paths), target, title=title, parent=self.window
        )
        if not await run_dialog(dialog) or dialog.outcome is None:
            return None
        result = dialog.outcome
        address = Address(result.host, result.port)
        if result.setup_code is not None:
            await self.claim(
                ClaimTarget(
                    address,
                    result.fingerprint,
                    FingerprintSource.INSTALLER,
                    title,
                    setup_code=result.setup_code,
                )
            )
        else:
            await self.sign_in_new(address, result.fingerprint, title)
        return result

    async def claim(self, target: ClaimTarget) -> Account | None:
        """Runs the claim wizard."""
        dialog = ClaimDialog(ClaimWizard(target, self.flows), parent=self.window)
        await run_dialog(dialog)
        self._show_accounts()  # two-step sign-in may have been turned on in the wizard
        return dialog.wizard.account

    async def sign_in_known(self, server_id: str, name: str) -> Account | None:
        """Signs in to a server used before (its pinned certificate only)."""
        known = self.servers.get(server_id)
        username = known.accounts[0].username if known and known.accounts else ""
        dialog = SignInDialog(
            self.flows.sign_in(server_id),
            server_name=name,
            keyring=self.flows.credentials.status(),
            username=username,
            parent=self.window,
        )
        await run_dialog(dialog)
        return dialog.account

    async def sign_in_new(
        self, address: Address, fingerprint: str | None, name: str
    ) -> Account | None:
        """Signs in to a server new to this app, pinned to ``fingerprint``."""
        dialog = SignInDialog(
            self.flows.sign_in(address=address, fingerprint=fingerprint),
            server_name=name,
            keyring=self.flows.credentials.status(),
            parent=self.window,
        )
        await run_dialog(dialog)
        return dialog.account

    def show_error(self, exc: BaseException, parent: QWidget | None = None) -> None:
        """The one place failures that no dialog owns reach the user, in plain words."""
        log.warning("error shown to the user: %s", exc, exc_info=exc)
        self._tell(
            QCoreApplication.translate("Shell", "Something went wrong"), explain(exc), parent
        )

    def _tell(self, title: str, text: str, parent: QWidget | None = None) -> None:
        # Opened, not exec'd: a nested event loop inside qasync's would stall its tasks.
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent or self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
