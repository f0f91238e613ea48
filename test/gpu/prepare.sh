#!/usr/bin/env bash
# Downloads what test/gpu/check.sh needs on a GPU machine without network access. Run it on a
# machine with network access, then carry .cache/gpu/ (ignored by git) to the GPU machine:
#   ort-cuda/      onnxruntime-node's CUDA provider libraries, taken from the NuGet package
#                  Microsoft.ML.OnnxRuntime.Gpu.Linux that its install script would download
#   cuda-libs/     with --cuda-libs: the CUDA 12 runtime, cuBLAS, cuFFT, cuRAND and cuDNN 9
#                  shared libraries from NVIDIA's PyPI wheels, for a machine with the NVIDIA
#                  driver but no CUDA toolkit (needs python3 with pip; about 1.5 GB unpacked)
# The provider library alone is several hundred MB; check what a transfer to the GPU machine
# allows before carrying it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
cache="${DEIT_GPU_CACHE:-$repo/.cache/gpu}"
mkdir -p "$cache"

version="$(node -p "require('onnxruntime-node/package.json').version")"
id="microsoft.ml.onnxruntime.gpu.linux"
package="$cache/$id.$version.nupkg"
# NuGet's flat container ("PackageBaseAddress") serves every package version at this URL.
url="https://api.nuget.org/v3-flatcontainer/$id/$version/$id.$version.nupkg"

if [ ! -f "$package" ]; then
  echo "downloading $url"
  curl -fL --retry 3 -o "$package.part" "$url"
  mv "$package.part" "$package"
fi

mkdir -p "$cache/ort-cuda"
(cd "$cache/ort-cuda" && unzip -o -j "$package" \
  'runtimes/linux-x64/native/libonnxruntime_providers_cuda.so' \
  'runtimes/linux-x64/native/libonnxruntime_providers_shared.so')

if [ "${1:-}" = "--cuda-libs" ]; then
  wheels="$cache/wheels"
  mkdir -p "$wheels" "$cache/cuda-libs"
  python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
    --platform manylinux_2_27_x86_64 --platform manylinux2014_x86_64 -d "$wheels" \
    'nvidia-cuda-runtime-cu12' 'nvidia-cublas-cu12' 'nvidia-cufft-cu12' \
    'nvidia-curand-cu12' 'nvidia-cudnn-cu12>=9,<10'
  for wheel in "$wheels"/*.whl; do
    unzip -o -j -q "$wheel" 'nvidia/*/lib/*.so*' -d "$cache/cuda-libs"
  done
fi

# The package itself is not needed once the libraries are out of it.
rm -f "$package"
du -sh "$cache"/* 2>/dev/null
echo "done: carry $cache to the GPU machine and run test/gpu/check.sh there"
