"""Where an idle server's memory goes before it serves anyone: the resident memory each layer of
imports adds, in the order the server loads them, each stage in a fresh interpreter's running
total. Anonymous memory is the Python objects (compiled code included) and what C libraries
allocate; file-backed memory is the shared libraries' pages that were touched.

    python -m bench.import_memory --out bench/results/import_memory.json

The figures are of this interpreter and these installed versions; a stage's cost includes
whatever it imports that no earlier stage did.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

# (label, modules): each stage imports its modules after all earlier stages'.
STAGES: list[tuple[str, list[str]]] = [
    ("asyncio and ssl", ["asyncio", "ssl"]),
    ("SQLAlchemy Core", ["sqlalchemy"]),
    ("pydantic", ["pydantic"]),
    ("FastAPI and Starlette", ["fastapi"]),
    ("uvicorn", ["uvicorn"]),
    ("cryptography (AES-GCM)", ["cryptography.hazmat.primitives.ciphers.aead"]),
    ("Roost's tables and protocol models", ["server.storage.tables", "server.protocol.chat"]),
    ("Roost's services (argon2, pyotp, storage)", ["server.services.accounts"]),
    ("Roost's routes", [f"server.http.{m}" for m in ("routes_auth", "routes_admin", "routes_chat",
                                                      "routes_files", "routes_settings")]),
    ("the server (serve, app, endpoint)", ["server.serve", "server.http.app"]),
]  # fmt: skip

# Runs in a child interpreter, so that nothing this tool imported is counted.
_PROBE = """
import gc, importlib, json, sys

def status():
    out = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) / 1024
    return out

rows = [{"stage": "the interpreter", **status(), "modules": len(sys.modules)}]
for label, modules in json.loads(sys.argv[1]):
    for m in modules:
        importlib.import_module(m)
    gc.collect()
    rows.append({"stage": label, **status(), "modules": len(sys.modules)})
print(json.dumps(rows))
"""


def measure() -> list[dict[str, Any]]:
    out = subprocess.run(  # noqa: S603 - this interpreter, our own probe
        [sys.executable, "-c", _PROBE, json.dumps(STAGES)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows: list[dict[str, Any]] = json.loads(out)
    result = []
    for before, row in zip([None, *rows], rows, strict=False):
        result.append(
            {
                "stage": row["stage"],
                "anon_mib": round(row["RssAnon"], 1),
                "file_mib": round(row["RssFile"], 1),
                "added_anon_mib": round(row["RssAnon"] - before["RssAnon"], 1) if before else None,
                "added_file_mib": round(row["RssFile"] - before["RssFile"], 1) if before else None,
                "added_modules": row["modules"] - before["modules"] if before else None,
            }
        )
    return result


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    if not Path("/proc/self/status").exists():
        p.error("needs Linux (/proc/self/status)")
    rows = measure()
    for r in rows:
        added = "" if r["added_anon_mib"] is None else (
            f"+{r['added_anon_mib']:5.1f} anon  +{r['added_file_mib']:4.1f} file  "
            f"+{r['added_modules']:3d} modules"
        )  # fmt: skip
        print(f"{r['stage']:44s} {r['anon_mib']:6.1f} {r['file_mib']:5.1f}  {added}")
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps({"workload": "import memory", "stages": rows}, indent=2))


if __name__ == "__main__":
    main()
