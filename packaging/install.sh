#!/bin/sh
# Installs or upgrades the Roost server on this machine. Run as root; the desktop app runs it over
# SSH after uploading the server wheel and roost-server.service next to it. Running it again
# upgrades in place and keeps the data, the data key and /etc/roost/roost.env.
#
# usage: install.sh --wheel FILE --unit FILE [--python PYTHON] [--index-url URL]
#
#   --wheel      the Roost wheel to install (it replaces an installed one even of the same version)
#   --unit       the systemd unit to install as roost-server.service
#   --python     the interpreter for the virtual environment (default: python3)
#   --index-url  where pip fetches the dependencies (default: pip's own configuration)
#
# ROOST_PREFIX (default empty) puts every system path this script writes (/opt, /etc, /var/lib,
# /run) under one directory: for staging into an image and for tests. systemctl and the
# user tools are still called by name.
#
# Output, for people and for the app: progress lines; "ROOST-STEP <name>" when a stage begins
# (install, start, read); the last line is "ROOST-RESULT {json}" on success, or
# "ROOST-FAILED <reason> <text>" with a non-zero exit status.
set -eu
umask 022

P="${ROOST_PREFIX:-}"
OPT="$P/opt/roost"
VENV="$OPT/venv"
ETC="$P/etc/roost"
DATA="$P/var/lib/roost"
UNIT_DIR="$P/etc/systemd/system"
ENV_FILE="$ETC/roost.env"
RUN_DIR="$P/run"
SERVICE=roost-server.service

WHEEL=""
UNIT=""
PY=python3
INDEX_URL=""

fail() {
    # $1: a reason word the app maps to advice; the rest: what happened, for the details log.
    reason=$1
    shift
    echo "ROOST-FAILED $reason $*"
    exit 1
}

say() {
    echo "$*"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --wheel) WHEEL=${2-}; shift 2 ;;
        --unit) UNIT=${2-}; shift 2 ;;
        --python) PY=${2-}; shift 2 ;;
        --index-url) INDEX_URL=${2-}; shift 2 ;;
        *) fail usage "unknown argument: $1" ;;
    esac
done

[ -n "$WHEEL" ] && [ -f "$WHEEL" ] || fail usage "no wheel given or not found: '$WHEEL'"
[ -n "$UNIT" ] && [ -f "$UNIT" ] || fail usage "no unit file given or not found: '$UNIT'"
case "$WHEEL" in
    *.whl) ;;
    *) fail usage "not a wheel: $WHEEL" ;;
esac
[ "$(id -u)" = 0 ] || fail not-root "this script must run as root (through sudo)"

# One install at a time: a second run (the app retried, or was cancelled and started again,
# while the first still works) waits for the first, then upgrades what it left; two pips never
# write into one venv.
mkdir -p "$RUN_DIR"
exec 9>"$RUN_DIR/roost-install.lock"
if ! flock -n 9; then
    say "Another installation is still running here; waiting for it to finish."
    flock -w 900 9 || fail busy "another Roost installation is still running on this machine"
fi

if [ -n "$INDEX_URL" ]; then
    export PIP_INDEX_URL="$INDEX_URL"
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_PROGRESS_BAR=off

echo "ROOST-STEP install"
PREVIOUS=""
if [ -x "$VENV/bin/roost-server" ]; then
    PREVIOUS=$("$VENV/bin/roost-server" --version 2>/dev/null | sed -n 's/^roost-server //p') || true
fi
if [ -n "$PREVIOUS" ]; then
    say "Roost $PREVIOUS is installed; upgrading it."
else
    say "Installing Roost for the first time."
fi

# The account the server runs as: no login, no home of its own besides the data directory.
if ! id -u roost >/dev/null 2>&1; then
    say "Creating the system user 'roost'."
    useradd --system --user-group --home-dir /var/lib/roost --no-create-home \
        --shell /usr/sbin/nologin roost || fail user "could not create the system user roost"
fi

if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    # Debian and Ubuntu ship venv support separately; it comes from the same Python release.
    if command -v apt-get >/dev/null 2>&1; then
        PYVER=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        say "Installing Python's virtual environment support (python$PYVER-venv)."
        DEBIAN_FRONTEND=noninteractive apt-get install -y "python$PYVER-venv" \
            || fail no-venv "apt-get could not install python$PYVER-venv"
    else
        fail no-venv "$PY has no venv module"
    fi
fi

# A venv whose interpreter no longer runs (Python was upgraded by the system) is made anew; the
# data lives elsewhere, so nothing is lost.
if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'pass' >/dev/null 2>&1; then
    say "The old virtual environment no longer works; making a new one."
    rm -rf "$VENV"
fi
if [ ! -d "$VENV" ]; then
    say "Creating the virtual environment in /opt/roost/venv."
    mkdir -p "$OPT"
    "$PY" -m venv "$VENV" || fail venv "could not create $VENV with $PY"
fi

