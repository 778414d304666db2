#!/usr/bin/env bash
# Set up everything wheeltrain needs on a fresh machine: a virtual environment in .venv with
# wheeltrain (editable) and its development and release tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${WHEELTRAIN_PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "setup.sh: error: $PYTHON is missing or older than 3.10: set WHEELTRAIN_PYTHON" >&2
    exit 2
fi
# podman (runc) and mmdebstrap for builds in containers; installed when missing and root
bash scripts/system-packages.sh
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.wheeltrain-setup
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    echo "$want" > "$stamp"
fi
# Byte-compile wheeltrain: with PYTHONDONTWRITEBYTECODE set (as on some machines) an editable
# install would otherwise compile every module from source on every command.
.venv/bin/python -m compileall -q src/wheeltrain
echo "setup.sh: .venv is ready ($(.venv/bin/wheeltrain --version))"
