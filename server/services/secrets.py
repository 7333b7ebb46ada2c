"""Random tokens, their stored hashes, and the argon2id password hasher with bounded concurrency."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# Crockford-like alphabet without look-alikes (0/O, 1/I/L): codes are read aloud and typed by hand.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def random_id() -> str:
    return secrets.token_hex(12)


def human_code(groups: int = 3, size: int = 4) -> str:
    """A code such as ``K7QM-2XPA-RT9C`` for a person to read out or type."""
    return "-".join(
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(size)) for _ in range(groups)
    )


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def token_hash(token: str) -> str:
    """High-entropy tokens need no slow hash: SHA-256 stops a database leak from being a login."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# The hashing threads' nice value: the lowest priority there is.
HASHING_NICE = 19


def _lower_this_threads_priority() -> None:
    """Runs first on every hashing thread. argon2 is CPU-bound, and with parallelism 4 each hash
    runs four threads of its own (they inherit this thread's priority): at the same priority
    as the event loop they took 8 of every 9 slices of a core in a login storm, and chat on a
    Pi's busy core stalled for seconds (roost-bench W-login). At the lowest priority, hashing
    gets what the event loop leaves, so a storm slows logins, not chat. Linux only; elsewhere
    hashing keeps the normal priority."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICE)
    # And below every normal thread: SCHED_IDLE runs only when nothing else wants the core, so
    # the event loop never waits for a hashing thread's time slice to end. Allowed without
    # privileges; nice stays for kernels without it.
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity: a server pinned to one core has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def hashing_slots(max_concurrency: int, parallelism: int, cpus: int) -> int:
    """How many hashes run at once: ``max_concurrency``, but no more than the CPUs can run side
    by side, each hash taking ``parallelism`` of them (one on a Pi: a hash with 4 lanes fills
    its 4 cores). A second hash on CPUs that are already full gains no logins per second, costs
    its memory, and starves the chat: all hashing threads run as SCHED_IDLE, so a hashing thread
    that holds the GIL (a moment before and after each hash) waits for its turn behind the other
    hash's threads while the event loop waits for the GIL (W-login: chat p99 during a storm
    15.3-16.2 ms with two at once on one core, 10.4-10.7 with one; logins/s the same)."""
    return max(1, min(max_concurrency, cpus // parallelism))


class Passwords:
    """argon2id on worker threads of the lowest priority, at most ``hashing_slots`` at once
    (each takes ``memory_kib`` of RAM)."""

    MIN_LENGTH = 8

    def __init__(
        self, *, time_cost: int, memory_kib: int, parallelism: int, max_concurrency: int
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self.concurrency = hashing_slots(max_concurrency, parallelism, usable_cpus())
        self._slots = asyncio.Semaphore(self.concurrency)
        self._threads = ThreadPoolExecutor(
            self.concurrency,
            thread_name_prefix="argon2",
            initializer=_lower_this_threads_priority,
        )
        # Verifying against this keeps the time of "no such user" equal to "wrong password".
        self._dummy = self._hasher.hash(random_token())

    async def hash(self, password: str) -> str:
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._threads, self._verify_blocking, stored, password
            )

    def close(self) -> None:
        """Lets the hashing threads end (a hash in progress finishes first)."""
        self._threads.shutdown(wait=False)

    def _verify_blocking(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False
