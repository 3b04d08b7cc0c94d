#!/usr/bin/env bash
# GPU performance check of the torch worker (docs/performance.md); run from
# the repository root: bash trainer/torch/gpu_check.sh [--device cpu --tiny]
# Installs nothing; uses the first python3 that imports torch.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=""
for c in ${TIEDLORA_PYTHON:-} python3 /usr/bin/python3 python; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import torch' 2>/dev/null; then py=$c; break; fi
done
if [ -z "$py" ]; then echo "no python3 that can import torch" >&2; exit 2; fi
export PYTHONPATH="$PWD/trainer/torch${PYTHONPATH:+:$PYTHONPATH}"
exec timeout 290 "$py" trainer/torch/gpu_check.py "$@"
