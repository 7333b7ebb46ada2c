"""W-files (WORKLOADS.md): upload then download a 100 MB file over TLS on loopback, the upload
resumable in the server's default chunk size; MB/s each way, as a ratio to curl fetching the
same file from a plain static HTTPS server (Python's http.server in TLS) in the same run.

Both servers run on core 0 (taskset); the client side (curl, this process) on core 1. curl is
the client for Roost too (chunks as PUTs with Content-Range over one kept-alive connection), so
that the ratio compares servers, not clients; the same transfers through httpx (a Python client,
as the desktop app is) are reported beside them.

    python -m bench.wfiles --runs 3 --out bench/results/wfiles.json
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import CHEAP_HASHING, Target, start_local
from bench.local_server import cpu_seconds, free_port, pin_generator

MB = 1_000_000
SIZE = 100 * 1024 * 1024  # "a 100 MB file": 100 MiB


def _mbps(nbytes: int, seconds: float) -> float:
    return round(nbytes / MB / seconds, 1)


# --- the reference: a static HTTPS server ---------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


def serve_static(root: str, port: int, cert: str, key: str) -> None:
    """``python -m bench.wfiles static ROOT PORT CERT KEY``: serve ROOT over HTTPS until killed."""
    handler = functools.partial(_Quiet, directory=root)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    httpd.serve_forever()


class StaticServer:
    def __init__(self, root: Path, cert: Path, key: Path) -> None:
        self.port = free_port()
        cmd = [sys.executable, "-m", "bench.wfiles", "static", str(root), str(self.port),
               str(cert), str(key)]  # fmt: skip
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", "0", *cmd]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the static server did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- transfers --------------------------------------------------------------------------------


def _curl(args: list[str]) -> str:
    out = subprocess.run(  # noqa: S603 - curl with our own arguments
        ["curl", "-sS", "--fail-with-body", *args], capture_output=True, check=False, timeout=600
    )
    if out.returncode != 0:
        raise RuntimeError(f"curl failed ({out.returncode}): {out.stderr!r} {out.stdout[:500]!r}")
    return out.stdout.decode()


def curl_download(url: str, cacert: Path, headers: list[str]) -> float:
    """Seconds to fetch ``url`` into /dev/null."""
    hs = [a for h in headers for a in ("-H", h)]
    t0 = time.perf_counter()
    _curl(["--cacert", str(cacert), *hs, "-o", "/dev/null", url])
    return time.perf_counter() - t0


def curl_upload(
    target: Target, cacert: Path, chunks: list[Path], size: int, digest: str
) -> tuple[float, str]:
    """Seconds for create + every chunk + complete, the chunks in one curl over one
    connection (``--next``)."""
    auth = f"Authorization: Bearer {target.admin_token}"
    body = json.dumps(
        {"name": "bench.bin", "size": size, "mime": "application/octet-stream", "sha256": digest}
    )
    t0 = time.perf_counter()
    created = json.loads(
        _curl(
            [
                "--cacert",
                str(cacert),
                "-H",
                auth,
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                body,
                f"{target.base_url}/api/v1/uploads",
            ]
        )  # fmt: skip
    )
    url = f"{target.base_url}/api/v1/uploads/{created['id']}"
    args: list[str] = []
    pos = 0
    for i, chunk in enumerate(chunks):
        n = chunk.stat().st_size
        if i:
            args.append("--next")
        args += ["--cacert", str(cacert), "-H", auth,
                 "-H", f"Content-Range: bytes {pos}-{pos + n - 1}/{size}",
                 "-T", str(chunk), "-o", "/dev/null", url]  # fmt: skip
        pos += n
    args += ["--next", "--cacert", str(cacert), "-H", auth, "-X", "POST", f"{url}/complete"]
    done = json.loads(_curl(args))
    elapsed = time.perf_counter() - t0
    if done.get("sha256") != digest:
        raise RuntimeError(f"the upload did not complete: {done}")
    return elapsed, str(done["id"])


async def httpx_roundtrip(
    target: Target, data_path: Path, size: int, digest: str
) -> dict[str, float]:
    """The same upload and download through httpx (HTTP/1.1), as a Python client does them."""
    h = {"Authorization": f"Bearer {target.admin_token}"}
    async with target.http() as http:
        t0 = time.perf_counter()
        r = await http.post("/api/v1/uploads", headers=h, json={
            "name": "bench.bin", "size": size, "mime": "application/octet-stream",
            "sha256": digest})  # fmt: skip
        r.raise_for_status()
        up = r.json()
        step = up["chunk_bytes"]
        with data_path.open("rb") as fh:
            pos = 0
            while pos < size:
                piece = fh.read(step)
                end = pos + len(piece) - 1
                r = await http.put(f"/api/v1/uploads/{up['id']}", content=piece, headers={
                    **h, "Content-Range": f"bytes {pos}-{end}/{size}"})  # fmt: skip
                r.raise_for_status()
                pos += len(piece)
        r = await http.post(f"/api/v1/uploads/{up['id']}/complete", headers=h)
        r.raise_for_status()
        up_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        got = hashlib.sha256()
        async with http.stream(
            "GET", f"/api/v1/attachments/{r.json()['id']}/content", headers=h
        ) as resp:
            async for piece in resp.aiter_raw(1 << 20):
                got.update(piece)
        down_s = time.perf_counter() - t0
        if got.hexdigest() != digest:
            raise RuntimeError("httpx download differs")
    return {"upload_mb_s": _mbps(size, up_s), "download_mb_s": _mbps(size, down_s)}


async def run(runs: int, out: Path) -> dict[str, Any]:
    if shutil.which("curl") is None:
        raise SystemExit("curl is not installed (apt-get install curl): W-files compares to it")
    pin_generator()  # the client side; the servers are on core 0
    work = Path(tempfile.mkdtemp(prefix="roost-wfiles-"))
    static = None
    target = None
    try:
        data_path = work / "static" / "bench.bin"
        data_path.parent.mkdir()
        data = os.urandom(SIZE)
        data_path.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        target = await start_local(dict(CHEAP_HASHING))
        assert target.server is not None
        cacert = target.server.cert_path()
        async with target.http() as http:
            chunk_bytes = int(
                (await http.get("/api/v1/server")).json()["limits"]["upload_chunk_bytes"]
            )
        chunks = []
        for i, pos in enumerate(range(0, SIZE, chunk_bytes)):
            p = work / f"chunk{i:04d}"
            p.write_bytes(data[pos : pos + chunk_bytes])
            chunks.append(p)
        del data
        cert, key = await asyncio.to_thread(ensure_static_cert, work)
        static = StaticServer(data_path.parent, cert, key)
        pid = target.server.pid
        rows: list[dict[str, float]] = []
        for _ in range(runs):
            ref_s = curl_download(f"https://127.0.0.1:{static.port}/bench.bin", cert, [])
            c0 = cpu_seconds(pid)
            up_s, att = curl_upload(target, cacert, chunks, SIZE, digest)
            c1 = cpu_seconds(pid)
            down_s = curl_download(
                f"{target.base_url}/api/v1/attachments/{att}/content",
                cacert,
                [f"Authorization: Bearer {target.admin_token}"],
            )
            c2 = cpu_seconds(pid)
            py = await httpx_roundtrip(target, data_path, SIZE, digest)
            rows.append({
                "curl_static_download_mb_s": _mbps(SIZE, ref_s),
                "roost_upload_mb_s": _mbps(SIZE, up_s),
                "roost_download_mb_s": _mbps(SIZE, down_s),
                "roost_upload_server_cpu_s": round(c1 - c0, 2),
                "roost_download_server_cpu_s": round(c2 - c1, 2),
                "httpx_upload_mb_s": py["upload_mb_s"],
                "httpx_download_mb_s": py["download_mb_s"],
            })  # fmt: skip
            print(rows[-1], flush=True)
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        ref = med["curl_static_download_mb_s"]
        result = {
            "workload": "W-files",
            "file_bytes": SIZE,
            "chunk_bytes": chunk_bytes,
            "runs": rows,
            "median": med,
            "ratio_to_curl_static": {
                "upload": round(med["roost_upload_mb_s"] / ref, 2),
                "download": round(med["roost_download_mb_s"] / ref, 2),
                "httpx_upload": round(med["httpx_upload_mb_s"] / ref, 2),
                "httpx_download": round(med["httpx_download_mb_s"] / ref, 2),
            },
            "reference": "curl from Python's http.server (ThreadingHTTPServer) wrapped in TLS",
            "client": "curl " + _curl(["--version"]).split("\n")[0].split(" ")[1],
            "notes": "servers on core 0, client on core 1; upload time includes create and "
            "complete (the server checks the SHA-256 it computed while the chunks arrived); "
            "this machine is shared: compare the ratios of one run, and run it more than once",
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(out.write_text, json.dumps(result, indent=2) + "\n")
        return result
    finally:
        if static is not None:
            static.stop()
        if target is not None and target.server is not None:
            target.server.stop()
        shutil.rmtree(work, ignore_errors=True)


def ensure_static_cert(work: Path) -> tuple[Path, Path]:
    from server.tls import ensure_self_signed_blocking

    return ensure_self_signed_blocking(work, "static")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "static":
        root, port, cert, key = sys.argv[2:6]
        serve_static(root, int(port), cert, key)
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("bench/results/wfiles.json"))
    args = ap.parse_args()
    result = asyncio.run(run(args.runs, args.out))
    print(json.dumps({"median": result["median"], "ratio": result["ratio_to_curl_static"]}))


if __name__ == "__main__":
    main()
