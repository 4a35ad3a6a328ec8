"""Summarize compare.sh output: min and median over rounds of per-step CPU ms (and min wall ms)."""
import glob
import json
import os
import statistics
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/pare-dnnl-bench"


def load(name):
    return [json.load(open(f)) for f in sorted(glob.glob(os.path.join(out, f"{name}.*.json")))]


def stat(vals):
    return f"min {min(vals):7.1f}  med {statistics.median(vals):7.1f}  (n={len(vals)})"


rows = {}
for name in ["dnnl-resnet20", "dnnl-resnet20-fused"]:
    for d in load(name):
        for mode, r in d["results"].items():
            rows.setdefault(f"{name} {mode}", []).append(r["stepCpuMsMedian"])
for name in ["torch-resnet20", "torch-resnet20-tuned"]:
    for d in load(name):
        rows.setdefault(name, []).append(d["stepCpuMsMedian"])
for name in ["dnnl-chain"]:
    for d in load(name):
        for cfg, modes in d["results"].items():
            for mode, r in modes.items():
                rows.setdefault(f"{name} {cfg} {mode}", []).append(r["stepCpuMsMedian"])
for name in ["torch-chain", "torch-chain-tuned"]:
    for d in load(name):
        for cfg, r in d["results"].items():
            rows.setdefault(f"{name} {cfg}", []).append(r["stepCpuMsMedian"])
loads = [d["loadavg"][0] for d in load("torch-resnet20")]
print(f"# per-step process CPU ms (all threads); load averages seen: {loads}")
for k in sorted(rows):
    print(f"{k:40s} {stat(rows[k])}")
