#!/usr/bin/env bash
# Installs the system libraries masksearch needs when they are missing: liblz4-dev (storage),
# libspng-dev with zlib1g-dev (PNG) and libturbojpeg0-dev (JPEG), and pkg-config; with --tests
# also libsimde-dev (headers only), with which debug builds run the AVX-512 kernel paths
# emulated (Sources/CMaskKernels/internal.h). Used by Tools/demo.sh and Tools/test.sh; safe to
# run again.
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
if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi
echo "masksearch: installing ${packages[*]} with apt-get" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
