#!/usr/bin/env bash
# One command on a GPU machine (a checkout after `bash scripts/setup.sh`, and the GPU's Vulkan
# driver: NVIDIA's ships nvidia_icd.json): lists the Vulkan drivers, then records StyleGAN2
# generation and training images/s on the webgpu backend (Dawn) at 64, 256 and 1024 px with
# NVIDIA's config-F shape to docs/bench-webgpu.json (bench/webgpu.ts; a size that fails, e.g. out of
# memory, is recorded as an error). SIZES and OUT override the sizes and the file; further
# arguments go to bench/webgpu.ts (e.g. --train-batch 32). Without a GPU adapter it stops with the
# reason (SwiftShader only with STYLEGAN_WEBGPU_ALLOW_CPU=1, for a smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-64,256,1024}
OUT=${OUT:-docs/bench-webgpu.json}
echo "Vulkan drivers (ICDs): ${VK_ICD_FILENAMES:-$(ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | grep json | tr '\n' ' ')}"
if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; fi
node --import tsx bench/webgpu.ts --backend webgpu --res "$SIZES" --json "$OUT" "$@"
echo "wrote $OUT"
