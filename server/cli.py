"""``roost-server``: run the server, show its state, and help a locked-out owner on the Pi."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from server import __version__
from server.config import ConfigError, Settings, load_settings
from server.datakey import DataKeyError, load_or_create_blocking, verify_key_check
from server.logs import configure
from server.tls import fingerprint_blocking, format_fingerprint

EXIT_CONFIG = 2
EXIT_STATE = 3


def _add_location_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file")
    p.add_argument("--data-dir", type=Path, metavar="DIR", help="where the database and files live")
    p.add_argument(
        "--key-file",
        type=Path,
        metavar="FILE",
        help="the data key; must be outside the data directory",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roost-server",
        description="Roost: a private chat server for a family or a small team.",
        epilog="Every setting can also come from a TOML file (--config or ROOST_CONFIG) or an "
        "environment variable ROOST_<SETTING>, e.g. ROOST_PORT=8443. Flags win over the "
        "environment, which wins over the file.",
    )
    parser.add_argument("--version", action="version", version=f"roost-server {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", help="run the server", description="Run the server until SIGTERM or Ctrl+C."
    )
    _add_location_flags(run)
    run.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    run.add_argument("--port", type=int, help="TCP port (default 8443; 0 picks a free one)")
    run.add_argument("--tls-cert", type=Path, metavar="FILE", help="your own certificate (PEM)")
    run.add_argument("--tls-key", type=Path, metavar="FILE", help="its private key (PEM)")
    run.add_argument(
        "--insecure-http",
        action="store_const",
        const=True,
        help="plain HTTP, only for a TLS reverse proxy on this host (needs --host 127.0.0.1)",
    )
    run.add_argument(
        "--no-mdns",
        dest="mdns",
        action="store_const",
        const=False,
        help="do not advertise on the local network",
    )
    run.add_argument(
        "--mdns-interface",
        dest="mdns_interfaces",
        action="append",
        metavar="IP",
        help="advertise only on the interface with this address (repeatable)",
    )
    run.add_argument("--log-level", choices=["debug", "info", "warning", "error"])

    info = sub.add_parser(
        "info",
        help="show version, state, fingerprint and address",
        description="Show what this server is, without starting it.",
    )
    _add_location_flags(info)
    info.add_argument("--json", action="store_true", help="machine-readable output")

    reset = sub.add_parser(
        "reset-password",
        help="give USER a one-time password (for an owner locked out, on the Pi itself)",
        description="Sets a one-time password for USER, ends their sessions, lifts any "
        "lockout and enables the account if it was disabled. They must choose a new password "
        "at the next sign-in. Works while the server runs.",
    )
    _add_location_flags(reset)
    reset.add_argument("user", metavar="USER", help="the username")
    reset.add_argument(
        "--reset-2fa",
        action="store_true",
        help="also turn two-factor sign-in off (lost phone and recovery codes)",
    )

    backup = sub.add_parser(
        "backup",
        help="write an encrypted backup of the server (it may keep running)",
        description="Writes one file holding the database, the files and the data key, "
        "encrypted with a passphrase you choose. Keep the passphrase safe: without it the "
        "backup cannot be opened by anyone, you included.",
    )
    _add_location_flags(backup)
    backup.add_argument(
        "output", type=Path, metavar="PATH", help="the backup file to write, or a folder for it"
    )
    _add_passphrase_flag(backup)

    restore = sub.add_parser(
        "restore",
        help="restore a backup into a data directory (with the server stopped)",
        description="Checks the whole backup first; only when it is sound does it put the "
        "data in place and the data key at --key-file. A wrong passphrase or a damaged backup "
        "changes nothing. A data directory that already holds data is refused unless --force, "
        "which moves it aside (it is not deleted).",
    )
    _add_location_flags(restore)
    restore.add_argument("archive", type=Path, metavar="ARCHIVE", help="the backup file")
    restore.add_argument(
        "--force", action="store_true", help="replace existing data (it is moved aside, not lost)"
    )
    _add_passphrase_flag(restore)
    return parser


def _add_passphrase_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        help="read the passphrase from the first line of FILE instead of asking for it",
    )


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    if args.passphrase_file is not None:
        lines = args.passphrase_file.read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    import getpass

    first = getpass.getpass("Backup passphrase: ")
    if confirm and getpass.getpass("The same again: ") != first:
        raise ValueError("the two passphrases differ")
    return first


def _cmd_backup(args: argparse.Namespace) -> int:
    from server.backup.archive import BackupError
    from server.backup.create import create_blocking
    from server.backup.uploads import FILE_NAME, SUFFIX

    settings = _settings(args, ("data_dir", "key_file"))
    data_dir = settings.data_dir.expanduser().resolve()
    try:
        _read_info_blocking(settings)  # the key must be the one this data was made with
        if not (data_dir / "roost.db").exists():
            print(f"roost-server: no server data in {data_dir}", file=sys.stderr)
            return EXIT_STATE
        passphrase = _passphrase(args, confirm=args.passphrase_file is None)
        if len(passphrase) < 10:
            print("roost-server: the passphrase must be at least 10 characters", file=sys.stderr)
            return EXIT_STATE
        dest: Path = args.output.expanduser()
        if dest.is_dir():
            dest = dest / time.strftime(f"roost-backup-%Y%m%d-%H%M%S{SUFFIX}")
        if dest.exists():
            print(f"roost-server: {dest} exists already", file=sys.stderr)
            return EXIT_STATE
        made = create_blocking(
            data_dir=data_dir,
            key_file=settings.key_file.expanduser(),
            dest=dest,
            passphrase=passphrase,
            log2n=settings.backup_kdf_log2n,
        )
    except (DataKeyError, BackupError, ValueError, OSError) as exc:
        print(f"roost-server: {exc}", file=sys.stderr)
        return EXIT_STATE
    print(f"Backup written to {made.path} ({made.size} bytes, {made.files} files).")
    if not FILE_NAME.match(made.path.name):
        print("Note: the server lists only backups named roost-backup-<date>-<time>.roostbak.")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from server.backup.archive import BackupError
    from server.backup.restore import restore_blocking

    settings = _settings(args, ("data_dir", "key_file"))
    try:
        passphrase = _passphrase(args, confirm=False)
        done = restore_blocking(
            args.archive.expanduser(),
            passphrase,
            data_dir=settings.data_dir,
            key_file=settings.key_file,
            force=args.force,
        )
    except (BackupError, ValueError, OSError) as exc:
        print(f"roost-server: {exc}. Nothing was changed.", file=sys.stderr)
        return EXIT_STATE
    r = done.report
    print(
        f"Restored {r.name!r}: {r.users} accounts, {r.messages} conversation events, "
        f"{r.files} files."
    )
    if done.previous_data is not None:
        print(f"The data that was there before is kept in {done.previous_data}.")
    if done.previous_key is not None:
        print(f"The key that was there before is kept in {done.previous_key}.")
    return 0


def _settings(args: argparse.Namespace, keys: tuple[str, ...]) -> Settings:
    cli = {k: getattr(args, k, None) for k in keys}
    return load_settings(config_file=args.config, cli=cli)


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each thread that allocates its own malloc arena (up to eight per core), and
    each arena keeps what was freed in it for reuse: the database connections' threads held 2-3
    MiB of an idle server that way. The server's Python code runs one thread at a time, so two
    arenas are enough. Called before any thread starts; MALLOC_ARENA_MAX, when set, wins."""
    if "MALLOC_ARENA_MAX" in os.environ or not sys.platform.startswith("linux"):
        return
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # not glibc, or no mallopt at all
        ctypes.CDLL(None).mallopt(-8, arenas)  # M_ARENA_MAX


