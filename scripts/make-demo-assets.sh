#!/usr/bin/env bash
# Re-creates assets/demo/: a CIFAR-style ResNet-20 trained by pare on Fashion-MNIST (1×28×28) and
# class-balanced image subsets (2000 test images, 512 calibration images from the training split).
# Needs the Debian package dataset-fashion-mnist. Takes about 10-40 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=idx:/usr/share/datasets/fashion-mnist
OUT=assets/demo
EPOCHS=${EPOCHS:-2}
mkdir -p "$OUT" /tmp/pare-demo
node bin/pare.js zoo resnet20 --input-shape 1x28x28 --classes 10 --seed 0 -o /tmp/pare-demo/init.onnx
node bin/pare.js train /tmp/pare-demo/init.onnx --data "$DATA" -o /tmp/pare-demo/trained.onnx \
  --epochs "$EPOCHS" --lr 0.1 --nesterov --wd 5e-4 --schedule cosine --crop-pad 2 --flip \
  --normalize fashion-mnist --threads 2 --seed 0 --json | tee /tmp/pare-demo/train.json
cp /tmp/pare-demo/trained.onnx "$OUT/fmnist-resnet20.onnx"
cp /tmp/pare-demo/train.json "$OUT/train.json"
npx tsx scripts/export-subset.ts "$DATA" test 2000 "$OUT/data" 0
npx tsx scripts/export-subset.ts "$DATA" train 512 "$OUT/data" 0
