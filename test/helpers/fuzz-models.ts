// Model fuzzing shared by the CI property (test/fuzz-models.test.ts) and the long campaign
// (bench/fuzz.ts): valid models, mutations of their bytes and protobuf fields (dims, attributes,
// weight values, names, op types), and one case run through the CLI's read → analyze → prune --verify
// in-process. Outcomes other than 'ok' and 'typed' are failures.

import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { memoryIO } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';
import { type ModelProto, ModelProtoSchema } from '../../src/onnx/proto/onnx_pb.js';
import { encodeModel } from '../../src/onnx/write.js';
import { buildZooModel } from '../../src/zoo/registry.js';
import { pytorchBnKeptModel, pytorchStyleModel } from './pytorch-style.js';

/** Small valid models (a few ms to prune): plain CNN, residual, depthwise, PyTorch-style exports. */
export function seedModels(): Uint8Array[] {
  return [
    encodeModel(buildZooModel('lenet5', { inputShape: [1, 16, 16], classes: 10, seed: 1 })),
    encodeModel(buildZooModel('resnet20', { inputShape: [3, 8, 8], classes: 10, seed: 2 })),
    encodeModel(buildZooModel('mobilenetv2', { inputShape: [3, 16, 16], classes: 10, width: 0.25, seed: 3 })),
    encodeModel(pytorchStyleModel(4)),
    encodeModel(pytorchBnKeptModel().model),
  ];
}

/** Weight values that break numerics (NaN, ±Inf, huge, tiny, zero, negative). */
const SPECIAL = [Number.NaN, Infinity, -Infinity, 2.6e27, -3e38, 1e-40, 0, -1, 65504] as const;

export type Mutation =
  | { readonly kind: 'byte'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'dim'; readonly pick: number; readonly value: number }
  | { readonly kind: 'attr'; readonly pick: number; readonly value: number }
  | { readonly kind: 'weight'; readonly pick: number; readonly index: number; readonly special: number }
  | { readonly kind: 'rename'; readonly pick: number; readonly char: number }
  | { readonly kind: 'optype'; readonly pick: number; readonly op: string }
  | { readonly kind: 'drop-node'; readonly pick: number }
  | { readonly kind: 'swap-inputs'; readonly pick: number };

const OPS = ['Relu', 'Conv', 'Add', 'Identity', 'Sigmoid', 'Flatten', 'Gemm', 'MaxPool', 'Mystery', 'Concat'];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('byte' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constant('dim' as const),
    pick: fc.nat(),
    value: fc.integer({ min: -2, max: 4096 }),
  }),
  fc.record({ kind: fc.constant('attr' as const), pick: fc.nat(), value: fc.integer({ min: -5, max: 100 }) }),
  fc.record({
    kind: fc.constant('weight' as const),
    pick: fc.nat(),
    index: fc.nat(),
    special: fc.integer({ min: 0, max: SPECIAL.length - 1 }),
  }),
  fc.record({
    kind: fc.constant('rename' as const),
    pick: fc.nat(),
    char: fc.integer({ min: 33, max: 126 }),
  }),
  fc.record({ kind: fc.constant('optype' as const), pick: fc.nat(), op: fc.constantFrom(...OPS) }),
  fc.record({ kind: fc.constant('drop-node' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('swap-inputs' as const), pick: fc.nat() }),
);

/** Apply one mutation to a model's bytes (a mutation that finds nothing to change returns a copy). */
export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'byte') {
    const out = Uint8Array.from(bytes);
    const at = Math.min(out.length - 1, Math.floor(m.at * out.length));
    out[at] = m.value === out[at] ? (m.value + 1) & 255 : m.value;
    return out;
  }
  if (m.kind === 'truncate') return bytes.slice(0, Math.floor(m.at * bytes.length));
  let mp: ModelProto;
  try {
    mp = fromBinary(ModelProtoSchema, bytes);
    editProto(mp, m);
    return toBinary(ModelProtoSchema, mp);
  } catch {
    return bytes; // an earlier byte mutation broke the protobuf: nothing to edit field-wise
  }
}

