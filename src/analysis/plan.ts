// PruningPlan: which channels of each group stay, tied to the model it was made for by a
// fingerprint. Plans are JSON files that can be saved, diffed and applied again.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Attribute } from '../ir/attribute.js';
import type { Graph } from '../ir/graph.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { PareError } from '../util/errors.js';
import type { ChannelAnalysis } from './channel-types.js';

export interface PruningPlan {
  readonly version: 1;
  /** `modelFingerprint` of the graph the plan was made for. */
  readonly fingerprint: string;
  /** Group id → kept channel indices (ascending). Groups not listed keep every channel. */
  readonly groups: Readonly<Record<string, readonly number[]>>;
}

export interface PlanCheckOptions {
  /** Channels every pruned group must keep (default 1). */
  readonly minChannels?: number;
  /** Names used in error messages. */
  readonly model?: string;
  readonly source?: string;
}

const planSchema = z.object({
  version: z.literal(1),
  fingerprint: z.string().min(1),
  groups: z.record(z.string(), z.array(z.number().int())),
});

/**
 * sha256 of the graph's structure: opsets, inputs/outputs with declared shapes, nodes (op, name,
 * inputs, outputs, attributes; tensor attributes by type and dims) and initializer names, types and
 * dims. Weight values are left out, so fine-tuning keeps the fingerprint; any structural change
 * (surgery, BN folding, renaming) changes it.
 */
export function modelFingerprint(graph: Graph): string {
  const h = createHash('sha256');
  const line = (...parts: unknown[]) => h.update(`${parts.map(String).join('\u0001')}\n`);
  for (const [domain, version] of [...graph.opsets].sort()) line('opset', domain, version);
  for (const v of graph.inputs)
    if (!v.isConst) line('in', v.name, v.type?.elemType, v.type?.shape?.join(','));
  for (const v of graph.outputs) line('out', v.name);
  for (const v of graph.initializers) line('init', v.name, v.const!.dataType, v.const!.dims.join(','));
  for (const n of graph.nodes) {
    const attrs = [...n.attributes]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, a]) => `${k}=${attrText(a)}`);
    line('node', n.domain, n.opType, n.name, n.inputs.map((v) => v?.name ?? '').join(','));
    line('', n.outputs.map((v) => v.name).join(','), attrs.join(';'));
  }
  return `sha256:${h.digest('hex').slice(0, 32)}`;
}

function attrText(a: Attribute): string {
  switch (a.kind) {
    case 'tensor':
      return `tensor(${a.value.dataType};${a.value.dims.join(',')})`;
    case 'tensors':
      return `tensors(${a.value.length})`;
    case 'opaque':
      return `opaque(${createHash('sha256').update(a.value).digest('hex').slice(0, 16)})`;
    default:
      return JSON.stringify(a.value);
  }
}

export function createPlan(graph: Graph, groups: Readonly<Record<string, readonly number[]>>): PruningPlan {
  return { version: 1, fingerprint: modelFingerprint(graph), groups };
}

export function parsePlan(text: string, source = 'plan'): PruningPlan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new PareError('PARE_PLAN', `${source}: not valid JSON (${(cause as Error).message})`, {
      file: source,
      cause,
    });
  }
  const r = planSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new PareError('PARE_PLAN', `${source}: ${path}: ${issue.message}`, {
      file: source,
      notes: ['a plan is {"version": 1, "fingerprint": "...", "groups": {"<group id>": [kept indices]}}'],
    });
  }
  return r.data as PruningPlan;
}

export function serializePlan(plan: PruningPlan): string {
  const groups = Object.entries(plan.groups)
    .map(([id, keep]) => `    ${JSON.stringify(id)}: [${keep.join(', ')}]`)
    .join(',\n');
  const body = groups ? `{\n${groups}\n  }` : '{}';
  return `{\n  "version": 1,\n  "fingerprint": ${JSON.stringify(plan.fingerprint)},\n  "groups": ${body}\n}\n`;
}

export async function readPlan(file: string): Promise<PruningPlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new PareError('PARE_IO', `cannot read plan '${file}': ${(cause as Error).message}`, {
      file,
      cause,
    });
  }
  return parsePlan(text, file);
}

export async function writePlan(file: string, plan: PruningPlan): Promise<void> {
  try {
    writeFileAtomic(file, serializePlan(plan));
  } catch (cause) {
    throw new PareError('PARE_IO', `cannot write plan '${file}': ${(cause as Error).message}`, {
      file,
      cause,
    });
  }
}

/**
 * Check a plan against the graph and its analysis; returns the kept indices (ascending) of every
 * group that loses channels. Throws PARE_PLAN naming the plan, the model and the group.
 */
export function checkPlan(
  plan: PruningPlan,
  graph: Graph,
  analysis: ChannelAnalysis,
  options: PlanCheckOptions = {},
): Map<string, Int32Array> {
  const source = options.source ?? 'plan';
  const model = options.model ?? graph.name;
  const fail = (message: string, notes: string[] = []) => {
    throw new PareError('PARE_PLAN', `${source}: ${message}`, { file: source, notes });
  };
  const fp = modelFingerprint(graph);
  if (plan.fingerprint !== fp)
    fail(`made for a model with fingerprint ${plan.fingerprint}, but '${model}' has ${fp}`, [
      'make the plan for this model (pare analyze), or apply it to the model it was made for',
    ]);
  const byId = new Map(analysis.groups.map((g) => [g.id, g]));
  const min = options.minChannels ?? 1;
  const out = new Map<string, Int32Array>();
  for (const [id, keepList] of Object.entries(plan.groups)) {
    const group = byId.get(id);
    if (!group) {
      const some = [...byId.keys()].slice(0, 5).join("', '");
      fail(`group '${id}': '${model}' has no such group`, [`its groups include '${some}'`]);
    }
    const keep = Int32Array.from(keepList).sort();
    for (let i = 0; i < keep.length; i++) {
      if (keep[i]! < 0 || keep[i]! >= group!.size)
        fail(`group '${id}' keeps channel ${keep[i]}, but it has ${group!.size} (0..${group!.size - 1})`);
      if (i > 0 && keep[i] === keep[i - 1]) fail(`group '${id}' keeps channel ${keep[i]} twice`);
    }
    if (keep.length === group!.size) continue;
    if (group!.blockers.length > 0) fail(`group '${id}' cannot be pruned: ${group!.blockers.join('; ')}`);
    if (keep.length < Math.max(min, 1))
      fail(
        `group '${id}' keeps ${keep.length} of ${group!.size} channels; at least ${Math.max(min, 1)} must stay`,
        ['removing every channel of a group would disconnect the model; keep at least one (minChannels)'],
      );
    out.set(id, keep);
  }
  return out;
}
