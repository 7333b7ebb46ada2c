"""Server settings from defaults, a TOML file, ROOST_* variables and CLI flags, validated once."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ENV_PREFIX = "ROOST_"

# Private and link-local ranges: a family at home is never locked out of its own server by the
# login limits. An owner who exposes the Pi to the internet can narrow this.
DEFAULT_ALLOWLIST = [
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "fc00::/7",
    "fe80::/10",
]


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "roost-server"


def default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "roost-server" / "data.key"


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and where it came from."""


class Settings(BaseModel):
    """Everything the server can be told. Field names are the TOML keys and, upper-cased with the
    ``ROOST_`` prefix, the environment variables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    key_file: Path = Field(default_factory=default_key_file)
    host: str = "0.0.0.0"  # noqa: S104 - a home server must be reachable from the LAN
    port: int = Field(default=8443, ge=0, le=65535)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    insecure_http: bool = False
    mdns: bool = True
    mdns_interfaces: list[str] = Field(default_factory=list)
    public_addresses: list[str] = Field(default_factory=list)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    login_allowlist: list[str] = Field(default_factory=lambda: list(DEFAULT_ALLOWLIST))
    access_token_ttl_s: int = Field(default=900, ge=30, le=86_400)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    max_body_bytes: int = Field(default=65_536, ge=1024, le=16 * 1024 * 1024)
    # argon2id cost. The defaults are RFC 9106's low-memory profile; concurrency is bounded so a
    # login storm cannot take more than max_concurrency * memory of RAM on a small Pi, and is
    # lower still where the CPUs cannot run that many hashes at once (secrets.hashing_slots).
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=65_536, ge=8, le=1_048_576)
    argon2_parallelism: int = Field(default=4, ge=1, le=16)
    argon2_max_concurrency: int = Field(default=2, ge=1, le=64)
    # per-account lockout after this many consecutive failures, doubling from lockout_base_s
    lockout_threshold: int = Field(default=5, ge=1, le=100)
    lockout_base_s: int = Field(default=30, ge=1, le=3600)
    lockout_max_s: int = Field(default=900, ge=1, le=86_400)
    # per-address failed-login budget over a sliding window
    address_failures_per_window: int = Field(default=20, ge=1, le=10_000)
    address_window_s: int = Field(default=600, ge=1, le=86_400)

    # messaging limits, all advertised in GET /api/v1/server
    max_group_size: int = Field(default=256, ge=2, le=10_000)
    max_message_chars: int = Field(default=4000, ge=1, le=65_536)
    send_rate_per_s: float = Field(default=20.0, gt=0, le=1_000_000)
    send_burst: int = Field(default=60, ge=1, le=1_000_000)
    typing_enabled: bool = True
    presence_enabled: bool = True
    ws_auth_timeout_s: float = Field(default=10.0, gt=0, le=300)
    # Frames a slow client may have waiting before it is disconnected: bounded memory per client.
    ws_queue_frames: int = Field(default=2000, ge=10, le=1_000_000)
    ws_max_frame_bytes: int = Field(default=65_536, ge=1024, le=16 * 1024 * 1024)

    # files and media; the limits are advertised in GET /api/v1/server
    max_file_bytes: int = Field(default=2 * 1024**3, ge=1, le=1 << 40)
    # All of one user's files together, uploads in progress at their full size; 0: no quota.
    user_quota_bytes: int = Field(default=10 * 1024**3, ge=0, le=1 << 50)
    # The largest chunk one PUT may carry (upload chunks bypass max_body_bytes), and the size
    # clients use. Chunks stream to disk, so the server holds none of it in memory; each one
    # costs a request and a flush to disk, and a chunk cut short is sent again whole.
    upload_chunk_bytes: int = Field(default=32 * 1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024)
    # An unfinished upload, or a finished file never sent in a message, is removed after this.
    upload_expiry_hours: int = Field(default=24, ge=1, le=24 * 30)
    # Uploads are refused while the data directory's disk has less than this free.
    min_free_disk_bytes: int = Field(default=512 * 1024**2, ge=0, le=1 << 50)
    max_attachments_per_message: int = Field(default=10, ge=1, le=100)
    # Remove GPS and other location data from photos, in the stored original too.
    strip_location: bool = True
    # Images above this many pixels are refused before decoding (decompression bombs).
    max_image_pixels: int = Field(default=100_000_000, ge=1024, le=2_000_000_000)
    # Images are decoded in memory for thumbnails and location stripping up to this size;
    # larger ones are kept as plain files, without either.
    max_image_bytes: int = Field(default=64 * 1024**2, ge=1024, le=1024**3)
    # ffmpeg (a command on PATH or a path; "" for none) gives audio and video their duration,
    # dimensions and a poster frame. Without it those are skipped.
    ffmpeg: str = "ffmpeg"
    # Media up to this size are handed to ffmpeg from memory (seekable); larger ones stream
    # through a pipe, where some formats yield no poster frame.
    media_probe_max_bytes: int = Field(default=256 * 1024**2, ge=0, le=1 << 40)
    # How often expired uploads and files no message refers to are removed.
    files_sweep_interval_s: int = Field(default=3600, ge=10, le=7 * 86_400)
    # The cost of turning a backup passphrase into a key: scrypt with N = 2**this (r=8), which
    # takes 128 MiB and about a second on a Pi at 17. Tests lower it; 20 is 1 GiB.
    backup_kdf_log2n: int = Field(default=17, ge=10, le=20)

    # monitoring: GET /api/v1/admin/metrics, the monitor/subscribe feed, GET /metrics, alerts
    metrics_interval_s: float = Field(default=10.0, ge=1, le=3600)
    # The history's minute rows are written in batches this far apart (and at stop): an SD
    # card wears with every write, and a Pi writes this for years.
    metrics_flush_s: float = Field(default=300.0, ge=1, le=3600)
    # Who may scrape GET /metrics (Prometheus); anyone else gets 404. Only this host by default.
    metrics_allow: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1/128"])
    # Where the host's readings come from (tests point these at fake files).
    metrics_proc_dir: Path = Path("/proc")
    metrics_thermal_dir: Path = Path("/sys/class/thermal")
    # A command on PATH or a path; "" for none. Only Raspberry Pis have it.
    metrics_vcgencmd: str = "vcgencmd"
    # Alerts: raised past these, cleared only past a safer value (no flapping).
    alert_disk_free_bytes: int = Field(default=1024**3, ge=0, le=1 << 50)
    alert_temperature_c: float = Field(default=80.0, ge=30, le=150)
    alert_temperature_clear_c: float = Field(default=75.0, ge=20, le=150)
    alert_failed_logins: int = Field(default=30, ge=1, le=1_000_000)
    alert_failed_logins_window_s: int = Field(default=600, ge=10, le=86_400)
    # A scheduled backup is overdue this long after its interval has passed.
    alert_backup_grace_hours: float = Field(default=12.0, ge=0, le=24 * 30)
    # Recent log lines kept in memory for GET /api/v1/admin/logs.
    log_buffer_lines: int = Field(default=2000, ge=10, le=100_000)

    @field_validator("host")
    @classmethod
    def _host_is_an_address(cls, value: str) -> str:
        if value in ("localhost", ""):
            raise ValueError("use an IP address such as 127.0.0.1, 0.0.0.0 or ::")
        ipaddress.ip_address(value)
        return value

    @field_validator("mdns_interfaces")
    @classmethod
    def _interfaces_are_addresses(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_address(item)
        return value

    @field_validator("login_allowlist")
    @classmethod
    def _allowlist_is_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)
        return value

    @field_validator("metrics_allow")
    @classmethod
    def _metrics_allow_is_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)
        return value

    @field_validator("public_addresses")
    @classmethod
    def _addresses_have_ports(cls, value: list[str]) -> list[str]:
        for item in value:
            host, sep, port = item.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{item!r} is not host:port")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: give both or neither")
        for path in (self.tls_cert, self.tls_key):
            if path is not None and not path.is_file():
                raise ValueError(f"TLS file {path} does not exist")
        if self.insecure_http:
            if self.tls_cert is not None:
                raise ValueError("insecure_http and tls_cert exclude each other")
            if not ipaddress.ip_address(self.host).is_loopback:
                raise ValueError(
                    "insecure_http is only for a reverse proxy on the same host: "
                    "bind to 127.0.0.1 or ::1"
                )
        if self.alert_temperature_clear_c >= self.alert_temperature_c:
            raise ValueError(
                "alert_temperature_clear_c must be below alert_temperature_c, or the alert "
                "would never clear"
            )
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:
            raise ValueError(
                "argon2_memory_kib must be at least 8 x argon2_parallelism "
                f"({8 * self.argon2_parallelism} KiB)"
            )
        data = self.data_dir.expanduser().resolve()
        key = self.key_file.expanduser().resolve()
        if key.is_relative_to(data):
            raise ValueError(
                "key_file must live outside data_dir, so that a copy of the data alone "
                "cannot be decrypted"
            )
        return self


FIELD_NAMES = frozenset(Settings.model_fields)
_LIST_FIELDS = frozenset(
    name for name, f in Settings.model_fields.items() if "list" in str(f.annotation)
)


def _from_env(environ: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in FIELD_NAMES:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None:
            continue
        values[name] = (
            [p.strip() for p in raw.split(",") if p.strip()] if (name in _LIST_FIELDS) else raw
        )
    return values


def _from_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None
    unknown = sorted(set(data) - FIELD_NAMES)
    if unknown:
        raise ConfigError(f"config file {path}: unknown setting(s) {', '.join(unknown)}")
    return data


def load_settings(
    *,
    config_file: Path | None = None,
    cli: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Merge defaults < TOML file < environment < CLI flags and validate the result.

    Raises:
        ConfigError: with one line per bad value, naming where each came from.
    """
    env = dict(os.environ) if environ is None else environ
    if config_file is None and env.get(ENV_PREFIX + "CONFIG"):
        config_file = Path(env[ENV_PREFIX + "CONFIG"])
    layers: list[tuple[str, dict[str, Any]]] = []
    if config_file is not None:
        layers.append((f"config file {config_file}", _from_toml(config_file)))
    layers.append(("environment", _from_env(env)))
    layers.append(("command line", {k: v for k, v in (cli or {}).items() if v is not None}))
    merged: dict[str, Any] = {}
    source: dict[str, str] = {}
    for label, layer in layers:
        for key, value in layer.items():
            merged[key] = value
            source[key] = label
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            where = source.get(field, "settings")
            if field and field in source and source[field] == "environment":
                where = f"environment {ENV_PREFIX}{field.upper()}"
            name = f"{field}: " if field else ""
            message = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"{name}{message} (from {where})")
        raise ConfigError("invalid settings:\n  " + "\n  ".join(lines)) from None
