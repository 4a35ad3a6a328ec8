#!/usr/bin/python3
# The acceptance reference of pare compress (issue 11): a CIFAR-style ResNet-20 trained by PyTorch on
# Fashion-MNIST, exported to ONNX in eval mode (the exporter folds BatchNorm into the convolutions).
# Run with Debian's interpreter (python3-torch 1.13):
#   /usr/bin/python3 scripts/torch-fmnist-resnet20.py --epochs 3 -o r20-torch.onnx
# (the references of docs/benchmarks.md: this, 89.08 %; --lr 0.05, 90.67 %; --no-augment, 92.10 %)
# then
#   pare compress r20-torch.onnx -o r20-gf.onnx --method group-fisher --target macs=0.5 \
#     --data idx:/usr/share/datasets/fashion-mnist --normalize fashion-mnist --epochs 2 --crop-pad 2 --flip
import argparse, gzip, struct, time

import numpy as np
import torch
import torch.nn.functional as F

from torch_cifar_resnet import ResNet

p = argparse.ArgumentParser()
p.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
p.add_argument('--epochs', type=int, default=3)
p.add_argument('--lr', type=float, default=0.1)
p.add_argument('--batch', type=int, default=128)
p.add_argument('--limit', type=int, default=0, help='train images (0: all), for a quick check')
p.add_argument('--threads', type=int, default=2)
p.add_argument('--no-augment', action='store_true', help='train on the plain images (no crop, no flip)')
p.add_argument('-o', '--output', default='r20-torch.onnx')
a = p.parse_args()
torch.manual_seed(0)
torch.set_num_threads(a.threads)


def idx(name):
    with gzip.open(f'{a.data}/{name}', 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


MEAN, STD = 0.2860, 0.3530  # pare's fashion-mnist preset
xs = (torch.tensor(idx('train-images-idx3-ubyte.gz'), dtype=torch.float32) / 255 - MEAN) / STD
ys = torch.tensor(idx('train-labels-idx1-ubyte.gz'), dtype=torch.long)
xt = (torch.tensor(idx('t10k-images-idx3-ubyte.gz'), dtype=torch.float32) / 255 - MEAN) / STD
yt = torch.tensor(idx('t10k-labels-idx1-ubyte.gz'), dtype=torch.long)
if a.limit:
    xs, ys = xs[:a.limit], ys[:a.limit]
xs, xt = xs.unsqueeze(1), xt.unsqueeze(1)


def augment(x):
    # pad 2 + random crop, random horizontal flip (the references: crop + flip)
    n = x.shape[0]
    padded = F.pad(x, (2, 2, 2, 2))
    i, j = np.random.randint(0, 5, 2)
    x = padded[:, :, i:i + 28, j:j + 28]
    flip = torch.rand(n) < 0.5
    x[flip] = x[flip].flip(3)
    return x


model = ResNet(20)
opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
steps = a.epochs * ((len(xs) + a.batch - 1) // a.batch)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
np.random.seed(0)
t0 = time.time()
for epoch in range(a.epochs):
    model.train()
    perm = torch.randperm(len(xs))
    for k in range(0, len(xs), a.batch):
        b = perm[k:k + a.batch]
        x = xs[b].clone()
        loss = F.cross_entropy(model(x if a.no_augment else augment(x)), ys[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        acc = sum((model(xt[k:k + 1000]).argmax(1) == yt[k:k + 1000]).sum().item() for k in range(0, len(xt), 1000)) / len(xt)
    print(f'epoch {epoch + 1}: test acc {acc * 100:.2f} %, {time.time() - t0:.0f} s', flush=True)
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), a.output, opset_version=13, input_names=['input'],
                  output_names=['logits'], dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
print(f'wrote {a.output}')
