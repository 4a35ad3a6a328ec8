// Per-primitive profile from two oneDNN verbose logs (bench/train.ts --onednn-log DIR writes them:
// every primitive execution with its time, on both sides): the time per training step by primitive
// kind and direction, and the layers where the two sides differ most. PyTorch runs only convolutions
// (and their reorders) through oneDNN on CPU; its BN, ReLU, pooling and Linear are its own kernels, so
// its remaining CPU time is reported as the difference to its CPU ms per step.
// Run: npx tsx bench/onednn-profile.ts DIR WORKLOAD STEPS   (STEPS: warm-up + timed steps of the run)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir = '/tmp/onednn', name = 'vgg16', stepsArg = '5'] = process.argv.slice(2);
const steps = Number(stepsArg);

interface Row {
  kind: string;
  impl: string;
  prop: string;
  problem: string;
  ms: number;
  count: number;
}

function parse(file: string): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!/^(onednn|dnnl)_verbose,exec,/.test(line)) continue;
    const f = line.split(',');
    // onednn_verbose,exec,cpu,KIND,IMPL,PROP,MEMORY...,ATTR,ALG,PROBLEM,TIME
    const ms = Number(f[f.length - 1]);
    const problem = f[f.length - 2]!;
    const [kind, impl, prop] = [f[3]!, f[4]!, f[5]!];
    const key = `${kind}|${prop}|${problem}|${impl}`;
    const r = rows.get(key) ?? { kind, impl, prop, problem, ms: 0, count: 0 };
    r.ms += ms;
    r.count++;
    rows.set(key, r);
  }
  return rows;
}

function byKind(rows: Map<string, Row>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows.values()) {
    const k = `${r.kind} ${r.prop}`;
    out[k] = (out[k] ?? 0) + r.ms / steps;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

/** Convolutions by problem (shape) and direction, both sides; the implementation names too. */
function convs(rows: Map<string, Row>): Map<string, { ms: number; impl: string }> {
  const out = new Map<string, { ms: number; impl: string }>();
  for (const r of rows.values()) {
    if (r.kind !== 'convolution') continue;
    // the minibatch and the layout-free problem string identify a layer
    const k = `${r.prop} ${r.problem}`;
    const o = out.get(k) ?? { ms: 0, impl: '' };
    o.ms += r.ms / steps;
    o.impl = o.impl ? `${o.impl}/${r.impl}` : r.impl;
    out.set(k, o);
  }
  return out;
}

const pare = parse(join(dir, `pare-${name}.log`));
const torch = parse(join(dir, `torch-${name}.log`));
const round = (x: number) => Math.round(x * 10) / 10;
const sum = (o: Record<string, number>) => round(Object.values(o).reduce((a, b) => a + b, 0));
const pk = byKind(pare);
const tk = byKind(torch);
const pc = convs(pare);
const tc = convs(torch);
const layers = [...new Set([...pc.keys(), ...tc.keys()])]
  .map((k) => ({
    layer: k,
    pareMs: round(pc.get(k)?.ms ?? 0),
    torchMs: round(tc.get(k)?.ms ?? 0),
    pareImpl: pc.get(k)?.impl ?? '',
    torchImpl: tc.get(k)?.impl ?? '',
  }))
  .sort((a, b) => b.pareMs - b.torchMs - (a.pareMs - a.torchMs));
console.log(
  JSON.stringify({
    workload: name,
    stepsInLog: steps,
    msPerStep: { pare: sum(pk), torch: sum(tk) },
    pareByKind: Object.fromEntries(Object.entries(pk).map(([k, v]) => [k, round(v)])),
    torchByKind: Object.fromEntries(Object.entries(tk).map(([k, v]) => [k, round(v)])),
    convLayersWorstFirst: layers,
  }),
);
