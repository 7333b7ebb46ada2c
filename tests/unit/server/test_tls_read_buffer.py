"""TLS connections that share one receive buffer still each get exactly their own bytes.

Run in a child process: the change is process-wide, and this test process should keep
asyncio as it comes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import asyncio, os, random, ssl, sys
    from pathlib import Path
    from server.tls import ensure_self_signed_blocking, server_context
    from server.tls_read_buffer import share_tls_read_buffers

    share_tls_read_buffers()
    cert, key = ensure_self_signed_blocking(Path(sys.argv[1]), "t")
    protocols = []

    async def echo(reader, writer):
        protocols.append(writer.transport._ssl_protocol)
        while data := await reader.read(70_000):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def client(port, ctx, seed):
        rng = random.Random(seed)
        payload = rng.randbytes(1_000_000)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
        async def send():
            at = 0
            while at < len(payload):
                n = rng.randint(1, 300_000)
                writer.write(payload[at : at + n])
                await writer.drain()
                at += n
                await asyncio.sleep(0)
            writer.write_eof() if writer.can_write_eof() else None
        sender = asyncio.create_task(send())
        got = await reader.readexactly(len(payload))
        await sender
        writer.close()
        return got == payload

    async def main():
        server = await asyncio.start_server(
            echo, "127.0.0.1", 0, ssl=server_context(cert, key)
        )
        port = server.sockets[0].getsockname()[1]
        ctx = ssl.create_default_context(cadata=cert.read_text())
        ctx.check_hostname = False
        ok = await asyncio.gather(*(client(port, ctx, s) for s in range(20)))
        buffers = {id(p._ssl_buffer) for p in protocols}
        print(sum(ok), len(protocols), len(buffers))

    asyncio.run(main())
    """
)


def test_twenty_connections_each_get_their_own_bytes_through_one_buffer(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    ok, connections, buffers = map(int, out.stdout.split())
    assert (ok, connections) == (20, 20)
    assert buffers == 1  # every server-side connection read into the one shared buffer
