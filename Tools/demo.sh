#!/usr/bin/env bash
# The main job on the embedded default: install liblz4-dev if missing, build release,
# then `masksearch demo` (generate a default dataset, ingest, index, run the paper's queries).
# Extra arguments go to `masksearch demo` (e.g. --masks 3000 --dir /tmp/ms-demo).
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/ensure-deps.sh
swift build -c release --static-swift-stdlib --product masksearch
exec .build/release/masksearch demo "$@"
