"""One TLS receive buffer per event-loop thread instead of one per connection.

WORKAROUND: https://github.com/python/cpython/issues/109534 - asyncio's ``SSLProtocol`` gives
every TLS connection its own 256 KiB receive buffer for the ciphertext read from the socket.
Capping it at 32 KiB (what Roost did before) still left 32 KiB per idle connection, a third of
all the memory a connected user cost (roost-bench W-idle). The buffer only ever holds one read,
and ``buffer_updated`` copies it into the connection's ``MemoryBIO`` before anything else can run
on that loop, so every connection of one thread can read into the same buffer.
"""

from __future__ import annotations

import asyncio.sslproto
import threading
from typing import Any

# A read from the socket takes at most this much ciphertext (asyncio's own default).
READ_SIZE = 256 * 1024
# Plaintext is taken from OpenSSL in pieces of at most this size: one TLS record's worth.
# It is also what ``SSLProtocol.__init__`` allocates before the shared buffer replaces it.
PLAINTEXT_CHUNK = 16 * 1024


class _PerThread(threading.local):
    def __init__(self) -> None:
        self.buffer = bytearray(READ_SIZE)
        self.view = memoryview(self.buffer)


_shared: _PerThread | None = None


def share_tls_read_buffers() -> None:
    """From now on, TLS connections made by asyncio in this process read into their thread's
    shared buffer. Idempotent."""
    global _shared
    if _shared is not None:
        return
    _shared = _PerThread()
    protocol: Any = asyncio.sslproto.SSLProtocol
    original_init = protocol.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        assert _shared is not None
        self._ssl_buffer = _shared.buffer
        self._ssl_buffer_view = _shared.view

    protocol.max_size = PLAINTEXT_CHUNK
    protocol.__init__ = __init__
