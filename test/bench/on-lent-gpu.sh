#!/usr/bin/env bash
# `npm run bench -- --node` on a lent GPU machine that has no Node.js and reaches no
# registry. Prepare here (needs node_modules):
#   node test/bench/build-node-bundle.mjs .devbench/bundle
#   mkdir -p .devbench/node_modules/webgpu/dist/linux-x64 && cp node_modules/webgpu/{index.js,package.json} .devbench/node_modules/webgpu/
#   cp node_modules/webgpu/dist/linux-x64/dawn.node .devbench/node_modules/webgpu/dist/linux-x64/
#   xz -c "$(command -v node)" > .devbench/node.xz
#   (cd .gl && apt-get download libvulkan1)      # the Vulkan loader Dawn opens
# then run this there with .devbench and .gl carried; OUT is where results go.
# Extra arguments go to the bench (for example --parallelism 262144).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/bench-out}"
mkdir -p "$OUT"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
NODE="$(command -v node || true)"
if [ -z "$NODE" ]; then
  python3 -c "import lzma, shutil; shutil.copyfileobj(lzma.open('.devbench/node.xz'), open('/tmp/node', 'wb'))"
  chmod +x /tmp/node
  NODE=/tmp/node
fi
[ -e node_modules ] || ln -s .devbench/node_modules node_modules
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"; break; fi
done
echo "node $("$NODE" --version), ICD ${VK_ICD_FILENAMES:-none found}"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv 2>&1
BENCH_BUNDLE="$PWD/.devbench/bundle/node-modules.mjs" "$NODE" test/bench/run.mjs --node \
  --json "$OUT/bench.json" --markdown "$OUT/BENCHMARKS.md" "$@" 2>&1 | tee "$OUT/log.txt"
