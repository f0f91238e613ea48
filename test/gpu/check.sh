#!/usr/bin/env bash
# Checks that DeiT Tagger's labels on an NVIDIA GPU match the CPU's, and measures photos per
# second on each execution provider.
#
# Works offline: the CUDA provider libraries come from .cache/gpu/ (filled by
# test/gpu/prepare.sh on a machine with network access) when onnxruntime-node does not have
# them yet. Without a GPU, or without those libraries, it checks the CPU alone and prints why
# each GPU provider was skipped. Arguments go to test/gpu/compare.ts, for example
#   test/gpu/check.sh --spec tiny --photos 16
# Exit status: 0 when every GPU provider that ran agrees with the CPU, 1 otherwise (and, on a
# machine where nvidia-smi detects a GPU, also when CUDA did not run).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
cache="${DEIT_GPU_CACHE:-$repo/.cache/gpu}"

if [ ! -d node_modules/onnxruntime-node ] || [ ! -d node_modules/tsx ]; then
  echo "gpu check: node_modules is missing; run npm install on a networked machine and carry it" >&2
  exit 1
fi

platform="$(uname -s)/$(uname -m)"
binding="node_modules/onnxruntime-node/bin/napi-v6/linux/x64"
if [ "$platform" != "Linux/x86_64" ]; then
  echo "gpu check: $platform has no CUDA provider in onnxruntime-node; checking the other providers"
elif [ -f "$binding/libonnxruntime_providers_cuda.so" ]; then
  echo "gpu check: CUDA provider libraries already installed in $binding"
else
  bash test/gpu/install-cuda-provider.sh "$cache" "$binding" ||
    echo "gpu check: CUDA provider libraries not installed; CUDA will be skipped"
fi

# CUDA 12 runtime and cuDNN 9 libraries carried from PyPI wheels, for a machine that has the
# NVIDIA driver but not the CUDA toolkit.
if [ -d "$cache/cuda-libs" ]; then
  export LD_LIBRARY_PATH="$cache/cuda-libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "gpu check: using CUDA libraries from $cache/cuda-libs"
fi

extra=()
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader |
    sed 's/^/gpu check: GPU /'
  # A machine with a GPU must run CUDA, or the check would pass on the CPU alone.
  extra+=(--require-gpu)
else
  echo "gpu check: no NVIDIA GPU visible (nvidia-smi is missing or lists none)"
fi

# TF32 matrix products round to 10-bit mantissas (about 1e-3 relative), which would exceed the
# logit tolerance; the check compares full float32 on both sides.
export NVIDIA_TF32_OVERRIDE=0

exec node --import tsx test/gpu/compare.ts "${extra[@]}" "$@"
