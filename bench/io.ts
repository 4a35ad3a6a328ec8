// ONNX read + write speed and memory on a large model (default 512 MB of float32 weights).
// Run: npx tsx bench/io.ts [--size-mb 512] [--float-data-mb 64] [--dir /tmp/pare-bench-io] [--keep]
// Each measurement runs in a fresh child process so that its peak RSS is its own. Prints JSON.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { Graph } from '../src/ir/graph.js';
import { createModel, type Model } from '../src/ir/model.js';
import { Tensor } from '../src/ir/tensor.js';
import { ModelProtoSchema } from '../src/onnx/proto/onnx_pb.js';
import { readModel } from '../src/onnx/read.js';
import { encodeModel, writeModel } from '../src/onnx/write.js';

const MB = 1 << 20;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** A chain of square Gemms whose weights add up to about `mb` megabytes. */
function bigModel(mb: number): Model {
  const side = 2048;
  const layers = Math.max(1, Math.round((mb * MB) / (side * side * 4)));
  const g = new Graph('io-bench');
  g.opsets.set('', 13);
  let x = g.addInput('x', [1, side]);
  let seed = 12345;
  for (let i = 0; i < layers; i++) {
    const w = new Float32Array(side * side);
    // A cheap LCG: distinct, incompressible-looking values without the cost of a normal RNG.
    for (let k = 0; k < w.length; k++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      w[k] = (seed / 2 ** 32 - 0.5) * 0.05;
    }
    g.addInitializer(`w${i}`, Tensor.from('float32', [side, side], w));
    x = g.addNode('Gemm', [x, `w${i}`], [`h${i}`], { attrs: { transB: 1 } }).output();
  }
  g.addOutput(x);
  return createModel(g);
}

interface ChildResult {
  readonly readSec: number;
  readonly writeSec: number;
  /** Peak RSS after read + write (the goal: < 2.5× the file size). */
  readonly peakRssMB: number;
  /** Then every weight's values made available as typed arrays, as pruning needs them. */
  readonly loadSec: number;
  readonly peakRssAfterLoadMB: number;
  /** RSS of the child before reading (node, tsx, modules). */
  readonly baselineRssMB: number;
}

/**
 * Peak RSS of this process so far. VmHWM, not getrusage's maxRSS: Linux carries maxRSS over from
 * the parent at fork, so a child would report at least the parent's size.
 */
function rssMB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return (m ? Number(m[1]) : process.resourceUsage().maxRSS) / 1024;
}

/** Child: read `input`, write it to `output`, then load every weight; report times and peak RSS. */
function child(input: string, output: string, mode: string): void {
  const baselineRssMB = rssMB();
  const t0 = performance.now();
  if (mode === 'protobuf-es') {
    // The way before the typed-list fast path: protobuf-es decodes float_data into a JS array.
    const mp = fromBinary(ModelProtoSchema, fs.readFileSync(input));
    for (const t of mp.graph!.initializer) Float32Array.from(t.floatData);
    const readSec = (performance.now() - t0) / 1000;
    const r = {
      readSec,
      writeSec: 0,
      peakRssMB: rssMB(),
      loadSec: 0,
      peakRssAfterLoadMB: rssMB(),
      baselineRssMB,
    };
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const m = readModel(input);
  const readSec = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  writeModel(m, output, mode === 'external' ? { externalData: 'external' } : {});
  const writeSec = (performance.now() - t1) / 1000;
  const peakRssMB = rssMB();
  const t2 = performance.now();
  let elements = 0;
  for (const v of m.graph.initializers) elements += v.const!.data.length;
  if (elements === 0) throw new Error('no weights');
  const loadSec = (performance.now() - t2) / 1000;
  const r: ChildResult = {
    readSec,
    writeSec,
    peakRssMB,
    loadSec,
    peakRssAfterLoadMB: rssMB(),
    baselineRssMB,
  };
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

function runChild(input: string, output: string, mode: string): ChildResult {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, import.meta.filename, '--child', input, output, mode],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`child failed (${mode}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

/** Plain copy through user space in 16 MB chunks: the reference for "disk speed". */
function copySec(from: string, to: string): number {
  const t0 = performance.now();
  const src = fs.openSync(from, 'r');
  const dst = fs.openSync(to, 'w');
  const buf = Buffer.allocUnsafe(16 * MB);
  for (let n = fs.readSync(src, buf); n > 0; n = fs.readSync(src, buf)) fs.writeSync(dst, buf, 0, n);
  fs.fsyncSync(dst);
  fs.closeSync(src);
  fs.closeSync(dst);
  return (performance.now() - t0) / 1000;
}

function sizeMB(file: string): number {
  let total = fs.statSync(file).size;
  const data = `${file}.data`;
  if (fs.existsSync(data)) total += fs.statSync(data).size;
  return total / MB;
}

function main(): void {
  const sizeMb = Number(arg('size-mb', '512'));
  const floatDataMb = Number(arg('float-data-mb', '64'));
  const dir = arg('dir', '/tmp/pare-bench-io');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'ext'), { recursive: true });
  const inline = path.join(dir, 'inline.onnx');
  const external = path.join(dir, 'ext', 'model.onnx');
  {
    const m = bigModel(sizeMb);
    writeModel(m, inline, { externalData: 'inline' });
    writeModel(m, external, { externalData: 'external' });
  }
  const copy = copySec(inline, path.join(dir, 'copy.bin'));
  const fileMB = sizeMB(inline);
  const report: Record<string, unknown> = {
    fileMB: round(fileMB),
    copySec: round(copy),
    diskMBps: round(fileMB / copy),
  };
  for (const [name, file, mode] of [
    ['inline', inline, 'inline'],
    ['external', external, 'external'],
  ] as const) {
    const r = runChild(file, path.join(dir, `${name}-out.onnx`), mode);
    report[name] = {
      ...roundAll(r),
      readMBps: round(fileMB / r.readSec),
      writeMBps: round(fileMB / r.writeSec),
      rssRatio: round(r.peakRssMB / sizeMB(file)),
      rssRatioAfterLoad: round(r.peakRssAfterLoadMB / sizeMB(file)),
    };
  }
  // float_data: the typed-list path against protobuf-es's own decoding.
  const fd = path.join(dir, 'float-data.onnx');
  fs.writeFileSync(fd, floatDataModel(bigModel(floatDataMb)));
  const fdMB = sizeMB(fd);
  const fast = runChild(fd, path.join(dir, 'float-data-out.onnx'), 'inline');
  const slow = runChild(fd, '', 'protobuf-es');
  report.floatData = {
    fileMB: round(fdMB),
    pare: {
      readSec: round(fast.readSec),
      peakRssMB: round(fast.peakRssMB),
      baselineRssMB: round(fast.baselineRssMB),
    },
    protobufEs: {
      readSec: round(slow.readSec),
      peakRssMB: round(slow.peakRssMB),
      baselineRssMB: round(slow.baselineRssMB),
    },
  };

  if (!process.argv.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

/** The model with every initializer moved from raw_data to packed float_data (older exporters). */
function floatDataModel(m: Model): Uint8Array {
  const mp = fromBinary(ModelProtoSchema, encodeModel(m));
  for (const t of mp.graph!.initializer) {
    t.floatData = Array.from(new Float32Array(t.rawData.slice().buffer));
    t.rawData = new Uint8Array(0);
  }
  return toBinary(ModelProtoSchema, mp);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]),
  ) as T;
}

if (process.argv[2] === '--child') child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else main();
