// DESIGN.md §2: which module may import which. util is open to all.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const allowed: Record<string, readonly string[]> = {
  util: [],
  ir: [],
  onnx: ['ir'],
  ops: ['ir', 'onnx', 'runtime'],
  analysis: ['ir', 'ops'],
  criteria: ['ir', 'ops', 'analysis', 'runtime', 'autodiff', 'data', 'linear'],
  linear: ['ir', 'ops', 'analysis', 'runtime'],
  allocate: ['ir', 'ops', 'analysis', 'criteria'],
  surgery: ['ir', 'ops', 'analysis', 'runtime', 'onnx'],
  autodiff: ['ir', 'ops'],
  engine: ['ir', 'ops', 'autodiff', 'runtime'],
  runtime: ['ir', 'onnx'],
  data: [],
  zoo: ['ir'],
  train: ['ir', 'ops', 'onnx', 'autodiff', 'engine', 'runtime', 'data', 'surgery'],
  recover: ['ir', 'ops', 'onnx', 'analysis', 'criteria', 'runtime', 'train', 'surgery', 'data', 'linear'],
  methods: [
    'ir',
    'ops',
    'onnx',
    'analysis',
    'criteria',
    'allocate',
    'surgery',
    'autodiff',
    'runtime',
    'train',
    'recover',
    'data',
    'linear',
  ],
  report: [],
};

const src = join(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('module boundaries', () => {
  it('each module imports only what DESIGN.md allows', () => {
    const violations: string[] = [];
    for (const file of files(src)) {
      const rel = relative(src, file);
      const mod = rel.split('/')[0]!;
      if (mod === 'cli' || mod === 'index.ts') continue;
      const ok = allowed[mod];
      if (!ok) {
        violations.push(`${rel}: module '${mod}' is not in the table`);
        continue;
      }
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from '(\.\.?\/[^']+)'/g)) {
        const target = relative(src, join(file, '..', m[1]!)).split('/')[0]!;
        if (target === mod || target === 'util') continue;
        if (!ok.includes(target)) violations.push(`${rel} imports ${target}`);
      }
      if (mod !== 'runtime' && /from 'onnxruntime-node'/.test(text))
        violations.push(`${rel} imports onnxruntime-node`);
      if (/\bprocess\.(exit|stdout|stderr)|console\./.test(text)) violations.push(`${rel} prints or exits`);
    }
    expect(violations).toEqual([]);
  });
});
