#!/usr/bin/env bash
# The test command (README, CI): install liblz4-dev if missing, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/ensure-deps.sh
swift build --build-tests
swift test --skip-build
