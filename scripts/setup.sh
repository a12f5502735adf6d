#!/usr/bin/env bash
# Set-up on a fresh machine: Debian packages (OpenBLAS for the native backend, Chromium for the
# browser tests and for its SwiftShader Vulkan driver, the Vulkan loader libvulkan1 for the
# webgpu backend's Dawn) when we may install them, then `npm ci` (which builds the native addon,
# and dist/ through the prepare script).
# Without root or apt-get it skips the system packages: the native backend then falls back
# to wasm and only the browser tests need Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
ls /usr/lib/*/libopenblas.so >/dev/null 2>&1 || need+=(libopenblas-dev)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Only the loader: its recommended mesa-vulkan-drivers (lavapipe) is refused by Dawn anyway.
vulkan=()
ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' || vulkan+=(libvulkan1)
if [ $((${#need[@]} + ${#vulkan[@]})) -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need[*]} ${vulkan[*]}"
    apt-get update -qq
    [ ${#need[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
    [ ${#vulkan[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${vulkan[@]}"
  else
    echo "setup: please install ${need[*]} ${vulkan[*]} (Debian/Ubuntu: sudo apt-get install ${need[*]} ${vulkan[*]})" >&2
  fi
fi
npm ci --no-audit --no-fund
