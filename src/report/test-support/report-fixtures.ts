// Synthetic run records for the report's tests (and the browser test): sizes chosen so every
// chart has a known number of marks.

import type { RunRecord } from '../run-record.js';

/** A prune run over `layers` layers, each losing `(i % 3) / 8` of its width; two blocked groups. */
export function syntheticPruneRun(layers = 12, accuracyAfter = 0.87, output = 'pruned.onnx'): RunRecord {
  const rows = Array.from({ length: layers }, (_, i) => {
    const width = 16 << Math.floor((3 * i) / layers);
    const kept = width - (width * (i % 3)) / 8;
    const macs = width * 9 * 1024 * 16;
    return {
      name: i === 0 ? 'stem<conv>' : `layer${Math.floor(i / 4) + 1}.${i % 4}.conv`,
      op: i === layers - 1 ? 'Gemm' : 'Conv',
      widthBefore: width,
      widthAfter: kept,
      macsBefore: macs,
      macsAfter: Math.round((macs * kept) / width),
      paramsBefore: width * 144,
      paramsAfter: kept * 144,
    };
  });
  return {
    format: 'pare.run',
    version: 1,
    kind: 'prune',
    command: `pare prune model.onnx -o ${output} --criterion fpgm --target macs=0.6 --eval-data folder:photos`,
    model: 'model.onnx',
    output,
    criterion: 'fpgm',
    scoring: { reduce: 'mean', scoreNormalization: 'mean' },
    preprocess: { normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }, resize: [32, 32] },
    accuracyData: 'folder:photos',
    before: { params: 270_000, macs: 41_000_000, latencyMs: 1.25, accuracy: 0.9 },
    after: { params: 160_000, macs: 24_000_000, latencyMs: 0.81, accuracy: accuracyAfter },
    layers: rows,
    groups: [
      { id: 'input', channels: 3, kept: 3, blockers: ["channels of graph input 'input'"] },
      { id: 'fc', channels: 10, kept: 10, blockers: ["feeds graph output 'logits'"] },
      { id: 'layer1.0.conv', channels: 16, kept: 16, frozen: 'residual' },
      { id: 'layer2.1.conv', channels: 32, kept: 28 },
    ],
  };
}

/** A train run of `epochs` epochs with falling loss and rising accuracy. */
export function syntheticTrainRun(epochs = 5): RunRecord {
  return {
    format: 'pare.run',
    version: 1,
    kind: 'train',
    command: 'pare train pruned.onnx --data folder:photos -o tuned.onnx --epochs 5 --report tuned.json',
    model: 'pruned.onnx',
    output: 'tuned.onnx',
    accuracyData: 'folder:photos',
    before: { params: 160_000, macs: 24_000_000, accuracy: 0.87 },
    after: { params: 160_000, macs: 24_000_000, accuracy: 0.895 },
    history: Array.from({ length: epochs }, (_, i) => ({
      epoch: i + 1,
      trainLoss: 0.9 / (i + 1.5),
      trainAcc: 0.8 + 0.03 * i,
      testAcc: 0.85 + 0.01 * i,
      testLoss: 0.7 / (i + 1.3),
    })),
  };
}

/** A sensitivity run: `units` groups, each pruned at 0, 0.25, 0.5, 0.75. */
export function syntheticSensitivityRun(units = 4): RunRecord {
  return {
    format: 'pare.run',
    version: 1,
    kind: 'sensitivity',
    model: 'model.onnx',
    sensitivity: {
      criterion: 'l1',
      metric: 'accuracy',
      curves: Array.from({ length: units }, (_, u) => ({
        unit: `layer${u + 1}.conv`,
        points: [0, 0.25, 0.5, 0.75].map((ratio) => ({
          ratio,
          accuracy: 0.9 - ratio * ratio * (0.2 + 0.2 * u),
        })),
      })),
    },
  };
}