def _cmd_run(args: argparse.Namespace) -> int:
    from server import tls
    from server.serve import RoostServer  # imports uvicorn: only when serving
    from server.storage import engine

    settings = _settings(
        args,
        (
            "data_dir",
            "key_file",
            "host",
            "port",
            "tls_cert",
            "tls_key",
            "insecure_http",
            "mdns",
            "mdns_interfaces",
            "log_level",
        ),
    )
    configure(settings.log_level)
    _limit_malloc_arenas()
    # A schema that is behind is migrated by a child process, and a missing certificate made by
    # one: Alembic and cryptography.x509 stay out of the server.
    engine.migrate_in_child = True
    tls.make_in_child = True
    try:
        asyncio.run(RoostServer(settings, handle_signals=True).run())
    except DataKeyError as exc:
        print(f"roost-server: {exc}", file=sys.stderr)
        return EXIT_STATE
    except OSError as exc:
        print(
            f"roost-server: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return EXIT_STATE
    return 0


def _read_info_blocking(settings: Settings) -> dict[str, Any]:
    from server.storage.tables import server_meta

    data_dir = settings.data_dir.expanduser().resolve()
    out: dict[str, Any] = {"version": __version__, "data_dir": str(data_dir)}
    db = data_dir / "roost.db"
    if not db.exists():
        out["state"] = "not initialised (start it with 'roost-server run')"
        return out
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            meta: dict[str, str] = dict(
                conn.execute(select(server_meta.c.key, server_meta.c.value)).all()
            )
    finally:
        engine.dispose()
    if "key_check" in meta:
        # The check ``run`` makes at start: ``info`` says at once when the key is wrong.
        key = load_or_create_blocking(settings.key_file, may_create=False)
        verify_key_check(key, meta["key_check"], settings.key_file, data_dir)
    out.update(state=meta.get("state"), name=meta.get("name"), server_id=meta.get("server_id"))
    cert = settings.tls_cert or data_dir / "tls-cert.pem"
    if settings.insecure_http:
        out["fingerprint"] = None
    elif cert.exists():
        out["fingerprint"] = format_fingerprint(fingerprint_blocking(cert))
    scheme = "http" if settings.insecure_http else "https"
    out["address"] = f"{scheme}://{settings.host}:{settings.port}"
    if meta.get("state") == "unclaimed":
        code_file = data_dir / "setup-code"
        if code_file.exists():
            out["setup_code"] = code_file.read_text(encoding="ascii").strip()
    return out


def _cmd_info(args: argparse.Namespace) -> int:
    settings = _settings(args, ("data_dir", "key_file"))
    try:
        info = _read_info_blocking(settings)
    except DataKeyError as exc:
        print(f"roost-server: {exc}", file=sys.stderr)
        return EXIT_STATE
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key.replace('_', ' '):>12}: {value if value is not None else '-'}")
    return 0


