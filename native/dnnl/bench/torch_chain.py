"""PyTorch (Debian python3-torch 1.13.1, oneDNN 2.6.3) reference for bench/dnnl-conv.ts.

6 x (Conv2d 3x3 pad 1, bias) + ReLU, batch 128, fwd + bwd (input needs no grad), 2 threads.
Run: OMP_WAIT_POLICY=passive /usr/bin/python3 native/dnnl/bench/torch_chain.py [--steps 10] [--threads 2]
Prints JSON: per config median / min step ms and a per-op breakdown from torch.profiler.
"""
import argparse
import json
import os
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=10)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--channels-last", action="store_true")
p.add_argument("--profile", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)

res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": 128,
       "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY", "(default)"),
       "loadavg": [round(x, 2) for x in os.getloadavg()], "results": {}}
for name, c, hw in [("16ch 28x28", 16, 28), ("32ch 14x14", 32, 14), ("64ch 7x7", 64, 7)]:
    layers = []
    for _ in range(6):
        layers += [torch.nn.Conv2d(c, c, 3, padding=1, bias=True), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers)
    x = torch.randn(128, c, hw, hw)
    if a.channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)

    def step():
        for q in net.parameters():
            q.grad = None
        y = net(x)
        y.backward(torch.full_like(y, 1.0 / y.numel()))

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
    r = {"stepMsMedian": round(ts[len(ts) // 2], 2), "stepMsMin": round(ts[0], 2),
         "stepCpuMsMedian": round(cs[len(cs) // 2], 2),
         "stepCpuMsPerThread": round(cs[len(cs) // 2] / a.threads, 2)}
    if a.profile:
        with torch.profiler.profile() as prof:
            for _ in range(3):
                step()
        ops = {}
        for e in prof.key_averages():
            if e.key in ("aten::mkldnn_convolution", "aten::convolution_backward", "aten::relu",
                         "aten::threshold_backward", "aten::to_dense", "aten::to_mkldnn"):
                ops[e.key] = round(e.self_cpu_time_total / 1e3 / 3, 2)
        r["selfMsPerStep"] = ops
    res["results"][name] = r
print(json.dumps(res, indent=2))
