#!/usr/bin/env bash
# Sets up everything glassnet's commands need, idempotently:
#   - a virtualenv in .venv with glassnet (editable) and the extras named in $1
#   - Debian's dataset-fashion-mnist package (the lecture's data; no download needed)
# Usage: scripts/setup.sh [extras]   e.g. scripts/setup.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

if [ ! -x .venv/bin/python ]; then
    echo "glassnet setup: creating the virtualenv .venv"
    python3 -m venv .venv
fi

pip_args=(--quiet --disable-pip-version-check)
if [ -d /opt/wheels ]; then
    pip_args+=(--find-links /opt/wheels)  # the local PyTorch CPU wheel (test-only)
fi
target="."
[ -n "$extras" ] && target=".[$extras]"
echo "glassnet setup: pip install -e '$target'"
.venv/bin/python -m pip install "${pip_args[@]}" -e "$target"

if ! dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then
    echo "glassnet setup: installing Debian's dataset-fashion-mnist"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo_cmd="sudo"
    fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
