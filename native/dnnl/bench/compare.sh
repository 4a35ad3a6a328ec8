#!/usr/bin/env bash
# Interleaved oneDNN-addon vs PyTorch comparison (same machine, same moment, same threads).
# Usage: [BN_THREADS=1] native/dnnl/bench/compare.sh [rounds=3] [threads=1] [outdir=/tmp/pare-dnnl-bench]
# Records process CPU time per step (robust when other processes share the cores) and wall time.
# PyTorch runs twice: glibc malloc defaults, and with malloc tunables that stop it from returning
# activation memory to the OS every step (page faults otherwise cost it 30-50%).
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROUNDS=${1:-3}
THREADS=${2:-1}
OUT=${3:-/tmp/pare-dnnl-bench}
mkdir -p "$OUT"
export OMP_WAIT_POLICY=passive
TUNED="glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296"
PY=/usr/bin/python3
BNT=${BN_THREADS:-0}
for r in $(seq 1 "$ROUNDS"); do
  npx --no-install tsx bench/dnnl-resnet.ts --steps 5 --threads "$THREADS" --bn-threads "$BNT" >"$OUT/dnnl-resnet20.$r.json" 2>/dev/null
  npx --no-install tsx bench/dnnl-resnet.ts --steps 5 --threads "$THREADS" --bn-threads "$BNT" --fuse --modes blocked >"$OUT/dnnl-resnet20-fused.$r.json" 2>/dev/null
  GLIBC_TUNABLES=$TUNED $PY native/dnnl/bench/torch_resnet.py --steps 5 --threads "$THREADS" >"$OUT/torch-resnet20-tuned.$r.json"
  $PY native/dnnl/bench/torch_resnet.py --steps 5 --threads "$THREADS" >"$OUT/torch-resnet20.$r.json"
  npx --no-install tsx bench/dnnl-conv.ts --steps 5 --threads "$THREADS" --modes blocked,plain >"$OUT/dnnl-chain.$r.json" 2>/dev/null
  GLIBC_TUNABLES=$TUNED $PY native/dnnl/bench/torch_chain.py --steps 5 --threads "$THREADS" >"$OUT/torch-chain-tuned.$r.json"
  $PY native/dnnl/bench/torch_chain.py --steps 5 --threads "$THREADS" >"$OUT/torch-chain.$r.json"
done
$PY native/dnnl/bench/summarize.py "$OUT"
