#!/usr/bin/python3
"""Export torchvision models (random weights) to ONNX with BatchNorm kept, and print PyTorch's own
parameter count for each, as JSON lines: {"model": ..., "file": ..., "params": ...}.

BN kept = training=TrainingMode.TRAINING-free eval export with constant folding off, the way a
user exports a model to keep training it; PyTorch then de-duplicates equal initializers (the BN
weights of 1 and biases of 0 of a fresh model) through Identity nodes, which is what pare must count
through. Usage: /usr/bin/python3 scripts/export-torchvision.py OUT_DIR [name ...]
(Debian's python3-torch and python3-torchvision.)
"""
import json
import os
import sys

import torch
import torchvision

out_dir = sys.argv[1]
names = sys.argv[2:] or ["resnet18", "resnet50", "mobilenet_v2"]
os.makedirs(out_dir, exist_ok=True)
torch.manual_seed(0)
for name in names:
    model = getattr(torchvision.models, name)(weights=None).eval()
    params = sum(p.numel() for p in model.parameters())
    file = os.path.join(out_dir, f"{name}.onnx")
    x = torch.randn(1, 3, 224, 224)
    torch.onnx.export(
        model,
        x,
        file,
        opset_version=13,
        do_constant_folding=False,
        training=torch.onnx.TrainingMode.PRESERVE,
        input_names=["input"],
        output_names=["output"],
    )
    print(json.dumps({"model": name, "file": file, "params": params}), flush=True)
