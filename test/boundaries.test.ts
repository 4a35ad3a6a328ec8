// DESIGN.md §2 as code: which module may import which, written from the design (the proposed table
// in the module note of issue 14), not from today's imports. util is open to all; `methods` may
// import every module below the CLI; `cli` and `index.ts` are the top. A module missing from the table
// is itself a violation, so a new folder needs a line here (and in DESIGN.md).

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const design: Record<string, readonly string[]> = {
  util: [],
  ir: [],
  onnx: ['ir'],
  ops: ['ir'],
  runtime: ['ir', 'onnx'],
  data: [],
  zoo: ['ir'],
  analysis: ['ir', 'ops'],
  linear: ['ir', 'ops', 'analysis'],
  measure: ['ir', 'ops', 'runtime', 'data', 'linear', 'autodiff'],
  criteria: ['ir', 'ops', 'analysis', 'measure', 'linear', 'runtime', 'data'],
  allocate: ['ir', 'ops', 'analysis', 'criteria', 'runtime'],
  surgery: ['ir', 'ops', 'analysis', 'runtime'],
  autodiff: ['ir', 'ops'],
  engine: ['ir', 'ops', 'autodiff', 'runtime', 'measure'],
  train: ['ir', 'ops', 'onnx', 'autodiff', 'engine', 'runtime', 'data', 'measure', 'surgery'],
  recover: ['ir', 'ops', 'analysis', 'criteria', 'measure', 'linear', 'surgery', 'runtime', 'data'],
  report: [],
};
const top = new Set(['cli', 'index.ts']);
const below = Object.keys(design);

/** Violations of the table in the TypeScript sources under `src`. */
function boundaryViolations(src: string): string[] {
  const violations: string[] = [];
  for (const file of sources(src)) {
    const rel = relative(src, file);
    const mod = rel.split('/')[0]!;
    if (top.has(mod)) continue;
    const ok = mod === 'methods' ? below : design[mod];
    if (!ok) {
      violations.push(`${rel}: module '${mod}' is not in the design's table`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)'/g)) {
      const target = relative(src, join(dirname(file), m[1]!)).split('/')[0]!;
      if (target === mod || target === 'util') continue;
      if (!ok.includes(target)) violations.push(`${rel} imports ${target}`);
    }
    if (mod !== 'runtime' && /from 'onnxruntime-node'/.test(text))
      violations.push(`${rel} imports onnxruntime-node`);
    if (/\bprocess\.(exit|stdout|stderr|env)\b|console\./.test(text))
      violations.push(`${rel} prints, exits or touches the environment`);
  }
  return violations;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'test-support' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('module boundaries', () => {
  it('each module imports only what DESIGN.md allows', () => {
    expect(boundaryViolations(join(import.meta.dirname, '..', 'src'))).toEqual([]);
  });

  it('tests under src/ reach test fixtures through #test/ (package.json imports), not relative paths', () => {
    const src = join(import.meta.dirname, '..', 'src');
    const tests = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const p = join(dir, f);
        return statSync(p).isDirectory() ? tests(p) : p.endsWith('.ts') ? [p] : [];
      });
    const offenders = tests(src).filter((f) => /'(\.\.\/)+test\//.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(src, f))).toEqual([]);
  });

  it('catches a forbidden import, an unknown module and library output in a fixture tree', () => {
    const src = mkdtempSync(join(tmpdir(), 'pare-boundaries-'));
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(src, path)), { recursive: true });
      writeFileSync(join(src, path), text);
    };
    put('ir/graph.ts', "import { x } from '../util/errors.js';\n");
    put('ops/rule.ts', "import { Graph } from '../ir/graph.js';\n");
    put('ops/shapes.ts', "import { Session } from '../runtime/session.js';\n");
    put('criteria/l1.ts', "import type { Plan } from '../surgery/plan.js';\nconsole.log(1);\n");
    put('extra/thing.ts', 'export const a = 1;\n');
    put('methods/all.ts', "import { a } from '../surgery/x.js';\nimport { b } from '../engine/y.js';\n");
    put('ops/shapes.test.ts', "import { Session } from '../runtime/session.js';\n");
    expect(boundaryViolations(src).sort()).toEqual([
      'criteria/l1.ts imports surgery',
      'criteria/l1.ts prints, exits or touches the environment',
      "extra/thing.ts: module 'extra' is not in the design's table",
      'ops/shapes.ts imports runtime',
    ]);
  });
});