say "Installing the server and what it needs (this can take a few minutes)."
"$VENV/bin/pip" install --no-cache-dir "$WHEEL[server]" 2>&1 \
    || fail pip "pip could not install the server or its dependencies"
# pip skips a wheel whose version is already installed; the uploaded one must win even then.
"$VENV/bin/pip" install --no-cache-dir --force-reinstall --no-deps "$WHEEL" 2>&1 \
    || fail pip "pip could not replace the installed server"
VERSION=$("$VENV/bin/roost-server" --version | sed -n 's/^roost-server //p')
[ -n "$VERSION" ] || fail pip "the installed roost-server does not run"
say "Roost $VERSION is installed."

# Data and configuration belong to the server's user; 0700 as the unit's *Directory= settings.
mkdir -p "$DATA" "$ETC"
chown roost:roost "$DATA" "$ETC"
chmod 0700 "$DATA" "$ETC"
if [ ! -f "$ENV_FILE" ]; then
    cat >"$ENV_FILE" <<'EOF'
# Settings for the Roost server, one ROOST_<SETTING>=value per line
# (see `/opt/roost/venv/bin/roost-server run --help`). Upgrades keep this file as it is.
ROOST_PORT=8443
EOF
    chmod 0644 "$ENV_FILE"
fi
PORT=$(sed -n 's/^ROOST_PORT=[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$ENV_FILE" | tail -n 1)
PORT=${PORT:-8443}
HOST=$(sed -n 's/^ROOST_HOST=[[:space:]]*\([^[:space:]]*\).*/\1/p' "$ENV_FILE" | tail -n 1)
case "$HOST" in
    "" | 0.0.0.0 | "::") HOST=127.0.0.1 ;;
esac

echo "ROOST-STEP start"
mkdir -p "$UNIT_DIR"
cp "$UNIT" "$UNIT_DIR/$SERVICE.tmp"
chmod 0644 "$UNIT_DIR/$SERVICE.tmp"
mv -f "$UNIT_DIR/$SERVICE.tmp" "$UNIT_DIR/$SERVICE"
systemctl daemon-reload || fail systemd "systemctl daemon-reload failed"
if systemctl is-active --quiet "$SERVICE"; then
    say "Restarting the server with the new version."
    systemctl enable "$SERVICE" 2>&1 || fail systemd "could not enable $SERVICE"
    systemctl restart "$SERVICE" 2>&1 || fail systemd "could not restart $SERVICE"
else
    say "Starting the server."
    systemctl enable --now "$SERVICE" 2>&1 || fail systemd "could not start $SERVICE"
fi

if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
    say "The firewall is on: opening port $PORT/tcp for Roost and 5353/udp for discovery."
    ufw allow "$PORT/tcp" comment 'Roost' >/dev/null || fail firewall "ufw allow $PORT/tcp failed"
    ufw allow 5353/udp comment 'mDNS (Roost discovery)' >/dev/null \
        || fail firewall "ufw allow 5353/udp failed"
fi

say "Waiting for the server to answer on port $PORT."
case "$HOST" in
    *:*) URL="https://[$HOST]:$PORT/healthz" ;;
    *) URL="https://$HOST:$PORT/healthz" ;;
esac
# Its certificate is the one it made itself: only "does it answer" matters here.
PROBE='
import ssl, sys, urllib.request
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    urllib.request.urlopen(sys.argv[1], context=ctx, timeout=5).close()
except Exception as exc:
    sys.exit(str(exc))
'
tries=0
until "$VENV/bin/python" -c "$PROBE" "$URL" 2>/dev/null; do
    tries=$((tries + 1))
    # A server that exits while starting (bad settings, port taken) is not waited for.
    if ! systemctl is-active --quiet "$SERVICE"; then
        journalctl -u "$SERVICE" -n 30 --no-pager 2>&1 || true
        fail not-started "the server stopped right after it started"
    fi
    if [ "$tries" -ge 120 ]; then
        journalctl -u "$SERVICE" -n 30 --no-pager 2>&1 || true
        fail not-healthy "the server did not answer on $URL within two minutes"
    fi
    sleep 1
done
say "The server is running."

echo "ROOST-STEP read"
INFO=$(runuser -u roost -- "$VENV/bin/roost-server" info --json \
    --data-dir "$DATA" --key-file "$ETC/data.key") || fail info "roost-server info failed"
UPGRADED=false
[ -n "$PREVIOUS" ] && UPGRADED=true
printf '%s' "$INFO" | "$VENV/bin/python" -c '
import json, sys
info = json.load(sys.stdin)
result = {
    "version": info.get("version"),
    "previous_version": sys.argv[2] or None,
    "upgraded": sys.argv[3] == "true",
    "state": info.get("state"),
    "fingerprint": info.get("fingerprint"),
    "setup_code": info.get("setup_code"),
    "port": int(sys.argv[1]),
}
print("ROOST-RESULT " + json.dumps(result))
' "$PORT" "$PREVIOUS" "$UPGRADED" || fail info "could not read the server's state"
