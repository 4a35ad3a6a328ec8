"""PyTorch reference for bench/dnnl-resnet.ts: ResNet-20 (1x28x28, 16/32/64, 1x1-conv+BN shortcuts),
batch 128, SGD momentum, cross-entropy, random data (no loader). Same model as the TS bench.

Run: OMP_WAIT_POLICY=passive /usr/bin/python3 native/dnnl/bench/torch_resnet.py [--steps 10] [--threads 2]
     [--depth 20] [--channels-last]
Prints JSON with wall (median/min) and process CPU time per step.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
from torch_cifar_resnet import ResNet  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=10)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--depth", type=int, default=20)
p.add_argument("--channels-last", action="store_true")
p.add_argument("--profile", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


net = ResNet(a.depth)
x = torch.randn(128, 1, 28, 28)
y = torch.arange(128) % 10
if a.channels_last:
    net = net.to(memory_format=torch.channels_last)
    x = x.to(memory_format=torch.channels_last)
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)


def step():
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(3):
    step()
ts, cs = [], []
for _ in range(a.steps):
    c0 = time.process_time()
    t0 = time.perf_counter()
    step()
    ts.append((time.perf_counter() - t0) * 1e3)
    cs.append((time.process_time() - c0) * 1e3)
ts.sort()
cs.sort()
cpu = cs[len(cs) // 2]
r = {
    "torch": torch.__version__,
    "model": f"ResNet-{a.depth}",
    "threads": torch.get_num_threads(),
    "channelsLast": a.channels_last,
    "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY", "(default)"),
    "loadavg": [round(v, 2) for v in os.getloadavg()],
    "params": sum(q.numel() for q in net.parameters()),
    "stepMsMedian": round(ts[len(ts) // 2], 1),
    "stepMsMin": round(ts[0], 1),
    "stepCpuMsMedian": round(cpu, 1),
    "stepCpuMsPerThread": round(cpu / a.threads, 1),
    "imgPerSecWallMin": round(128e3 / ts[0]),
    "imgPerSecCpuPerThread": round(128e3 * a.threads / cpu),
}
if a.profile:
    with torch.profiler.profile() as prof:
        for _ in range(3):
            step()
    r["profile"] = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15)
    print(r.pop("profile"))
print(json.dumps(r, indent=2))
