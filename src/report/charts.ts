// The report's charts as Vega-Lite specs built from run records: per-layer widths, MACs and latency
// before/after, training curves, sensitivity curves, and accuracy against cost across runs.

import type { TopLevelSpec } from 'vega-lite';
import { palette } from './render-chart.js';
import type { EpochRecord, LayerRecord, RunMetrics, RunRecord, SensitivityRecord } from './run-record.js';

const STAGES = { domain: ['before', 'after'], range: [palette.before, palette.after] };

/** Pixels per layer row: readable labels for ResNet-56-sized models, bounded for ResNet-152. */
function rowStep(rows: number): number {
  return rows <= 40 ? 16 : rows <= 120 ? 11 : 7;
}

type LayerPanel = {
  readonly title: string;
  readonly before: (l: LayerRecord) => number | undefined;
  readonly after: (l: LayerRecord) => number | undefined;
  readonly format: string;
};

const layerPanels: readonly LayerPanel[] = [
  { title: 'output channels', before: (l) => l.widthBefore, after: (l) => l.widthAfter, format: 'd' },
  { title: 'MACs', before: (l) => l.macsBefore, after: (l) => l.macsAfter, format: '.2~s' },
  {
    title: 'latency (ms)',
    before: (l) => l.latencyMsBefore,
    after: (l) => l.latencyMsAfter,
    format: '.2~f',
  },
];

/** The layers a panel can draw: those with both values. */
function panelRows(layers: readonly LayerRecord[], panel: LayerPanel) {
  return layers.flatMap((l, order) => {
    const b = panel.before(l);
    const a = panel.after(l);
    if (b === undefined || a === undefined) return [];
    return [
      { layer: l.name, order, stage: 'before', value: b },
      { layer: l.name, order, stage: 'after', value: a },
    ];
  });
}

/**
 * One row per layer, in graph order: widths, MACs and (when measured) latency side by side; the
 * after bar is drawn over the before bar, so the grey that shows is what pruning removed.
 */
export function layerChart(layers: readonly LayerRecord[]): TopLevelSpec | undefined {
  const panels = layerPanels
    .map((p) => ({ panel: p, rows: panelRows(layers, p) }))
    .filter((p) => p.rows.length > 0);
  if (panels.length === 0) return undefined;
  const names = layers.map((l) => l.name);
  const step = rowStep(layers.length);
  return {
    spacing: 18,
    hconcat: panels.map(({ panel, rows }, i) => ({
      // The page's card is ~1010 px wide; the first panel also carries the layer names (~150 px).
      width: panels.length === 1 ? 600 : panels.length === 2 ? 400 : 260,
      height: { step },
      data: { values: rows },
      mark: { type: 'bar', height: { band: 0.8 } },
      encoding: {
        y: {
          field: 'layer',
          type: 'nominal',
          sort: names,
          scale: { domain: names },
          axis:
            i === 0
              ? { title: null, labelLimit: 190, labelFontSize: step < 12 ? 9 : 11 }
              : { title: null, labels: false, ticks: false, domain: false },
        },
        x: {
          field: 'value',
          type: 'quantitative',
          stack: null,
          title: panel.title,
          axis: { format: panel.format, orient: 'top', grid: true },
        },
        color: {
          field: 'stage',
          type: 'nominal',
          scale: STAGES,
          sort: STAGES.domain,
          // One shared scale, so one legend (Vega-Lite merges identical legend definitions).
          legend: { title: null, orient: 'bottom', direction: 'horizontal' },
        },
        order: { field: 'order', type: 'quantitative' },
      },
    })),
  } as TopLevelSpec;
}

/**
 * Loss and accuracy per epoch, train and test; `start` (the model before training, measured on the
 * test data) is drawn as the test curve's epoch 0, so a fine-tune shows where it started.
 */
export function trainingChart(history: readonly EpochRecord[], start?: RunMetrics): TopLevelSpec | undefined {
  if (history.length === 0) return undefined;
  const first = start
    ? [
        {
          epoch: 0,
          trainLoss: Number.NaN,
          trainAcc: Number.NaN,
          testAcc: start.accuracy,
          testLoss: start.loss,
        },
      ]
    : [];
  const series = (pick: (e: EpochRecord) => number | null | undefined, name: string) =>
    [...first, ...history].flatMap((e) => {
      const v = pick(e);
      return v === null || v === undefined || Number.isNaN(v)
        ? []
        : [{ epoch: e.epoch, series: name, value: v }];
    });
  const panel = (title: string, values: object[], format: string) => ({
    width: 380,
    height: 220,
    data: { values },
    mark: { type: 'line', point: { filled: true, size: 45 }, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title, scale: { zero: false }, axis: { format } },
      color: {
        field: 'series',
        type: 'nominal',
        scale: { domain: ['train', 'test'], range: [palette.accent, palette.after] },
        legend: { title: null, orient: 'top-right' },
      },
    },
  });
  return {
    spacing: 40,
    hconcat: [
      panel('loss', [...series((e) => e.trainLoss, 'train'), ...series((e) => e.testLoss, 'test')], '.3~f'),
      panel('accuracy', [...series((e) => e.trainAcc, 'train'), ...series((e) => e.testAcc, 'test')], '.1~%'),
    ],
  } as TopLevelSpec;
}

