# Sourced by ./roost and ./test: find a supported Python and keep a virtual environment in step
# with pyproject.toml. Usage: bootstrap_venv <venv-name-prefix> <extras>
# ROOST_PYTHON picks the interpreter: a command, a path, or a version such as 3.12 (via pyenv).

find_python() {
    local want="${ROOST_PYTHON:-}"
    local candidates=()
    if [ -n "$want" ]; then
        candidates+=("$want" "python$want")
        if command -v pyenv >/dev/null 2>&1; then
            local prefix
            prefix=$(pyenv prefix "$want" 2>/dev/null || true)
            [ -z "$prefix" ] && prefix=$(pyenv prefix "$(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}(\.|$)" | tail -n 1)" 2>/dev/null || true)
            [ -n "$prefix" ] && candidates+=("$prefix/bin/python")
        fi
    else
        candidates+=(python3 python3.13 python3.12 python3.11)
    fi
    local c
    for c in "${candidates[@]}"; do
        if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))' 2>/dev/null; then
            command -v "$c"
            return 0
        fi
    done
    echo "Roost needs Python 3.11, 3.12 or 3.13${want:+ (asked for: $want)}; none was found." >&2
    echo "Install one (e.g. 'sudo apt install python3' or 'pyenv install 3.12') and try again." >&2
    return 1
}

bootstrap_venv() {
    local prefix="$1" extras="$2" python version venv stamp
    python=$(find_python) || exit 1
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    venv="$ROOT/.venv-$prefix-$version"
    stamp="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)-$extras"
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.roost-stamp" 2>/dev/null)" != "$stamp" ]; then
        echo "Setting up $venv (Python $version, extras: $extras)…" >&2
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
        "$venv/bin/python" -m pip install --quiet -e "$ROOT[$extras]" >&2
        echo "$stamp" > "$venv/.roost-stamp"
    fi
    VENV="$venv"
}
