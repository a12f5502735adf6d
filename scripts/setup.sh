#!/usr/bin/env bash
# Set-up on a fresh machine: Debian packages (OpenBLAS for the native backend, Chromium for the
# browser tests) when we may install them, then `npm ci` (which builds the native addon, and
# dist/ through the prepare script).
# Without root or apt-get it skips the system packages: the native backend then falls back
# to wasm and only the browser tests need Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
ls /usr/lib/*/libopenblas.so >/dev/null 2>&1 || need+=(libopenblas-dev)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "setup: please install ${need[*]} (Debian/Ubuntu: sudo apt-get install ${need[*]})" >&2
  fi
fi
npm ci --no-audit --no-fund
