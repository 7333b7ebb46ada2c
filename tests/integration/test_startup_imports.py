"""What ``roost-server run`` keeps out of its memory: libraries it needs only now and then are
loaded when first used, and Alembic and ``cryptography.x509`` never (a schema that is behind is
migrated by a child, and a missing certificate made by one), nor SQLAlchemy's ORM."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import textwrap
import tomllib
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from packaging.requirements import Requirement
from sqlalchemy import create_engine

from server.storage.engine import MIGRATIONS, head_revisions
from tests.helpers.proc import PYTHON, REPO_ROOT, child_env

# Loaded only when used: migrations, thumbnails, a Prometheus scrape, mDNS (off below); and
# what making a certificate needs (x509, key serialisation, and bcrypt through its OpenSSH
# keys), which the first start does in a child.
LAZY = (
    "alembic",
    "mako",
    "PIL",
    "prometheus_client",
    "zeroconf",
    "cryptography.x509",
    "cryptography.hazmat.primitives.serialization",
    "bcrypt",
)

# Never loaded: the server uses SQLAlchemy Core through server/storage/aio.py, and the package
# ``sqlalchemy.ext.asyncio`` would bring the ORM with it (5.6 MiB).
NEVER = ("sqlalchemy.ext.asyncio", "sqlalchemy.orm")

# ``roost-server run`` as systemd runs it, stopped as soon as it serves; then which of LAZY and
# NEVER the server process had loaded.
_RUN_ONCE = textwrap.dedent(
    """
    import json, sys
    from server import cli, serve

    async def _no_wait(self):
        return None

    serve.RoostServer.wait = _no_wait
    code = cli.main(["run", *sys.argv[1:]])
    print(json.dumps({{"exit": code, "loaded": [m for m in {lazy!r} if m in sys.modules]}}))
    """
).format(lazy=LAZY + NEVER)


def _run_once(root: Path) -> dict[str, object]:
    flags = ["--data-dir", root / "data", "--key-file", root / "keys" / "data.key"]
    flags += ["--host", "127.0.0.1", "--port", "0", "--no-mdns", "--log-level", "warning"]
    done = subprocess.run(
        [PYTHON, "-c", _RUN_ONCE, *map(str, flags)],
        env=child_env(),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["exit"] == 0, done.stderr
    return result


def _revisions(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
    finally:
        conn.close()


def test_head_revisions_are_alembics() -> None:
    """The start-up check reads the heads without Alembic; they must be the ones it finds."""
    assert head_revisions() == frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def test_run_migrates_a_new_database_without_loading_alembic(tmp_path: Path) -> None:
    assert _run_once(tmp_path)["loaded"] == []
    assert _revisions(tmp_path / "data" / "roost.db") == sorted(head_revisions())
    assert (tmp_path / "data" / "tls-cert.pem").exists()  # made, by the child
    # A restart on the current schema: nothing to migrate, nothing loaded.
    assert _run_once(tmp_path)["loaded"] == []


def test_run_upgrades_an_older_schema_without_loading_alembic(tmp_path: Path) -> None:
    """The first start after an update that brings a migration."""
    assert _run_once(tmp_path)["loaded"] == []
    db = tmp_path / "data" / "roost.db"
    scripts = ScriptDirectory(str(MIGRATIONS))
    head = scripts.get_current_head()
    assert head is not None
    older = scripts.get_revision(head).down_revision
    assert isinstance(older, str), "needs at least two revisions in a line"
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:
            cfg = AlembicConfig()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, older)
    finally:
        engine.dispose()
    assert _revisions(db) == [older]
    assert _run_once(tmp_path)["loaded"] == []
    assert _revisions(db) == [head]


def test_server_extra_names_what_it_uses_of_uvicorn_standard() -> None:
    """uvicorn imports watchfiles at start whenever it is installed (0.6 MiB of an idle
    server), and its ``standard`` extra installs it, with uvloop, PyYAML and python-dotenv that
    only uvicorn's own CLI uses. Roost takes httptools and websockets from that extra: it names
    them itself."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    server = {
        r.name: r for r in map(Requirement, project["project"]["optional-dependencies"]["server"])
    }
    assert server["uvicorn"].extras == set()
    assert {"httptools", "websockets"} <= server.keys()
