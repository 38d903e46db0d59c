#!/usr/bin/env bash
# Installs the one system library masksearch needs (liblz4-dev) when it is missing.
# Used by Tools/demo.sh and Tools/test.sh; safe to run again.
set -euo pipefail
if pkg-config --exists liblz4 2>/dev/null && [ -f /usr/include/lz4.h ]; then
  exit 0
fi
echo "masksearch: installing liblz4-dev (and pkg-config) with apt-get" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq liblz4-dev pkg-config >/dev/null
