// Which student values are distilled from which teacher values (feature distillation), and with which
// loss: MSE needs equal shapes; attention transfer pools the channels away, so it also pairs a pruned
// student's feature with the unpruned teacher's. `auto` taps, per spatial resolution, the last value
// computed at it (the output of each stage, as Zagoruyko & Komodakis 2017 do), present in both models.

import type { Graph } from '../ir/graph.js';
import { cloneModel, type Model } from '../ir/model.js';
import type { Dim, Value } from '../ir/value.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { PareError } from '../util/errors.js';

export type FeatureLossKind = 'mse' | 'attention';

export interface FeaturePair {
  readonly student: string;
  readonly teacher: string;
}

export interface FeatureDistillation {
  /** Explicit pairs, or 'auto' (values of the same name at the end of each resolution). */
  readonly pairs: 'auto' | readonly FeaturePair[];
  readonly loss: FeatureLossKind;
  /** Weight of each feature term (default: 500 for attention, Zagoruyko & Komodakis' β/2 with β = 1000; 1 for MSE). */
  readonly weight?: number;
}

export interface ResolvedFeature extends FeaturePair {
  readonly loss: FeatureLossKind;
  readonly weight: number;
  /** The teacher value's shape with the student's batch dimension. */
  readonly teacherShape: readonly Dim[];
  /** Why the loss differs from the one asked for (auto pairs whose channel counts differ). */
  readonly note?: string;
}

export const defaultFeatureWeight: Record<FeatureLossKind, number> = { attention: 500, mse: 1 };

/** Parse `s1=t1,s2=t2` (or `name` for the same name in both) or `auto`. */
export function parseFeaturePairs(text: string): 'auto' | FeaturePair[] {
  if (text.trim() === 'auto') return 'auto';
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      const [student, teacher, extra] = p.split('=').map((s) => s.trim());
      if (!student || extra !== undefined || teacher === '') {
        throw new PareError('PARE_CONFIG', `--kd-features '${p}': expected STUDENT=TEACHER or a value name`);
      }
      return { student, teacher: teacher ?? student };
    });
}

export function resolveFeaturePairs(
  student: Model,
  teacher: Model,
  o: FeatureDistillation,
): ResolvedFeature[] {
  const s = shapedGraph(student);
  const t = shapedGraph(teacher);
  const auto = o.pairs === 'auto';
  const pairs = auto ? stageOutputs(s).map((v) => ({ student: v.name, teacher: v.name })) : o.pairs;
  const weight = (kind: FeatureLossKind) => o.weight ?? defaultFeatureWeight[kind];
  const out: ResolvedFeature[] = [];
  for (const p of pairs) {
    const ss = shapeOf(s, p.student, 'student', auto);
    const ts = shapeOf(t, p.teacher, 'teacher', auto);
    if (!ss || !ts) continue;
    const teacherShape = [ss[0] ?? null, ...ts.slice(1)];
    const same = ss.length === ts.length && ss.every((d, i) => i === 0 || d === ts[i]);
    const spatial = ss.length === ts.length && ss.length >= 3 && ss.every((d, i) => i < 2 || d === ts[i]);
    if (same) {
      out.push({ ...p, loss: o.loss, weight: weight(o.loss), teacherShape });
    } else if (spatial && (o.loss === 'attention' || auto)) {
      const note =
        o.loss === 'mse' ? `channels differ (${ss[1]} vs ${ts[1]}): attention transfer` : undefined;
      out.push({
        ...p,
        loss: 'attention',
        weight: weight('attention'),
        teacherShape,
        ...(note ? { note } : {}),
      });
    } else if (!auto) {
      throw new PareError(
        'PARE_CONFIG',
        `feature distillation: student '${p.student}' [${ss.join(', ')}] and teacher '${p.teacher}' [${ts.join(', ')}] ` +
          (spatial ? 'differ in channels: MSE needs equal shapes' : 'differ in more than their channels'),
        {
          tensor: p.student,
          notes: [
            spatial
              ? 'use --kd-feature-loss attention (channel-pooled)'
              : 'pair values of the same resolution',
          ],
        },
      );
    }
  }
  if (out.length === 0) {
    throw new PareError('PARE_CONFIG', 'feature distillation: no student value pairs with a teacher value', {
      notes: ['name the pairs: --kd-features STUDENT=TEACHER,...'],
    });
  }
  return out;
}

function shapedGraph(model: Model): Graph {
  const m = cloneModel(model);
  inferShapes(m.graph);
  return m.graph;
}

function shapeOf(g: Graph, name: string, role: string, optional: boolean): readonly Dim[] | undefined {
  const shape = g.value(name)?.type?.shape;
  if (shape || optional) return shape;
  throw new PareError(
    'PARE_CONFIG',
    `feature distillation: the ${role} has no value '${name}' with a known shape`,
    {
      tensor: name,
    },
  );
}

/** Per spatial size (in order of first appearance), the last float [N, C, H, W] value computed at it. */
function stageOutputs(g: Graph): Value[] {
  const last = new Map<string, Value>();
  for (const node of g.nodes) {
    for (const v of node.outputs) {
      const s = v.type?.shape;
      if (v.type?.elemType !== 1 || s?.length !== 4) continue;
      const [h, w] = [s[2], s[3]];
      if (typeof h !== 'number' || typeof w !== 'number' || h * w <= 1) continue;
      last.set(`${h}x${w}`, v);
    }
  }
  return [...last.values()];
}
