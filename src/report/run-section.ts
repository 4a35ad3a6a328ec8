// One run's part of the HTML report: the command, a before/after summary, per-layer charts and
// table, training and sensitivity curves, and the groups that were not pruned with their reasons.

import type { TopLevelSpec } from 'vega-lite';
import { layerChart, runLabel, sensitivityChart, trainingChart } from './charts.js';
import {
  type Cell,
  escapeHtml,
  formatCount,
  formatMs,
  formatPercent,
  formatRatio,
  htmlTable,
} from './html.js';
import { renderChartSvg } from './render-chart.js';
import type { RunRecord } from './run-record.js';

/** Receives what the chart renderer warned about (a chart spec mistake). */
export type WarningSink = (text: string) => void;

/** A chart inside a figure the browser test can find by `data-chart`. */
export async function figure(
  name: string,
  run: number | 'all',
  spec: TopLevelSpec | undefined,
  caption: string,
  warn: WarningSink,
): Promise<string> {
  if (!spec) return '';
  const { svg, warnings } = await renderChartSvg(spec);
  for (const w of warnings) warn(`chart '${name}': ${w}`);
  return `<figure class="chart" data-chart="${name}" data-run="${run}">${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

function summaryTable(run: RunRecord): string {
  const b = run.before ?? {};
  const a = run.after ?? {};
  const rows: Cell[][] = [];
  // A cost that grew is worth a second look (a pruned model slower than its original, say).
  const ratio = (after: number | undefined, before: number | undefined): Cell => {
    const text = formatRatio(after, before);
    return after !== undefined && before !== undefined && after > before * 1.005
      ? { html: `<span class="bad">${escapeHtml(text)}</span>` }
      : text;
  };
  if (b.params !== undefined || a.params !== undefined)
    rows.push(['parameters', formatCount(b.params), formatCount(a.params), ratio(a.params, b.params)]);
  if (b.macs !== undefined || a.macs !== undefined)
    rows.push(['MACs (per image)', formatCount(b.macs), formatCount(a.macs), ratio(a.macs, b.macs)]);
  if (b.latencyMs !== undefined || a.latencyMs !== undefined)
    rows.push([
      'latency (batch 1)',
      formatMs(b.latencyMs),
      formatMs(a.latencyMs),
      ratio(a.latencyMs, b.latencyMs),
    ]);
  const hasAcc = (x: number | null | undefined) => x !== undefined && x !== null;
  if (hasAcc(b.accuracy) || hasAcc(a.accuracy)) {
    const delta =
      hasAcc(b.accuracy) && hasAcc(a.accuracy) ? (a.accuracy as number) - (b.accuracy as number) : undefined;
    const change =
      delta === undefined
        ? '–'
        : {
            html: `<span class="${delta >= -0.005 ? 'good' : 'bad'}">${delta >= 0 ? '+' : '−'}${(Math.abs(delta) * 100).toFixed(1)} pt</span>`,
          };
    rows.push(['top-1 accuracy', formatPercent(b.accuracy), formatPercent(a.accuracy), change]);
  }
  if (rows.length === 0) return '<p class="muted">No size or accuracy figures in this run.</p>';
  return htmlTable(['', 'before', 'after', 'after / before'], rows, { className: 'summary-table' });
}

function describePreprocess(run: RunRecord): string | undefined {
  const p = run.preprocess;
  if (p === undefined) return undefined;
  const parts = ['pixels scaled to [0, 1]'];
  if (p?.normalize)
    parts.push(`normalised: mean ${p.normalize.mean.join(', ')}, std ${p.normalize.std.join(', ')}`);
  if (p?.resize) parts.push(`resized to ${p.resize[0]}×${p.resize[1]}`);
  return parts.join('; ');
}

/** Everything else the run recorded that a reader asks about: method, scoring, data, verification. */
function facts(run: RunRecord): string {
  const items: [string, string][] = [];
  const add = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== '') items.push([k, String(v)]);
  };
  add('model', run.model);
  add('output', run.output);
  add('method', run.method);
  add('criterion', run.criterion);
  if (run.scoring)
    add(
      'scoring',
      `${run.scoring.reduce} over a group's members, normalised by ${run.scoring.scoreNormalization}`,
    );
  add('data preprocessing', describePreprocess(run));
  add('accuracy measured on', run.accuracyData);
  const extra = run as Record<string, unknown>;
  const target = extra.target as {
    metric?: string;
    fraction?: number;
    achieved?: number;
    met?: boolean;
  } | null;
  if (target?.metric)
    add(
      'target',
      `${target.metric} = ${target.fraction}${target.achieved !== undefined ? `, reached ${target.achieved.toFixed(4)}${target.met === false ? ' (not met)' : ''}` : ''}`,
    );
  const verify = extra.verify as { passed?: boolean; maxAbsDiff?: number } | null;
  if (verify?.passed !== undefined)
    add(
      'verification',
      `${verify.passed ? 'passed' : 'FAILED'}: max |pruned − masked| = ${verify.maxAbsDiff?.toExponential(2)}`,
    );
  const recovery = extra.recovery as { method?: string; samples?: number } | null;
  if (recovery?.method) add('recovery', `${recovery.method} on ${recovery.samples} calibration images`);
  add('engine', extra.engine);
  add('seed', extra.seed);
  add('created', run.createdAt);
  return `<dl class="facts">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function layerTable(run: RunRecord): string {
  const layers = run.layers ?? [];
  const total = layers.reduce((s, l) => s + l.macsBefore, 0) || 1;
  const latency = layers.some((l) => l.latencyMsBefore !== undefined);
  const rows = layers.map((l) => [
    { html: `<code>${escapeHtml(l.name)}</code>` },
    l.op,
    l.widthBefore === undefined ? '–' : `${l.widthBefore} → ${l.widthAfter ?? '?'}`,
    `${formatCount(l.macsBefore)} → ${formatCount(l.macsAfter)}`,
    formatPercent(l.macsBefore / total),
    `${formatCount(l.paramsBefore)} → ${formatCount(l.paramsAfter)}`,
    ...(latency ? [`${formatMs(l.latencyMsBefore)} → ${formatMs(l.latencyMsAfter)}`] : []),
  ]);
  const head = ['layer', 'op', 'width', 'MACs', 'share of MACs', 'params', ...(latency ? ['latency'] : [])];
  return htmlTable(head, rows, { className: 'compact', align: ['l', 'l', 'r', 'r', 'r', 'r', 'r'] });
}

function groupSections(run: RunRecord): string {
  const groups = run.groups ?? [];
  const blocked = groups.filter((g) => (g.blockers?.length ?? 0) > 0);
  const whole = groups.filter((g) => (g.blockers?.length ?? 0) === 0 && (g.frozen || g.skipped));
  let out = '';
  if (blocked.length > 0) {
    const rows = blocked.map((g) => [
      { html: `<code>${escapeHtml(g.id)}</code>` },
      g.channels,
      { html: `<ul class="reasons">${g.blockers!.map((b) => `<li>${escapeHtml(b)}</li>`).join('')}</ul>` },
    ]);
    out +=
      `<h3>Groups that cannot be pruned (${blocked.length} of ${groups.length})</h3>` +
      htmlTable(['group', 'channels', 'why'], rows, { className: 'compact blocked', align: ['l', 'r', 'l'] });
  }
  if (whole.length > 0) {
    const rows = whole.map((g) => [
      { html: `<code>${escapeHtml(g.id)}</code>` },
      g.channels,
      g.frozen ? `kept whole: ${g.frozen}` : `not scored: ${g.skipped}`,
    ]);
    out +=
      `<h3>Prunable groups this run left whole (${whole.length})</h3>` +
      htmlTable(['group', 'channels', 'why'], rows, { className: 'compact', align: ['l', 'r', 'l'] });
  }
  return out;
}

/** The section for run `index` of the report. */
export async function runSection(run: RunRecord, index: number, warn: WarningSink): Promise<string> {
  const parts: string[] = [];
  parts.push(
    `<h2><span class="kind">${escapeHtml(run.kind)}</span>${escapeHtml(runLabel(run))}</h2>`,
    run.command ? `<pre class="cmd">${escapeHtml(run.command)}</pre>` : '',
    `<div class="summary"><div>${summaryTable(run)}</div><div>${facts(run)}</div></div>`,
  );
  const layers = run.layers ?? [];
  if (layers.length > 0) {
    const pruned = layers.filter((l) => l.macsAfter < l.macsBefore).length;
    parts.push(
      `<h3>Layers: widths, and where the MACs${layers.some((l) => l.latencyMsBefore !== undefined) ? ' and latency' : ''} went</h3>`,
      await figure(
        'layers',
        index,
        layerChart(layers),
        pruned > 0
          ? `${layers.length} layers in graph order, ${pruned} of them made cheaper; grey is what pruning removed.`
          : `${layers.length} layers in graph order; this run changed no layer's size.`,
        warn,
      ),
      `<details><summary>per-layer table</summary>${layerTable(run)}</details>`,
    );
  }
  if (run.history && run.history.length > 0)
    parts.push(
      '<h3>Training</h3>',
      await figure(
        'training',
        index,
        trainingChart(run.history, run.before),
        `Per epoch; test figures on the held-out split${run.before?.accuracy != null ? ', epoch 0 is the model before training' : ''}.`,
        warn,
      ),
    );
  if (run.sensitivity && run.sensitivity.curves.length > 0) {
    const s = run.sensitivity;
    const how = [s.criterion && `criterion ${s.criterion}`, s.recovery && `recovery ${s.recovery}`]
      .filter(Boolean)
      .join(', ');
    parts.push(
      '<h3>Sensitivity</h3>',
      await figure(
        'sensitivity',
        index,
        sensitivityChart(s),
        `Each line prunes one group or layer alone, the rest intact${how ? ` (${how})` : ''}.`,
        warn,
      ),
    );
  }
  parts.push(groupSections(run));
  return `<section class="card run" id="run-${index}">${parts.join('\n')}</section>`;
}
