"""The running server's shared parts: settings, database, keys, identity and claim state."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from sqlalchemy import select

from server.backup.restore import apply_staged_blocking
from server.backup.service import Backups
from server.config import Settings
from server.datakey import (
    DataKey,
    load_or_create_blocking,
    make_key_check,
    verify_key_check,
)
from server.monitoring.counters import RecentEvents
from server.monitoring.logbuffer import RingBufferHandler
from server.monitoring.monitor import BackupStatusSource, Monitor, no_backup_schedule
from server.protocol.ws import CLOSE_SESSION_ENDED
from server.services.events import EventWriter
from server.services.files import Files
from server.services.hub import Hub
from server.services.memberships import Memberships
from server.services.ratelimit import Allowlist, SlidingWindow
from server.services.secrets import Passwords, human_code, random_id
from server.services.settings import ServerOptions
from server.services.tokens import TokenSigner
from server.storage import meta
from server.storage.aio import AsyncEngine
from server.storage.engine import (
    Checkpointer,
    create_engine,
    create_sync_engine,
    migrate,
    sqlite_url,
)
from server.storage.session_lookup import SessionLookup
from server.storage.tables import server_meta
from server.tls import ensure_self_signed_blocking, fingerprint_blocking

log = logging.getLogger(__name__)

SETUP_CODE_FILE = "setup-code"

State = Literal["unclaimed", "ready"]


def lan_addresses() -> list[str]:
    """Non-loopback IPv4 addresses of this host's interfaces."""
    import ifaddr  # a dependency of zeroconf; imported here to keep start-up light

    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and not ip.ip.startswith("127."):
                found.append(ip.ip)
    return found


