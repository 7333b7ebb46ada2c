"""Running the server: bind, TLS, uvicorn, mDNS, and a clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.server import ServerState

from server.config import Settings
from server.http.app import Services, create_app, create_services
from server.http.raw_body import RawBodyProtocol
from server.protocol.ws import CLOSE_SHUTDOWN
from server.runtime import Runtime
from server.storage.accounts import valid_sessions_txn
from server.tls import format_fingerprint, server_context
from server.tls_read_buffer import share_tls_read_buffers
from server.ws import handlers  # noqa: F401 - registers the commands
from server.ws.connection import Connection
from server.ws.endpoint import Endpoint

if TYPE_CHECKING:
    from server.discovery import Advertiser

log = logging.getLogger("server")

# asyncio would give every TLS connection a 256 KiB receive buffer of its own (see the module).
share_tls_read_buffers()

SWEEP_EVERY_S = 15.0


class _Uvicorn(uvicorn.Server):
    """uvicorn re-raises a caught SIGTERM after shutting down, which ends the process with
    status 143; systemd and shells read that as a crash. We stop and exit 0 instead, and
    leave signals alone entirely when embedded (tests, the desktop app's bundled server)."""

    def __init__(self, config: uvicorn.Config, handle_signals: bool) -> None:
        super().__init__(config)
        self._handle_signals = handle_signals

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if not self._handle_signals:
            yield
            return
        import signal

        # Through the event loop, never signal.signal: a Python-level handler runs between
        # any two bytecodes of the main thread, and logging from there deadlocked on a log
        # handler's lock that the interrupted code held (a server that ignored SIGTERM).
        loop = asyncio.get_running_loop()

        def stop(sig: signal.Signals) -> None:
            log.info("received %s, shutting down", sig.name)
            self.should_exit = True

        sigs = (signal.SIGINT, signal.SIGTERM)
        for s in sigs:
            loop.add_signal_handler(s, stop, s)
        try:
            yield
        finally:
            for s in sigs:
                loop.remove_signal_handler(s)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every response (headers, then body) waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _ws_hard_cap(settings: Settings) -> int:
    """Frames above ws_max_frame_bytes get an error result; only beyond this cap does the
    WebSocket layer close the connection (1009) without reading the frame."""
    return max(1 << 20, settings.ws_max_frame_bytes * 4)


def _websocket_factory(rt: Runtime, svc: Services) -> Callable[..., Endpoint]:
    s = rt.settings

    def start(wire: Endpoint) -> Connection:
        return Connection(
            wire,
            accounts=svc.accounts,
            chat=svc.chat,
            hub=rt.hub,
            auth_timeout_s=s.ws_auth_timeout_s,
            queue_limit=s.ws_queue_frames,
            max_frame_bytes=s.ws_max_frame_bytes,
        )

    def endpoint(config: object, server_state: ServerState, app_state: object) -> Endpoint:
        return Endpoint(server_state.connections, start, max_size=_ws_hard_cap(s))

    return endpoint


class RoostServer:
    """One server process's life: ``start`` returns once it accepts connections."""

    def __init__(
        self, settings: Settings, *, handle_signals: bool = False, mdns: bool | None = None
    ) -> None:
        self.settings = settings
        self.rt = Runtime(settings)
        self.handle_signals = handle_signals
        self.mdns = settings.mdns if mdns is None else mdns
        self._server: _Uvicorn | None = None
        self._task: asyncio.Task[None] | None = None
        self._advertiser: Advertiser | None = None
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def scheme(self) -> str:
        return "http" if self.settings.insecure_http else "https"

    @property
    def base_url(self) -> str:
        host = self.settings.host
        if host in ("0.0.0.0", "::"):  # noqa: S104 - comparing, not binding
            host = "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"{self.scheme}://{host}:{self.rt.bound_port}"

    async def start(self) -> None:
        rt = self.rt
        try:
            await rt.open()
            sock = _bind(self.settings.host, self.settings.port)
        except BaseException:
            await rt.close()
            raise
        rt.bound_port = sock.getsockname()[1]
        ssl_factory: Callable[..., object] | None = None
        if rt.cert_path is not None and rt.key_path is not None:
            cert, key = rt.cert_path, rt.key_path
            ssl_factory = lambda _cfg, _default: server_context(cert, key)  # noqa: E731
        svc = create_services(rt)
        config = uvicorn.Config(
            create_app(rt, svc),
            log_config=None,
            access_log=self.settings.log_level == "debug",
            proxy_headers=self.settings.insecure_http,  # trust X-Forwarded-For only behind a proxy
            server_header=False,
            # Our own WebSocket protocol takes over the upgraded connection (its module says why).
            ws=_websocket_factory(rt, svc),  # type: ignore[arg-type]
            # httptools as uvicorn's default, but upload chunks can skip the ASGI body messages
            http=RawBodyProtocol,
            ssl_context_factory=ssl_factory,  # type: ignore[arg-type]
            # Idle TLS keep-alive clients never answer close_notify; don't wait long for them.
            timeout_graceful_shutdown=3,
            lifespan="off",
        )
        self._server = _Uvicorn(config, self.handle_signals)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="uvicorn")
        while not self._server.started:
            if self._task.done():
                await self._task  # surfaces the start-up error
                raise RuntimeError("the server stopped while starting")
            await asyncio.sleep(0.01)
        self._log_banner()
        self._sweeper = asyncio.create_task(self._sweep_sessions(), name="session-sweeper")
        if self.mdns:
            # Imported here: zeroconf is about 3 MiB of a server that runs with --no-mdns.
            from server.discovery import Advertiser

            self._advertiser = Advertiser(rt, self.settings.mdns_interfaces)
            try:
                await self._advertiser.start()
            except OSError as exc:
                # Discovery is a convenience: a box without multicast still serves by address.
                log.warning("mDNS advertising is off: %s", exc)
                self._advertiser = None

    async def _sweep_sessions(self) -> None:
        """Revocations made in this process disconnect at once; this catches the rest (the
        console's reset-password, another node) within SWEEP_EVERY_S."""
        rt = self.rt
        while True:
            await asyncio.sleep(SWEEP_EVERY_S)
            live = rt.hub.sessions()
            if not live:
                continue
            try:
                async with rt.reader.connect() as conn:
                    valid = await valid_sessions_txn(conn, list(live), time.time())
            except Exception:  # a busy database must not end the sweeper
                log.exception("session sweep failed")
                continue
            for session_id, user_id in live.items():
                if session_id not in valid:
                    rt.sessions_ended(user_id, only=session_id)

    def _log_banner(self) -> None:
        rt = self.rt
        log.info("Roost %r listening on %s", rt.name, self.base_url)
        if rt.fingerprint:
            log.info("certificate fingerprint (SHA-256): %s", format_fingerprint(rt.fingerprint))
        else:
            log.warning("serving plain HTTP: only safe behind a TLS reverse proxy on this host")
        if rt.state == "unclaimed":
            code = rt.read_setup_code_blocking()
            log.info(
                "this server is unclaimed; setup code: %s (also in %s)", code, rt.setup_code_path
            )

    async def wait(self) -> None:
        """Until the server stops (a signal, or ``stop``)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if self._advertiser is not None:
            await self._advertiser.stop()
            self._advertiser = None
        try:
            if self._server is not None and self._task is not None:
                self.rt.hub.end_all(CLOSE_SHUTDOWN, "server shutting down")
                self._server.should_exit = True
                try:
                    await self._task
                except Exception:
                    # uvicorn's shutdown can trip over a client that was closing at that very
                    # moment (websockets' InvalidState); what is committed is safe either way,
                    # and the database must still be closed cleanly below.
                    log.exception("the web server did not stop cleanly")
                self._server = None
        finally:
            await self.rt.close()
        log.info("stopped")

    async def run(self) -> None:
        """Start, serve until told to stop, and clean up (the CLI's ``run``)."""
        try:
            await self.start()
            await self.wait()
        finally:
            await self.stop()
