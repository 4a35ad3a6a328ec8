"""PyTorch 1.13 peer of bench/train.ts, run by it in the same session: the zoo models as torch modules
(CIFAR ResNet with 1x1-conv+BN shortcuts, VGG-BN with the pools that fit and Linear(512), torchvision's
MobileNetV2 without dropout), batch 128 with pad-2 crop + flip + normalise on the host, SGD Nesterov
momentum 0.9, weight decay 5e-4, cosine LR; cross-entropy, or Hinton KD (alpha, T) from a teacher of the
same architecture run under no_grad, optionally plus attention transfer (Zagoruyko & Komodakis, beta/2 =
500 per pair) at the three stage outputs. Prints one JSON line: img/s over the timed steps, CPU ms per
step, peak RSS.

Run: /usr/bin/python3 bench/torch_train.py --model resnet20 [--steps 20] [--warmup 3] [--threads 2]
     [--loss ce|kd|kd-at] [--data fashion-mnist|random]
"""
import argparse
import gzip
import json
import math
import os
import resource
import time

import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from torch_cifar_resnet import ResNet  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--model", default="resnet20")
p.add_argument("--steps", type=int, default=20)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--loss", default="ce")
p.add_argument("--data", default="fashion-mnist")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
FASHION = "/usr/share/datasets/fashion-mnist"


class Vgg16(nn.Module):
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]

    def __init__(self, size=28):
        super().__init__()
        layers, cin = [], 1
        for v in self.cfg:
            if v == "M":
                if size >= 2:
                    layers.append(nn.MaxPool2d(2))
                    size //= 2
            else:
                layers += [nn.Conv2d(cin, v, 3, 1, 1), nn.BatchNorm2d(v), nn.ReLU()]
                cin = v
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(512, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1)), []


class MobileNetV2(nn.Module):
    def __init__(self):
        super().__init__()
        m = torchvision.models.mobilenet_v2(num_classes=10)
        m.features[0][0] = nn.Conv2d(1, 32, 3, 2, 1, bias=False)
        self.features = m.features
        self.fc = m.classifier[1]

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1)
        return self.fc(torch.flatten(x, 1)), []


def build(name):
    if name.startswith("resnet"):
        return ResNet(int(name[6:]), features=True)
    if name == "vgg16":
        return Vgg16()
    if name == "mobilenetv2":
        return MobileNetV2()
    raise SystemExit(f"unknown model {name}")


def load_data():
    if a.data == "fashion-mnist" and os.path.exists(f"{FASHION}/train-images-idx3-ubyte.gz"):
        with gzip.open(f"{FASHION}/train-images-idx3-ubyte.gz") as f:
            x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
        with gzip.open(f"{FASHION}/train-labels-idx1-ubyte.gz") as f:
            y = np.frombuffer(f.read(), np.uint8, offset=8)
        return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64)), (0.2860, 0.3530)
    g = torch.Generator().manual_seed(1)
    n = a.batch * 8
    return (torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8, generator=g),
            torch.randint(0, 10, (n,), generator=g), (0.5, 0.25))


def batches(x, y, norm):
    g = torch.Generator().manual_seed(0)
    mean, std = norm
    while True:
        perm = torch.randperm(len(y), generator=g)
        for i in range(0, len(y) - a.batch + 1, a.batch):
            idx = perm[i:i + a.batch]
            xb = F.pad(x[idx].float().div_(255), (2, 2, 2, 2))
            dy, dx = torch.randint(0, 5, (2,), generator=g).tolist()
            xb = xb[:, :, dy:dy + 28, dx:dx + 28]
            if torch.rand(1, generator=g).item() < 0.5:
                xb = xb.flip(3)
            yield (xb - mean) / std, y[idx]


def attention(f):
    return F.normalize(f.pow(2).mean(1).flatten(1))


model = build(a.model)
teacher = build(a.model).eval() if a.loss != "ce" else None
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
total = a.warmup + a.steps
x, y, norm = load_data()
it = batches(x, y, norm)
times = []
cpu0 = wall0 = None
for step in range(total):
    if step == a.warmup:
        cpu0, wall0 = time.process_time(), time.perf_counter()
    t0 = time.perf_counter()
    for g in opt.param_groups:
        g["lr"] = 0.1 * 0.5 * (1 + math.cos(math.pi * step / total))
    xb, yb = next(it)
    logits, feats = model(xb)
    if teacher is None:
        loss = F.cross_entropy(logits, yb)
    else:
        with torch.no_grad():
            tl, tf = teacher(xb)
        T, alpha = 4.0, 0.9
        kd = F.kl_div(F.log_softmax(logits / T, 1), F.log_softmax(tl / T, 1), reduction="batchmean",
                      log_target=True)
        loss = alpha * T * T * kd + (1 - alpha) * F.cross_entropy(logits, yb)
        if a.loss == "kd-at":
            for s, t in zip(feats, tf):
                loss = loss + 500 * (attention(s) - attention(t)).pow(2).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    times.append(time.perf_counter() - t0)
cpu = time.process_time() - cpu0
wall = time.perf_counter() - wall0
timed = sorted(times[a.warmup:])
print(json.dumps({
    "imgPerS": round(a.steps * a.batch / wall),
    "cpuMsPerStep": round(1000 * cpu / a.steps, 1),
    "stepMs": {"median": round(1000 * timed[len(timed) // 2], 1), "min": round(1000 * timed[0], 1)},
    "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "torch": torch.__version__,
}))
