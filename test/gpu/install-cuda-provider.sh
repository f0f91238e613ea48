#!/usr/bin/env bash
# Installs onnxruntime-node's CUDA provider libraries from a local cache, without network:
# from CACHE/ort-cuda/*.so, else from the NuGet package CACHE/*.nupkg that onnxruntime-node's
# own install script would download (Microsoft.ML.OnnxRuntime.Gpu.Linux of the same version).
# Usage: install-cuda-provider.sh CACHE BINDING_FOLDER
set -euo pipefail

cache="$1"
binding="$2"
libraries=(libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so)

if [ -f "$cache/ort-cuda/${libraries[0]}" ]; then
  for library in "${libraries[@]}"; do
    cp "$cache/ort-cuda/$library" "$binding/"
  done
  echo "gpu check: installed the CUDA provider libraries from $cache/ort-cuda"
  exit 0
fi

version="$(node -p "require('onnxruntime-node/package.json').version")"
package="$cache/microsoft.ml.onnxruntime.gpu.linux.$version.nupkg"
if [ ! -f "$package" ]; then
  echo "gpu check: neither $cache/ort-cuda/ nor $package exists; run test/gpu/prepare.sh on a machine with network access and carry .cache/gpu" >&2
  exit 1
fi

# A .nupkg is a zip file; adm-zip is a dependency of onnxruntime-node, so it is installed.
node - "$package" "$binding" "${libraries[@]}" <<'EOF'
const [packagePath, binding, ...libraries] = process.argv.slice(2);
const { createRequire } = require('node:module');
const requireFromOrt = createRequire(require.resolve('onnxruntime-node/package.json'));
const AdmZip = requireFromOrt('adm-zip');
const zip = new AdmZip(packagePath);
for (const library of libraries) {
  const entry = zip.getEntry(`runtimes/linux-x64/native/${library}`);
  if (!entry) throw new Error(`${packagePath} has no runtimes/linux-x64/native/${library}`);
  zip.extractEntryTo(entry, binding, false, true);
}
console.log(`gpu check: installed the CUDA provider libraries from ${packagePath}`);
EOF