/** Accuracy (or loss) against the fraction pruned, one line per group or layer. */
export function sensitivityChart(s: SensitivityRecord): TopLevelSpec | undefined {
  const metric = s.metric ?? 'accuracy';
  const values = s.curves.flatMap((c) =>
    c.points.flatMap((p) => {
      const v = p[metric];
      return v === null || v === undefined ? [] : [{ unit: c.unit, ratio: p.ratio, value: v }];
    }),
  );
  if (values.length === 0) return undefined;
  return {
    width: 640,
    height: 280,
    data: { values },
    mark: { type: 'line', point: { filled: true, size: 30 }, strokeWidth: 1.5 },
    encoding: {
      x: {
        field: 'ratio',
        type: 'quantitative',
        title: 'fraction of channels pruned',
        axis: { format: '.0%' },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        title: metric,
        scale: { zero: false },
        axis: { format: metric === 'accuracy' ? '.1~%' : '.3~f' },
      },
      color: {
        field: 'unit',
        type: 'nominal',
        sort: null,
        scale: s.curves.length > palette.categories.length ? { scheme: 'tableau20' } : {},
        legend: { title: null, columns: s.curves.length > 12 ? 2 : 1, labelLimit: 180 },
      },
    },
  } as TopLevelSpec;
}

/** A run's short name in charts: its output file, else its model. */
export function runLabel(run: RunRecord): string {
  const path = run.output ?? run.model;
  return path.split(/[\\/]/).pop() ?? path;
}

/**
 * Accuracy against MACs and (when measured) latency, one point per run after it ran and one hollow
 * point per distinct original model.
 */
export function tradeoffChart(runs: readonly RunRecord[]): TopLevelSpec | undefined {
  const points: { label: string; stage: string; macs?: number; latency?: number; accuracy: number }[] = [];
  // A model that is some run's output is already a result point (a prune followed by a fine-tune).
  const originals = new Set<string>(runs.flatMap((r) => (r.output ? [r.output] : [])));
  for (const run of runs) {
    const a = run.after;
    if (a?.accuracy !== undefined && a.accuracy !== null)
      points.push({
        label: runLabel(run),
        stage: 'after',
        accuracy: a.accuracy,
        ...(a.macs !== undefined ? { macs: a.macs } : {}),
        ...(a.latencyMs !== undefined ? { latency: a.latencyMs } : {}),
      });
    const b = run.before;
    if (b?.accuracy !== undefined && b.accuracy !== null && !originals.has(run.model)) {
      originals.add(run.model);
      points.push({
        label: runLabel({ ...run, output: run.model }),
        stage: 'before',
        accuracy: b.accuracy,
        ...(b.macs !== undefined ? { macs: b.macs } : {}),
        ...(b.latencyMs !== undefined ? { latency: b.latencyMs } : {}),
      });
    }
  }
  const axes = [
    { field: 'macs', title: 'MACs (per image)', format: '.2~s' },
    { field: 'latency', title: 'latency (ms, batch 1)', format: '.2~f' },
  ].filter((ax) => points.filter((p) => ax.field in p).length >= 2);
  if (axes.length === 0) return undefined;
  return {
    spacing: 40,
    hconcat: axes.map((ax) => ({
      width: 400,
      height: 260,
      data: { values: points.filter((p) => ax.field in p) },
      encoding: {
        x: { field: ax.field, type: 'quantitative', title: ax.title, axis: { format: ax.format } },
        y: {
          field: 'accuracy',
          type: 'quantitative',
          title: 'accuracy',
          scale: { zero: false },
          axis: { format: '.1~%' },
        },
        color: {
          field: 'stage',
          type: 'nominal',
          scale: { domain: ['before', 'after'], range: [palette.muted, palette.after] },
          legend: {
            title: null,
            orient: 'bottom-right',
            labelExpr: "datum.label === 'before' ? 'started from' : 'result'",
          },
        },
      },
      layer: [
        {
          mark: { type: 'point', size: 70, strokeWidth: 2 },
          encoding: {
            // Hollow originals, filled results; by value so that only the colour has a legend.
            fill: { condition: { test: "datum.stage === 'after'", value: palette.after }, value: 'white' },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 10 },
          encoding: { text: { field: 'label' } },
        },
      ],
    })),
  } as TopLevelSpec;
}
