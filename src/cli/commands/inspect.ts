// `pare inspect MODEL`: per-layer table (name, op, output shape, params, MACs) and totals.

import { Command } from 'commander';
import { weightDiagnostics } from '../../analysis/weight-numerics.js';
import type { Model } from '../../ir/model.js';
import { inferShapesWithRuntime } from '../../measure/infer-shapes-runtime.js';
import { type DeclaredInterface, declaredInterface } from '../../methods/declared-interface.js';
import { readModel } from '../../onnx/read.js';
import { computeCosts } from '../../ops/costs.js';
import { inferShapes } from '../../ops/infer-shapes.js';
import { formatDiagnostic } from '../../util/diagnostics.js';
import { PareError } from '../../util/errors.js';
import { addFlags, type FlagTable, jsonFlag, readFlags, text } from '../flags.js';
import { formatBytes, formatCount, formatShape, renderTable } from '../format.js';
import type { CliIO } from '../io.js';
import { parseShape } from '../parse.js';

/** Ops that only pass a value through (inference): not worth a row in the table. */
const TRIVIAL_OPS = new Set(['Identity', 'Dropout']);

/** `--input-shape 1x3x224x224` (first input) or `name=1x3x224x224[,name2=...]`. */
export function parseInputShapes(model: Model, text: string | undefined): Record<string, number[]> {
  if (!text) return {};
  const feeds = model.graph.feedInputs;
  const out: Record<string, number[]> = {};
  for (const part of text.split(/[;]|,(?=[^,=]+=)/)) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      const first = feeds[0];
      if (!first)
        throw new PareError('PARE_CONFIG', `model has no inputs to apply --input-shape '${part}' to`);
      out[first.name] = parseShape(part);
    } else {
      const name = part.slice(0, eq);
      if (!feeds.some((v) => v.name === name)) {
        throw new PareError(
          'PARE_CONFIG',
          `--input-shape names '${name}', which is not an input of the model`,
          {
            notes: [`the inputs are: ${feeds.map((v) => `'${v.name}'`).join(', ')}`],
          },
        );
      }
      out[name] = parseShape(part.slice(eq + 1));
    }
  }
  return out;
}

/** Read a model and give every value a shape (static rules, then ONNX Runtime for the rest). */
export async function loadWithShapes(
  file: string,
  inputShape: string | undefined,
): Promise<{ model: Model; warnings: string[]; numerics: string[]; declared: DeclaredInterface }> {
  const model = readModel(file);
  const declared = declaredInterface(model.graph);
  const inputShapes = parseInputShapes(model, inputShape);
  let diags = inferShapes(model.graph, { inputShapes });
  if (diags.some((d) => d.severity !== 'info')) diags = await inferShapesWithRuntime(model, { inputShapes });
  // The model's own values, named, so that what they break later is not blamed on pare.
  const numerics = weightDiagnostics(model.graph).map(formatDiagnostic);
  return { model, warnings: [...diags.map(formatDiagnostic), ...numerics], numerics, declared };
}

const inspectFlags = {
  inputShape: {
    flags: '--input-shape <shape>',
    help: 'fix dynamic input dims, e.g. 1x3x224x224 or input=1x3x224x224',
    schema: text,
  },
  json: jsonFlag,
} satisfies FlagTable;

export function inspectCommand(io: CliIO): Command {
  const cmd = new Command('inspect')
    .description('show layers, output shapes, parameters and MACs of an ONNX model')
    .argument('<model>', 'ONNX model file');
  return addFlags(cmd, inspectFlags).action(async (file: string, raw: Record<string, unknown>) => {
    const opts = readFlags(inspectFlags, raw);
    const { model, warnings } = await loadWithShapes(file, opts.inputShape);
    const costs = computeCosts(model.graph);
    // Nodes whose shapes stayed unknown make the totals too small: say which, not just '?'.
    for (const d of costs.diagnostics) if (d.severity !== 'info') warnings.push(formatDiagnostic(d));
    const incomplete = costs.diagnostics.some((d) => d.severity !== 'info');
    const layers = costs.nodes.map((c) => ({
      name: c.node.name,
      op: c.node.opType,
      outputShape: c.outputShape ?? null,
      params: c.params,
      macs: c.macs,
    }));
    if (opts.json) {
      io.out(
        JSON.stringify({
          model: file,
          inputs: model.graph.feedInputs.map((v) => ({ name: v.name, shape: v.shape ?? null })),
          outputs: model.graph.outputs.map((v) => ({ name: v.name, shape: v.shape ?? null })),
          params: costs.params,
          macs: costs.macs,
          activationBytes: costs.activationBytes,
          nodes: model.graph.nodes.length,
          layers,
          warnings,
        }),
      );
      return;
    }
    for (const w of warnings) io.err(w);
    // Pass-through nodes (an exporter's Identity in front of every de-duplicated weight) would
    // bury the layers: the table leaves them out and says how many (--json lists every node).
    const trivial = layers.filter((l) => TRIVIAL_OPS.has(l.op) && !l.params && !l.macs);
    const rows = layers
      .filter((l) => !trivial.includes(l))
      .map((l) => [
        l.name,
        l.op,
        formatShape(l.outputShape ?? undefined),
        l.params ? formatCount(l.params) : '',
        l.macs ? formatCount(l.macs) : '',
      ]);
    io.out(
      renderTable(['layer', 'op', 'output', 'params', 'MACs'], rows, [
        'left',
        'left',
        'left',
        'right',
        'right',
      ]),
    );
    const ins = model.graph.feedInputs.map((v) => `${v.name} ${formatShape(v.shape)}`).join(', ');
    const hidden =
      trivial.length > 0
        ? ` (${trivial.length} pass-through ${[...new Set(trivial.map((l) => l.op))].join('/')} not listed)`
        : '';
    io.out(
      `${file}: ${model.graph.nodes.length} nodes${hidden}, input ${ins}\n` +
        `params ${costs.params.toLocaleString('en-US')} (${formatCount(costs.params)}), ` +
        `MACs ${costs.macs.toLocaleString('en-US')} (${formatCount(costs.macs)}) per sample${incomplete ? ' (incomplete: shapes unknown, see the warnings)' : ''}, ` +
        `activations ${formatBytes(costs.activationBytes)}`,
    );
  });
}
