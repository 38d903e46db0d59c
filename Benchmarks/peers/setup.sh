#!/usr/bin/env bash
# Creates (or reuses) a virtualenv for the benchmark peers and installs pinned TileDB, DuckDB,
# pyarrow (DuckDB's zero-copy ingest path for list columns) and matplotlib into it. NumPy comes from
# the system Python (--system-site-packages).
#
#     Benchmarks/peers/setup.sh [VENV_DIR]      # default /tmp/masksearch-peers-venv
#
# Idempotent: an existing venv is reused and pip leaves already-satisfied pins alone.
# Prints the installed versions. Nothing in the Swift build or its tests uses this.
set -euo pipefail

VENV="${1:-${MASKSEARCH_PEERS_VENV:-/tmp/masksearch-peers-venv}}"
PYTHON="${PYTHON:-python3}"
PINS=(tiledb==0.36.1 duckdb==2.0.1 pyarrow==26.0.1 matplotlib==3.11.2)

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv --system-site-packages "$VENV"
fi
if ! "$VENV/bin/python" - "${PINS[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    if version(name) != want:
        sys.exit(1)
PY
then
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "${PINS[@]}"
fi
"$VENV/bin/python" - <<'PY'
import sys, numpy, tiledb, duckdb, pyarrow, matplotlib
print(f"python {sys.version.split()[0]}  numpy {numpy.__version__}  tiledb-py {tiledb.__version__} "
      f"(libtiledb {'.'.join(map(str, tiledb.libtiledb.version()))})  duckdb {duckdb.__version__}  pyarrow {pyarrow.__version__}  "
      f"matplotlib {matplotlib.__version__}")
PY
echo "venv: $VENV  (use $VENV/bin/python to run the peers)"
