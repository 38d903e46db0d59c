#!/usr/bin/env bash
# Installs the system libraries masksearch needs when they are missing: liblz4-dev (storage),
# libspng-dev with zlib1g-dev (PNG) and libturbojpeg0-dev (JPEG), and pkg-config; with --tests
# also libsimde-dev (headers only), with which debug builds run the AVX-512 kernel paths
# emulated (Sources/CMaskKernels/internal.h), and for the browser tests (Tests/browser) Debian's
# chromium and chromium-driver plus a Python venv at .build/test-venv with pytest, selenium,
# numpy and pillow (Tests/browser/requirements.txt) and pandas for the Python client's tests
# (python/requirements-test.txt) and schemathesis for the server's OpenAPI test
# (Tests/server/requirements.txt; created once, then reused). Used by
# Tools/demo.sh and Tools/test.sh; safe to run again.
set -euo pipefail
packages=()
if ! pkg-config --exists liblz4 2>/dev/null || [ ! -f /usr/include/lz4.h ]; then
  packages+=(liblz4-dev pkg-config)
fi
if ! pkg-config --exists spng 2>/dev/null || [ ! -f /usr/include/spng.h ]; then
  packages+=(libspng-dev zlib1g-dev pkg-config)
fi
if ! pkg-config --exists libturbojpeg 2>/dev/null || [ ! -f /usr/include/turbojpeg.h ]; then
  packages+=(libturbojpeg0-dev pkg-config)
fi
if [ "${1:-}" = "--tests" ] && [ ! -f /usr/include/simde/x86/avx512.h ]; then
  packages+=(libsimde-dev)
fi
if [ "${1:-}" = "--tests" ]; then
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || packages+=(chromium-driver)
  command -v python3 >/dev/null 2>&1 || packages+=(python3)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "masksearch: installing ${packages[*]} with apt-get" >&2
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
fi
if [ "${1:-}" = "--tests" ]; then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  venv="$root/.build/test-venv"
  if ! "$venv/bin/python" -c 'import pytest, selenium, numpy, PIL, pandas, ray' >/dev/null 2>&1; then
    echo "masksearch: creating $venv (pip install -r Tests/browser/requirements.txt -r python/requirements-test.txt)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$root/Tests/browser/requirements.txt" -r "$root/python/requirements-test.txt"
  fi
  if ! "$venv/bin/python" -c 'import schemathesis' >/dev/null 2>&1; then
    echo "masksearch: installing schemathesis into $venv (pip install -r Tests/server/requirements.txt)" >&2
    "$venv/bin/python" -m pip install -q -r "$root/Tests/server/requirements.txt"
  fi
fi
