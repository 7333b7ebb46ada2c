"""Server CPU per TLS handshake: Roost's server context (server/tls.py) against a context with
OpenSSL's defaults, in the same run, with the same certificate and the same client. Every login
and every reconnect over TLS pays one; the W-login storm and token resumption are made of them.

Both ends run in this process over memory BIOs, so no socket, event loop or scheduler is timed:
only the server's ``do_handshake`` calls, on this thread's CPU clock.

    python -m bench.tls_handshake --out bench/results/tls_handshake.json
"""

from __future__ import annotations

import argparse
import json
import ssl
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.local_server import pin_generator
from server.tls import ensure_self_signed_blocking, server_context


def server_cpu_s(server: ssl.SSLContext, client: ssl.SSLContext) -> float:
    """One full handshake; the server side's CPU seconds."""
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = client.wrap_bio(c_in, c_out, server_hostname="localhost")
    s = server.wrap_bio(s_in, s_out, server_side=True)
    spent = 0.0
    for _ in range(10):
        try:
            c.do_handshake()
            client_done = True
        except ssl.SSLWantReadError:
            client_done = False
        s_in.write(c_out.read())
        t0 = time.thread_time()
        try:
            s.do_handshake()
            server_done = True
        except ssl.SSLWantReadError:
            server_done = False
        spent += time.thread_time() - t0
        c_in.write(s_out.read())  # with TLS 1.3, any session tickets come here
        if client_done and server_done:
            return spent
    raise RuntimeError("the handshake did not finish")


def run(rounds: int = 7, per_round: int = 200) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="roost-tls-") as tmp:
        cert, key = ensure_self_signed_blocking(Path(tmp), "bench")
        client = ssl.create_default_context(cafile=str(cert))
        defaults = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        defaults.load_cert_chain(str(cert), str(key))
        contexts: dict[str, Callable[[], ssl.SSLContext]] = {
            "roost": lambda: server_context(cert, key),
            "openssl_defaults": lambda: defaults,
        }
        medians: dict[str, list[float]] = {name: [] for name in contexts}
        for make in contexts.values():  # warm-up
            for _ in range(20):
                server_cpu_s(make(), client)
        for _ in range(rounds):  # in turn, so that a noisy moment hits both
            for name, make in contexts.items():
                ctx = make()
                medians[name].append(
                    statistics.median(server_cpu_s(ctx, client) for _ in range(per_round))
                )
    ms = {name: round(1000 * statistics.median(v), 3) for name, v in medians.items()}
    return {
        "workload": "TLS handshake, server CPU",
        "openssl": ssl.OPENSSL_VERSION,
        "rounds": rounds,
        "handshakes_per_round": per_round,
        "server_ms_per_handshake": ms,
        "ratio_to_defaults": round(ms["roost"] / ms["openssl_defaults"], 2),
    }


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    pin_generator()
    result = run(a.rounds)
    print(json.dumps(result), flush=True)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
