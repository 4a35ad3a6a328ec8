"""The CIFAR-style ResNet (He et al. 2016, section 4.2) as `pare zoo resnetN` builds it, for PyTorch
peers and references: 3x3 stem to 16 channels, three stages of (depth - 2) / 6 basic blocks at
16/32/64 channels (stride 2 entering stages 2 and 3), 1x1-conv + BN shortcuts where the shape changes,
global average pool, Linear(64, classes). One input channel (Fashion-MNIST) unless told otherwise.

Used by scripts/torch-fmnist-resnet20.py, bench/torch_train.py and native/dnnl/bench/torch_resnet.py.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


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
    """`features=True`: forward returns (logits, [the three stage outputs]) for feature distillation."""

    def __init__(self, depth, in_channels=1, classes=10, features=False):
        super().__init__()
        k = (depth - 2) // 6
        self.features = features
        self.stem = nn.Sequential(nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        stages, cin = [], 16
        for si, cout in enumerate([16, 32, 64]):
            blocks = []
            for b in range(k):
                blocks.append(Block(cin, cout, 2 if si > 0 and b == 0 else 1))
                cin = cout
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        feats = []
        x = self.stem(x)
        for s in self.stages:
            x = s(x)
            feats.append(x)
        logits = self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
        return (logits, feats) if self.features else logits
