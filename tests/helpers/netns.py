"""Network namespaces for tests: two "hosts" joined by a veth pair, and event loops that run
inside a namespace, so real mDNS and TCP traffic never leaves the test's own little network.

``two_hosts()`` makes namespaces A and B with link-local addresses ``169.254.N.1`` (A) and
``.2`` (B). A process enters one with ``ip netns exec`` (``TwoHosts.in_a()``); in-process code
runs on a ``NamespaceLoop``: a thread that has switched its own network namespace (``setns``
acts on the calling thread only) and runs an asyncio loop there. Every socket that loop or its
executor threads open belongs to that namespace; the rest of the test process is unaffected.
Needs root and iproute2 (mark tests ``needs_root``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import itertools
import os
import subprocess
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"
_serial = itertools.count()


def ip(*args: str) -> None:
    """Run one ``ip`` command, failing loudly."""
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@dataclass(frozen=True)
class TwoHosts:
    """Two namespaces and the veth pair between them.

    Attributes:
        a: namespace A's name. b: namespace B's name.
        veth_a: A's end of the pair. veth_b: B's end.
        subnet: the /24 prefix, e.g. ``169.254.77``.
        ip_a: A's address (``subnet.1``). ip_b: B's address (``subnet.2``).
    """

    a: str
    b: str
    veth_a: str
    veth_b: str
    subnet: str
    ip_a: str
    ip_b: str

    def in_a(self) -> list[str]:
        """The command prefix that runs a program in A."""
        return ["ip", "netns", "exec", self.a]

    def in_b(self) -> list[str]:
        """The command prefix that runs a program in B."""
        return ["ip", "netns", "exec", self.b]

    def add_address_a(self, host: int) -> str:
        """Give A's interface one more address, ``subnet.host``, and return it (a second
        "machine" behind the same link, for tests that need two hosts in A)."""
        addr = f"{self.subnet}.{host}"
        ip("-n", self.a, "addr", "add", f"{addr}/24", "dev", self.veth_a)
        return addr


def _namespaces() -> set[str]:
    listed = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    return {line.split()[0] for line in listed.splitlines() if line.strip()}


@contextlib.contextmanager
def two_hosts() -> Iterator[TwoHosts]:
    """Namespaces A and B, a veth pair between them, ``169.254.N.1/24`` and ``.2/24``. Names
    carry the PID (and a serial) so that parallel runs never share one; all of it goes away
    at the end, which is checked."""
    pid, n = os.getpid(), next(_serial)
    a, b = f"roostA{pid}-{n}", f"roostB{pid}-{n}"
    veth_a, veth_b = f"rva{pid}{n}", f"rvb{pid}{n}"  # interface names are at most 15 bytes
    subnet = f"169.254.{1 + (pid + n) % 253}"
    hosts = TwoHosts(a, b, veth_a, veth_b, subnet, f"{subnet}.1", f"{subnet}.2")
    try:
        ip("netns", "add", a)
        ip("netns", "add", b)
        ip("link", "add", veth_a, "type", "veth", "peer", "name", veth_b)
        for ns, dev, addr in ((a, veth_a, hosts.ip_a), (b, veth_b, hosts.ip_b)):
            ip("link", "set", dev, "netns", ns)
            ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", ns, "link", "set", dev, "up")
        yield hosts
    finally:
        # Deleting a namespace destroys its end of the veth pair, and with it the peer; the
        # link delete covers a failure between creating the pair and moving it.
        for args in (("netns", "del", a), ("netns", "del", b), ("link", "del", veth_a)):
            subprocess.run(["ip", *args], capture_output=True, timeout=10, check=False)
    assert not {a, b} & _namespaces()


@contextlib.contextmanager
def loopback_only() -> Iterator[str]:
    """A namespace with nothing but ``lo`` (up): the host's loopback semantics with no route
    to any real network. Yields its name."""
    name = f"roostL{os.getpid()}-{next(_serial)}"
    try:
        ip("netns", "add", name)
        ip("-n", name, "link", "set", "lo", "up")
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10, check=False)
    assert name not in _namespaces()


def _enter_namespace(name: str) -> None:
    """Move the calling thread (only) into network namespace ``name``."""
    fd = os.open(os.path.join(NETNS_DIR, name), os.O_RDONLY | os.O_CLOEXEC)
    try:
        _setns_fd(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def thread_in_namespace(name: str) -> Iterator[None]:
    """Moves the calling thread into ``name`` for the block, then back where it was.

    Sockets opened inside the block stay in ``name`` afterwards: this is how a test puts the
    app's own (GUI-thread) mDNS sockets on a namespace's link.
    """
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        _enter_namespace(name)
        try:
            yield
        finally:
            _setns_fd(home)
    finally:
        os.close(home)


def _setns_fd(fd: int) -> None:
    if hasattr(os, "setns"):  # Python 3.12+
        os.setns(fd, CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


class NamespaceLoop:
    """An asyncio event loop on its own thread inside network namespace ``name``.

    Use as a context manager; ``run(coro)`` runs a coroutine there and returns its result.
    Exceptions that escape tasks on that loop are collected and fail the test at exit.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop = asyncio.new_event_loop()
        self.loop_errors: list[str] = []
        self._ready = threading.Event()
        self._failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._main, name=f"netns-{name}", daemon=True)

    def _on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.loop_errors.append(str(context.get("exception") or context.get("message")))
        loop.default_exception_handler(context)

    def _main(self) -> None:
        try:
            _enter_namespace(self.name)
        except BaseException as exc:  # handed to the test thread
            self._failure.append(exc)
            self._ready.set()
            return
        asyncio.set_event_loop(self.loop)
        self.loop.set_exception_handler(self._on_loop_error)
        self._ready.set()
        try:
            self.loop.run_forever()
            # Anything the test left running is cancelled, so nothing outlives the namespace.
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        finally:
            self.loop.close()

    def __enter__(self) -> NamespaceLoop:
        self._thread.start()
        self._ready.wait(10)
        if self._failure:
            raise self._failure[0]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        assert not self._thread.is_alive(), f"the loop in {self.name} did not stop"
        if exc_type is None:
            assert not self.loop_errors, f"unhandled errors on the loop in {self.name}"

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run ``coro`` on this loop and wait (at most ``timeout`` seconds) for its result."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise AssertionError(f"{coro!r} did not finish within {timeout:g}s") from None