function editProto(mp: ModelProto, m: Exclude<Mutation, { kind: 'byte' | 'truncate' }>): void {
  const g = mp.graph;
  if (!g) return;
  const node = g.node.length > 0 ? g.node[m.pick % g.node.length]! : undefined;
  switch (m.kind) {
    case 'dim': {
      // A graph input dim or an initializer dim.
      const dims: { set: (v: number) => void }[] = [];
      for (const vi of g.input)
        for (const d of vi.type?.value.case === 'tensorType' ? (vi.type.value.value.shape?.dim ?? []) : [])
          dims.push({ set: (v) => (d.value = { case: 'dimValue', value: BigInt(v) }) });
      for (const t of g.initializer)
        for (let i = 0; i < t.dims.length; i++) dims.push({ set: (v) => (t.dims[i] = BigInt(v)) });
      if (dims.length > 0) dims[m.pick % dims.length]!.set(m.value);
      return;
    }
    case 'attr': {
      const attrs = g.node.flatMap((n) => n.attribute);
      const a = attrs.length > 0 ? attrs[m.pick % attrs.length] : undefined;
      if (!a) return;
      if (a.ints.length > 0) a.ints[m.pick % a.ints.length] = BigInt(m.value);
      else if (a.floats.length > 0) a.floats[m.pick % a.floats.length] = m.value;
      else if (a.type === 2) a.i = BigInt(m.value);
      else if (a.type === 1) a.f = m.value;
      return;
    }
    case 'weight': {
      const floats = g.initializer.filter(
        (t) => t.dataType === 1 && (t.rawData.length >= 4 || t.floatData.length > 0),
      );
      const t = floats.length > 0 ? floats[m.pick % floats.length] : undefined;
      if (!t) return;
      const value = SPECIAL[m.special]!;
      if (t.rawData.length >= 4) {
        const raw = Uint8Array.from(t.rawData);
        new DataView(raw.buffer).setFloat32(4 * (m.index % Math.floor(raw.length / 4)), value, true);
        t.rawData = raw;
      } else t.floatData[m.index % t.floatData.length] = value;
      return;
    }
    case 'rename': {
      if (!node) return;
      const names = [...node.input, ...node.output];
      const i = m.pick % Math.max(1, names.length);
      const name = names[i];
      if (name === undefined) return;
      const renamed =
        name === '' ? String.fromCharCode(m.char) : `${name.slice(0, -1)}${String.fromCharCode(m.char)}`;
      if (i < node.input.length) node.input[i] = renamed;
      else node.output[i - node.input.length] = renamed;
      return;
    }
    case 'optype':
      if (node) node.opType = m.op;
      return;
    case 'drop-node':
      if (node) g.node.splice(g.node.indexOf(node), 1);
      return;
    case 'swap-inputs':
      if (node && node.input.length >= 2) [node.input[0], node.input[1]] = [node.input[1]!, node.input[0]!];
      return;
  }
}

export type Outcome = 'ok' | 'typed' | 'internal' | 'crash' | 'hang' | 'input-changed';

export interface CaseResult {
  readonly outcome: Outcome;
  /** The command and the first line of its error, for failures. */
  readonly detail?: string;
}

const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Write `bytes` to `dir/case.onnx` and run inspect, analyze and prune --verify on it through the
 * CLI's `run` (in-process). Exit 1 with a typed error is fine; exit 2, an escaped exception, a run
 * over `timeoutMs`, or a changed input file is not.
 */
export async function runCase(dir: string, bytes: Uint8Array, timeoutMs = 20_000): Promise<CaseResult> {
  const file = join(dir, 'case.onnx');
  const out = join(dir, 'case.pruned.onnx');
  rmSync(out, { force: true });
  writeFileSync(file, bytes);
  const before = digest(bytes);
  const commands = [
    ['inspect', file, '--json'],
    ['analyze', file, '--json'],
    ['prune', file, '-o', out, '--ratio', '0.3', '--verify', '--no-latency', '--json', '--threads', '1'],
  ];
  let typed = false;
  for (const args of commands) {
    const io = memoryIO();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'hang'>((resolve) => {
      timer = setTimeout(() => resolve('hang'), timeoutMs);
    });
    let code: number | 'hang';
    try {
      code = await Promise.race([run(['node', 'pare', ...args], io), timeout]);
    } catch (e) {
      return { outcome: 'crash', detail: `${args[0]}: ${String(e)}` };
    } finally {
      clearTimeout(timer);
    }
    if (digest(readFileSync(file)) !== before) return { outcome: 'input-changed', detail: args[0]! };
    if (code === 'hang') return { outcome: 'hang', detail: args[0]! };
    const firstLine = io.stderr.join('\n').split('\n')[0] ?? '';
    if (code === 2) {
      return {
        outcome: firstLine.startsWith('internal error') ? 'crash' : 'internal',
        detail: `${args[0]}: ${io.stderr.join('\n').split('\n').slice(0, 2).join(' | ')}`,
      };
    }
    if (code === 1) {
      // A typed error stops the pipeline for this case, as it would for a user.
      typed = true;
      break;
    }
  }
  return { outcome: typed ? 'typed' : 'ok' };
}