async def _reset_password(settings: Settings, username: str, *, reset_2fa: bool) -> str:
    from server.protocol.common import Role
    from server.runtime import Runtime
    from server.services.accounts import clear_totp_txn
    from server.services.admin import set_one_time_password_txn
    from server.storage import accounts, audit

    rt = Runtime(settings)
    try:
        await rt.open(serving=False)
        async with rt.engine.begin() as conn:
            user = await accounts.get_user_by_name_txn(conn, username.strip().lower())
            if user is None:
                raise LookupError(username)
            now = time.time()
            code = await set_one_time_password_txn(
                conn, rt, user.id, now, "password_reset", enable=True
            )
            if reset_2fa:
                await clear_totp_txn(conn, user.id)
            await audit.record_txn(
                conn,
                at=now,
                action="user.reset_password",
                target_id=user.id,
                detail={"via": "console", "role": Role(user.role).value, "2fa_reset": reset_2fa},
            )
        return code
    finally:
        await rt.close()


def _cmd_reset_password(args: argparse.Namespace) -> int:
    settings = _settings(args, ("data_dir", "key_file"))
    if not (settings.data_dir.expanduser() / "roost.db").exists():
        print(f"roost-server: no server data in {settings.data_dir}", file=sys.stderr)
        return EXIT_STATE
    try:
        code = asyncio.run(_reset_password(settings, args.user, reset_2fa=args.reset_2fa))
    except LookupError:
        print(f"roost-server: there is no user named {args.user!r}", file=sys.stderr)
        return EXIT_STATE
    except DataKeyError as exc:
        print(f"roost-server: {exc}", file=sys.stderr)
        return EXIT_STATE
    print(f"One-time password for {args.user}: {code}")
    print("Sign in with it; Roost will ask for a new password. All their devices were signed out.")
    if args.reset_2fa:
        print("Two-factor sign-in is off for this account; turn it on again after signing in.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {
        "run": _cmd_run,
        "info": _cmd_info,
        "reset-password": _cmd_reset_password,
        "backup": _cmd_backup,
        "restore": _cmd_restore,
    }
    try:
        return handler[args.command](args)
    except ConfigError as exc:
        print(f"roost-server: {exc}", file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
