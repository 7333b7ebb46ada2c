"""The smallest Python WebSocket fan-out server that speaks the part of Roost's protocol W-chat
uses (auth, sync, conversation/create_group, message/send), optionally storing every message in
SQLite with group commit before acknowledging it. No accounts, no checks, no encryption: the
limit a Python server can reach on this machine, measured in the same run as Roost.

    python -m bench.reference.fanout --port 9000 --cert C --key K [--sqlite PATH]

A token is accepted as is; ``u<N>`` is user N.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

Pending = tuple[int, int, int, ServerConnection, dict[str, Any]]  # user, conv, seq, ws, cmd


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"))


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
        self.online: dict[int, set[ServerConnection]] = {}

    async def handle(self, ws: ServerConnection) -> None:
        await ws.send(json.dumps({"type": "auth_required"}))
        auth = json.loads(await ws.recv())
        user = int(auth["access_token"].lstrip("u"))
        await ws.send(json.dumps({"type": "auth_ok", "user_id": user, "session_id": "x"}))
        self.online.setdefault(user, set()).add(ws)
        try:
            async for raw in ws:
                cmd = json.loads(raw)
                kind = cmd["type"]
                if kind == "message/send":
                    await self.send(user, ws, cmd)
                elif kind == "conversation/create_group":
                    conv = len(self.groups) + 1
                    self.groups[conv] = [user, *cmd["member_ids"]]
                    await ws.send(self.result(cmd["id"], {"id": conv}))
                else:  # sync, ping
                    await ws.send(self.result(cmd["id"], {"conversations": []}))
        finally:
            self.online[user].discard(ws)

    @staticmethod
    def result(cmd_id: int, result: dict[str, Any]) -> str:
        return _dumps({"id": cmd_id, "type": "result", "success": True, "result": result})

    async def send(self, user: int, ws: ServerConnection, cmd: dict[str, Any]) -> None:
        conv = cmd["conversation_id"]
        seq = self.seqs[conv] = self.seqs.get(conv, 0) + 1
        if self.store is None:
            self.deliver(user, ws, conv, seq, cmd)
            return
        self.store.queue.append((user, conv, seq, ws, cmd))
        self.store.wake.set()

    def deliver(
        self, user: int, ws: ServerConnection, conv: int, seq: int, cmd: dict[str, Any]
    ) -> None:
        frame = _dumps(
            {
                "type": "event",
                "event": {
                    "conversation_id": conv,
                    "seq": seq,
                    "kind": "message",
                    "sender_id": user,
                    "content": {"text": cmd["text"]},
                },
            }
        )
        for member in self.groups[conv]:
            for peer in self.online.get(member, ()):
                if peer is not ws:
                    asyncio.ensure_future(peer.send(frame))  # noqa: RUF006 - fire and forget
        asyncio.ensure_future(  # noqa: RUF006
            ws.send(self.result(cmd["id"], {"conversation_id": conv, "seq": seq}))
        )

    async def committer(self) -> None:
        assert self.store is not None
        store, loop = self.store, asyncio.get_running_loop()
        while True:
            await store.wake.wait()
            store.wake.clear()
            batch, store.queue = store.queue, []
            if not batch:
                continue
            rows = [(conv, seq, user, cmd["text"]) for user, conv, seq, _ws, cmd in batch]
            await loop.run_in_executor(store.thread, store.commit_blocking, rows)
            for user, conv, seq, ws, cmd in batch:
                self.deliver(user, ws, conv, seq, cmd)


async def main_async(port: int, cert: str | None, key: str | None, sqlite_path: str | None) -> None:
    ctx: ssl.SSLContext | None = None
    if cert and key:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
    server = Server(Store(sqlite_path) if sqlite_path else None)
    if server.store is not None:
        asyncio.get_running_loop().create_task(server.committer())
    async with serve(server.handle, "127.0.0.1", port, ssl=ctx, max_size=None, compression=None):
        scheme = "https" if ctx else "http"
        print(f"listening on {scheme}://127.0.0.1:{port} at {time.time()}", flush=True)
        await asyncio.Future()


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
