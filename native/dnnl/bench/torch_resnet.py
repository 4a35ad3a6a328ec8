"""PyTorch reference for bench/dnnl-resnet.ts: ResNet-20 (1x28x28, 16/32/64, 1x1-conv+BN shortcuts),
batch 128, SGD momentum, cross-entropy, random data (no loader). Same model as the TS bench.

Run: OMP_WAIT_POLICY=passive /usr/bin/python3 native/dnnl/bench/torch_resnet.py [--steps 10] [--threads 2]
     [--depth 20] [--channels-last]
Prints JSON with wall (median/min) and process CPU time per step.
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=10)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--depth", type=int, default=20)
p.add_argument("--channels-last", action="store_true")
p.add_argument("--profile", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.sc = None
        if stride != 1 or cin != cout:
            self.sc = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (self.sc(x) if self.sc is not None else x))


class ResNet(nn.Module):
    def __init__(self, depth):
        super().__init__()
        k = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        layers, cin = [], 16
        for si, cout in enumerate([16, 32, 64]):
            for b in range(k):
                layers.append(Block(cin, cout, 2 if si > 0 and b == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


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
