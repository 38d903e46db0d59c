#!/usr/bin/env bash
# The test command (README, CI): install liblz4-dev and libsimde-dev if missing, build, run every test;
# then the browser tests (Tests/browser: the page in headless Chromium against `masksearch serve`).
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/ensure-deps.sh --tests
swift build --build-tests
swift test --skip-build
.build/test-venv/bin/python -m pytest -q -p no:cacheprovider Tests/browser
