"""The smallest Python WebSocket fan-out server that speaks the part of Roost's protocol W-chat
uses (auth, sync, conversation/create_group, message/send), optionally storing every message in
SQLite with group commit before acknowledging it. No accounts, no checks, no encryption: the
limit a Python server can reach on this machine, measured in the same run as Roost.

    python -m bench.reference.fanout --port 9000 --cert C --key K [--sqlite PATH]

It is an asyncio protocol with its own framing (bench/wsframe.py), not the ``websockets``
library: a library costs tens of microseconds per frame, and a reference that is slower than it
needs to be would flatter every ratio. Each event frame is encoded once and written to every
recipient's transport as it is. A token is accepted as is; ``u<N>`` is user N.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from bench import wsframe

Pending = tuple[int, int, int, "Peer", dict[str, Any]]  # user, conv, seq, sender, cmd


class Store:
    """Group commit: every message waiting when a commit starts goes into that commit."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS events (conv INTEGER, seq INTEGER, sender INTEGER, "
            "body TEXT, PRIMARY KEY (conv, seq))"
        )
        self.thread = ThreadPoolExecutor(1)
        self.queue: list[Pending] = []
        self.wake = asyncio.Event()

    def commit_blocking(self, rows: list[tuple[int, int, int, str]]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
        self.db.execute("COMMIT")


class Server:
    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.groups: dict[int, list[int]] = {}
        self.seqs: dict[int, int] = {}
        self.online: dict[int, set[Peer]] = {}

    def command(self, peer: Peer, cmd: dict[str, Any]) -> None:
        kind = cmd["type"]
        if kind == "message/send":
            conv = cmd["conversation_id"]
            seq = self.seqs[conv] = self.seqs.get(conv, 0) + 1
            if self.store is None:
                self.deliver(peer.user, peer, conv, seq, cmd)
            else:
                self.store.queue.append((peer.user, conv, seq, peer, cmd))
                self.store.wake.set()
        elif kind == "conversation/create_group":
            conv = len(self.groups) + 1
            self.groups[conv] = [peer.user, *cmd["member_ids"]]
            peer.send(result(cmd["id"], {"id": conv}))
        else:  # sync, ping
            peer.send(result(cmd["id"], {"conversations": []}))

    def deliver(self, user: int, sender: Peer, conv: int, seq: int, cmd: dict[str, Any]) -> None:
        event = {
            "type": "event",
            "event": {
                "conversation_id": conv,
                "seq": seq,
                "kind": "message",
                "sender_id": user,
                "content": {"text": cmd["text"]},
            },
        }
        frame = wsframe.server_frame(orjson.dumps(event))
        for member in self.groups[conv]:
            for peer in self.online.get(member, ()):
                if peer is not sender:
                    peer.write(frame)
        sender.send(result(cmd["id"], {"conversation_id": conv, "seq": seq}))

    async def committer(self) -> None:
        assert self.store is not None
        store, loop = self.store, asyncio.get_running_loop()
        while True:
            await store.wake.wait()
            store.wake.clear()
            batch, store.queue = store.queue, []
            if not batch:
                continue
            rows = [(conv, seq, user, cmd["text"]) for user, conv, seq, _peer, cmd in batch]
            await loop.run_in_executor(store.thread, store.commit_blocking, rows)
            for user, conv, seq, peer, cmd in batch:
                self.deliver(user, peer, conv, seq, cmd)


def result(cmd_id: int, body: dict[str, Any]) -> bytes:
    return orjson.dumps({"id": cmd_id, "type": "result", "success": True, "result": body})


class Peer(asyncio.Protocol):
    """One client: the upgrade, then frames in and out."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded = False
        self.user = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def write(self, frame: bytes) -> None:
        assert self.transport is not None
        if not self.transport.is_closing():
            self.transport.write(frame)

    def send(self, payload: bytes) -> None:
        self.write(wsframe.server_frame(payload))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.upgraded and not self.upgrade():
            return
        try:
            frames = wsframe.split(self.buf)
        except wsframe.ProtocolError:
            self.close()
            return
        for opcode, payload in frames:
            if opcode == wsframe.TEXT:
                cmd = orjson.loads(payload)
                if self.user:
                    self.server.command(self, cmd)
                else:
                    self.authenticate(cmd)
            elif opcode == wsframe.PING:
                self.write(wsframe.server_frame(payload, wsframe.PONG))
            elif opcode == wsframe.CLOSE:
                self.write(wsframe.server_frame(payload[:2], wsframe.CLOSE))
                self.close()

    def upgrade(self) -> bool:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return False
        key = b""
        for line in bytes(self.buf[:end]).split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"sec-websocket-key":
                key = value.strip()
        del self.buf[: end + 4]
        assert self.transport is not None
        if not key:
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            self.close()
            return False
        self.transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + wsframe.accept_key(key) + b"\r\n\r\n"
        )
        self.send(b'{"type":"auth_required"}')
        self.upgraded = True
        return True

    def authenticate(self, cmd: dict[str, Any]) -> None:
        self.user = int(str(cmd["access_token"]).lstrip("u"))
        self.send(orjson.dumps({"type": "auth_ok", "user_id": self.user, "session_id": "x"}))
        self.server.online.setdefault(self.user, set()).add(self)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.user:
            self.server.online[self.user].discard(self)


async def main_async(port: int, cert: str | None, key: str | None, sqlite_path: str | None) -> None:
    ctx: ssl.SSLContext | None = None
    if cert and key:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        # As Roost's server context (server/tls.py): no session tickets, which no client here
        # uses, so a handshake costs both servers (and the generator) the same.
        ctx.num_tickets = 0
        ctx.options |= ssl.OP_NO_TICKET
    server = Server(Store(sqlite_path) if sqlite_path else None)
    loop = asyncio.get_running_loop()
    committer = loop.create_task(server.committer()) if server.store is not None else None
    listener = await loop.create_server(lambda: Peer(server), "127.0.0.1", port, ssl=ctx)
    async with listener:
        scheme = "https" if ctx else "http"
        print(f"listening on {scheme}://127.0.0.1:{port} at {time.time()}", flush=True)
        await asyncio.Future()
    del committer


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", help="TLS certificate (plain WebSocket without)")
    p.add_argument("--key")
    p.add_argument("--sqlite")
    a = p.parse_args()
    asyncio.run(main_async(a.port, a.cert, a.key, a.sqlite))


if __name__ == "__main__":
    main()
