// Cost of LASSO and CaP channel selection for one consumer of c channels × 3×3 (dg = 9c), M = c
// outputs, synthetic Σ = I + U·Uᵀ (rank 16). Usage: nice -n 10 npx tsx bench/select-cost.ts 64 256 512

import { capRanking } from '../src/linear/cap-select.js';
import type { LinearLayer } from '../src/linear/layer.js';
import {
  channelUnits,
  lassoPath,
  lassoProblem,
  lassoSelect,
  type SelectLayer,
} from '../src/linear/select.js';
import { Rng } from '../src/util/rng.js';

for (const c of process.argv.slice(2).map(Number)) {
  const rng = new Rng(1);
  const dg = c * 9;
  const layer: LinearLayer = {
    node: 'L',
    kind: 'conv',
    inChannels: c,
    outChannels: c,
    groups: 1,
    kernel: 9,
    convAttrs: {},
    kernelShape: [3, 3],
  };
  const u = Float64Array.from({ length: dg * 16 }, () => rng.normal() * 0.5);
  const xx = new Float64Array(dg * dg);
  for (let i = 0; i < dg; i++)
    for (let j = 0; j <= i; j++) {
      let s = i === j ? 1 : 0;
      for (let q = 0; q < 16; q++) s += u[i * 16 + q]! * u[j * 16 + q]!;
      xx[i * dg + j] = xx[j * dg + i] = s;
    }
  const l: SelectLayer = {
    stats: { layer, rows: 1, sx: new Float64Array(dg), xx },
    weight: Float32Array.from({ length: c * dg }, () => rng.normal()),
    units: channelUnits(
      layer,
      Int32Array.from({ length: c }, (_, i) => i),
      1,
      c,
    ),
  };
  let t = performance.now();
  const r = capRanking([l]);
  const cap = performance.now() - t;
  t = performance.now();
  const p = lassoProblem([l]);
  const q = performance.now() - t;
  t = performance.now();
  lassoPath(p);
  const path = performance.now() - t;
  t = performance.now();
  lassoSelect(p, c / 2);
  const sel = performance.now() - t;
  console.log(
    `c=${c} dg=${dg}: cap ${cap.toFixed(0)} ms (ranked ${r.ranked}); lasso Q ${q.toFixed(0)} ms, path ${path.toFixed(0)} ms, select(c/2) ${sel.toFixed(0)} ms`,
  );
}
