"""Work done once, in a short-lived child process, so that what it imports (Alembic, the
certificate code) never takes up the long-running server's memory."""

from __future__ import annotations

import json
import subprocess
import sys

# The child calls ``module:function(argv)`` with the parent's import path, so that it finds the
# same ``server`` package however the parent was started.
_CHILD = (
    "import importlib, json, sys; sys.path[:] = json.loads(sys.argv.pop(1)); "
    "module, _, name = sys.argv.pop(1).partition(':'); "
    "getattr(importlib.import_module(module), name)(sys.argv[1:])"
)


def run_in_child_blocking(entry: str, *args: str, what: str) -> None:
    """Runs ``entry`` (``"package.module:function"``, taking the list ``args``) in this
    interpreter's child process.

    Raises:
        RuntimeError: the child failed; ``what`` names the work in the message.
    """
    path = json.dumps([p for p in sys.path if isinstance(p, str)])
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code, no shell
        [sys.executable, "-c", _CHILD, path, entry, *args], check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed (exit status {done.returncode})")
