#!/usr/bin/env bash
# CI smoke of the fuzz targets: build them, run each for 60 seconds (in parallel), and exit
# non-zero when any target crashed, timed out or ran out of memory.
#   bash bench/fuzz/smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash bench/fuzz/run.sh --time "${1:-60}" --workers 1 --out build-fuzz/smoke
