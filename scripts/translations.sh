#!/usr/bin/env bash
# Extracts the translatable strings of app/ and ui/ into resources/translations/*.ts (keeping the
# translations already there) and compiles them into the .qm files the app loads.
# Usage: scripts/translations.sh [python]   (default: the dev venv's, .venv/bin/python)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${1:-$ROOT/.venv/bin/python}"
BIN="$(dirname "$PY")"
cd "$ROOT"
mapfile -t SOURCES < <(git ls-files --cached --others --exclude-standard 'app/*.py' 'ui/*.py' | sort)
for lang in zh_CN; do
    "$BIN/pyside6-lupdate" -no-obsolete -locations none "${SOURCES[@]}" -ts "resources/translations/roost_${lang}.ts"
    "$BIN/pyside6-lrelease" -silent "resources/translations/roost_${lang}.ts" -qm "resources/translations/roost_${lang}.qm"
done
