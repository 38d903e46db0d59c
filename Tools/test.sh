#!/usr/bin/env bash
# The test command (README, CI): install liblz4-dev and libsimde-dev if missing, build, run every test;
# then the browser tests (Tests/browser: the page in headless Chromium against `masksearch serve`),
# the server's OpenAPI description checked against a live server by schemathesis (Tests/server),
# then the Python client: `pip install ./python` into the test venv (a release build of the
# engine library, incremental after the first) and its tests (python/tests, against the debug CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/ensure-deps.sh --tests
swift build --build-tests
swift test --skip-build
.build/test-venv/bin/python -m pytest -q -p no:cacheprovider Tests/browser
.build/test-venv/bin/python -m pytest -q -p no:cacheprovider Tests/server
.build/test-venv/bin/pip install -q ./python
MASKSEARCH_BIN="$PWD/.build/debug/masksearch" .build/test-venv/bin/python -m pytest -q -p no:cacheprovider python/tests