def _join(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Runtime:
    """Opened once per process by ``open``; everything a request handler may need."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir.expanduser().resolve()
        self.engine: AsyncEngine  # for writes: each transaction takes the write lock
        self.reader: AsyncEngine  # for reads: never blocks, never blocks anyone
        self.data_key: DataKey
        self.tokens: TokenSigner
        self.passwords: Passwords
        self.server_id = ""
        self.name = ""
        self.state: State = "unclaimed"
        self.cert_path: Path | None = None
        self.key_path: Path | None = None
        self.fingerprint: str | None = None
        self.allowlist = Allowlist(settings.login_allowlist)
        self.address_failures = SlidingWindow(
            settings.address_failures_per_window, settings.address_window_s
        )
        self.claim_failures = SlidingWindow(5, 600)
        self._state_listeners: list[Callable[[], None]] = []
        self.bound_port: int = settings.port
        self.memberships = Memberships()
        self.hub = Hub(
            self.memberships, presence=settings.presence_enabled, typing=settings.typing_enabled
        )
        self.writer: EventWriter | None = None
        self.checkpointer: Checkpointer | None = None
        self.files: Files | None = None
        # Failed sign-ins, counted by the accounts service, for the failed-logins alert.
        self.login_failures = RecentEvents(settings.alert_failed_logins_window_s)
        self.monitor: Monitor | None = None
        # The backup service sets this to its own: when the last backup finished and how often
        # the schedule runs (server/monitoring/alerts.py BackupStatus), for the overdue alert.
        self.backup_status: BackupStatusSource = no_backup_schedule
        # The server's recent log lines for the admin API (server/monitoring/logbuffer.py).
        self.log_buffer = RingBufferHandler(settings.log_buffer_lines)
        self.options = ServerOptions(self)  # settings admins change while it runs
        self.backups = Backups(self)
        self.backup_status = self.backups.status

    @property
    def setup_code_path(self) -> Path:
        return self.data_dir / SETUP_CODE_FILE

    async def open(self, *, serving: bool = True) -> None:
        """Create or open the data directory, check the key, migrate, load identity.

        Args:
            serving: also prepare the certificate and the setup code (the CLI's maintenance
                commands pass False).

        Raises:
            DataKeyError: the key file is missing or belongs to other data.
        """
        s = self.settings
        # A restore staged over the API replaces the data now, before anything opens it.
        moved = await asyncio.to_thread(
            apply_staged_blocking, self.data_dir, s.key_file.expanduser()
        )
        if moved is not None:
            log.warning("restored a backup; the data it replaced was moved to %s", moved)
        await asyncio.to_thread(self.data_dir.mkdir, mode=0o700, parents=True, exist_ok=True)
        db_file = self.data_dir / "roost.db"
        is_new = not db_file.exists()
        self.data_key = await asyncio.to_thread(
            load_or_create_blocking, s.key_file, may_create=is_new
        )
        self.engine = create_engine(sqlite_url(self.data_dir))
        self.reader = create_engine(sqlite_url(self.data_dir), immediate=False)
        self.session_lookup = SessionLookup(
            create_sync_engine(sqlite_url(self.data_dir, sync=True))
        )
        await migrate(self.engine)
        await self._load_identity()
        await self.options.load()  # may change self.settings: read it afresh below
        s = self.settings
        self.tokens = TokenSigner(
            self.data_key.derive("roost access tokens v1"), s.access_token_ttl_s
        )
        self.passwords = Passwords(
            time_cost=s.argon2_time_cost,
            memory_kib=s.argon2_memory_kib,
            parallelism=s.argon2_parallelism,
            max_concurrency=s.argon2_max_concurrency,
        )
        if not serving:
            return
        logging.getLogger("server").addHandler(self.log_buffer)
        self.checkpointer = Checkpointer(self.data_dir / "roost.db")
        self.checkpointer.start()
        await self.memberships.load(self.engine)
        self.writer = EventWriter(
            create_sync_engine(sqlite_url(self.data_dir, sync=True)), self.data_key, self.hub
        )
        self.writer.start()
        self.files = Files(s, self.data_dir, self.engine, self.reader, self.data_key)
        await self.files.open()
        self.files.start()
        self.options.start()
        self.backups.start()
        # Imported here: the chat service imports this module.
        from server.services.alert_messages import AlertMessages
        from server.services.chat import Chat

        alert_messages = AlertMessages(self, Chat(self, self.memberships, self.hub, self.writer))
        self.monitor = Monitor(
            s,
            data_dir=self.data_dir,
            engine=self.engine,
            reader=self.reader,
            hub=self.hub,
            login_failures=self.login_failures,
            backup_status=lambda: self.backup_status(),
            on_alerts=alert_messages.post,
        )
        await self.monitor.open()
        self.monitor.start()
        if not s.insecure_http:
            if s.tls_cert is not None and s.tls_key is not None:
                cert, key = s.tls_cert, s.tls_key
            else:
                cert, key = await asyncio.to_thread(
                    ensure_self_signed_blocking, self.data_dir, self.name
                )
            self.cert_path, self.key_path = cert, key
            self.fingerprint = await asyncio.to_thread(fingerprint_blocking, cert)
        if self.state == "unclaimed":
            await asyncio.to_thread(self._ensure_setup_code_blocking)

    async def _load_identity(self) -> None:
        async with self.engine.begin() as conn:
            values = dict(
                (await conn.execute(select(server_meta.c.key, server_meta.c.value))).all()
            )
            if "server_id" not in values:
                values = {
                    "server_id": random_id(),
                    "name": f"Roost on {socket.gethostname() or 'this computer'}"[:64],
                    "state": "unclaimed",
                    "key_check": make_key_check(self.data_key),
                }
                await meta.put_many_txn(conn, values)
        verify_key_check(self.data_key, values["key_check"], self.settings.key_file, self.data_dir)
        self.server_id = values["server_id"]
        self.name = values["name"]
        self.state = "ready" if values["state"] == "ready" else "unclaimed"

    def _ensure_setup_code_blocking(self) -> None:
        path = self.setup_code_path
        if path.exists():
            return
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(human_code() + "\n")

    def read_setup_code_blocking(self) -> str | None:
        try:
            return self.setup_code_path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None

    def mark_claimed(self, name: str) -> None:
        self.name = name
        self.state = "ready"
        self.setup_code_path.unlink(missing_ok=True)
        for listener in list(self._state_listeners):
            listener()

    def sessions_ended(
        self, user_id: int, *, only: str | None = None, keep: str | None = None
    ) -> None:
        """Disconnect live connections of sessions just revoked (call after the commit)."""
        self.hub.end_sessions(
            user_id, only=only, keep=keep, code=CLOSE_SESSION_ENDED, reason="signed out"
        )

    def public_addresses(self) -> list[str]:
        """host:port pairs a client on the LAN can reach, for invite links."""
        if self.settings.public_addresses:
            return list(self.settings.public_addresses)
        host = self.settings.host
        if host not in ("0.0.0.0", "::"):  # noqa: S104 - comparing, not binding
            return [_join(host, self.bound_port)]
        addrs = [f"{socket.gethostname()}.local:{self.bound_port}"]
        addrs.extend(_join(ip, self.bound_port) for ip in lan_addresses())
        return addrs

    def on_state_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` when the name or state changes; returns the unsubscribe function."""
        self._state_listeners.append(listener)
        return lambda: self._state_listeners.remove(listener)

    def renamed(self, name: str) -> None:
        """The name was changed (after the commit): tell those who advertise it."""
        self.name = name
        for listener in list(self._state_listeners):
            listener()

    async def close(self) -> None:
        await self.backups.stop()
        await self.options.stop()
        if self.monitor is not None:
            await self.monitor.stop()
            self.monitor = None
        logging.getLogger("server").removeHandler(self.log_buffer)
        if self.files is not None:
            await self.files.stop()
            self.files = None
        if self.writer is not None:
            await self.writer.stop()
            self.writer = None
        if self.checkpointer is not None:
            await self.checkpointer.stop()
            self.checkpointer = None
        if hasattr(self, "passwords"):
            self.passwords.close()
        if hasattr(self, "session_lookup"):
            await self.session_lookup.close()
        if hasattr(self, "reader"):
            await self.reader.dispose()
        if hasattr(self, "engine"):
            await self.engine.dispose()
