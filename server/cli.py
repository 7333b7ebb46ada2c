"""``roost-server``: run the server, show its state, and help a locked-out owner on the Pi."""

from __future__ import annotations

import argparse
import asyncio
import json
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
    return parser


def _settings(args: argparse.Namespace, keys: tuple[str, ...]) -> Settings:
    cli = {k: getattr(args, k, None) for k in keys}
    return load_settings(config_file=args.config, cli=cli)


def _cmd_run(args: argparse.Namespace) -> int:
    from server.serve import RoostServer  # imports uvicorn: only when serving

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
    handler = {"run": _cmd_run, "info": _cmd_info, "reset-password": _cmd_reset_password}
    try:
        return handler[args.command](args)
    except ConfigError as exc:
        print(f"roost-server: {exc}", file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
