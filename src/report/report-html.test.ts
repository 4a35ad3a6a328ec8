import { describe, expect, it } from 'vitest';
import { PareError } from '../util/errors.js';
import { renderReportHtml } from './report-html.js';
import type { RunRecord } from './run-record.js';
import { parseRunRecord } from './run-record.js';
import {
  syntheticPruneRun,
  syntheticSensitivityRun,
  syntheticTrainRun,
} from './test-support/report-fixtures.js';

/** The markup of the figure `name` of run `run`. */
function figureOf(html: string, name: string, run: number | 'all' = 0): string {
  const start = html.indexOf(`<figure class="chart" data-chart="${name}" data-run="${run}">`);
  if (start < 0) return '';
  return html.slice(start, html.indexOf('</figure>', start));
}

/** Paths drawn by Vega marks of `type` (rect, symbol, line, text) inside `svg`. */
function markCount(svg: string, type: string): number {
  let n = 0;
  for (const m of svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs')))
    n += (m[1]!.match(/<(path|text)\b/g) ?? []).length;
  return n;
}

/** Render and insist the charts rendered without a warning from Vega-Lite or Vega. */
async function render(runs: RunRecord[]): Promise<string> {
  const warnings: string[] = [];
  const html = await renderReportHtml(runs, { onWarning: (w) => warnings.push(w) });
  expect(warnings).toEqual([]);
  return html;
}

describe('renderReportHtml', () => {
  it('one prune run: summary, a bar per layer before and after, blocked groups with reasons', async () => {
    const html = await render([syntheticPruneRun(12)]);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Self-contained: no scripts, no external resources (xmlns names are not fetched).
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '')).not.toMatch(/https?:\/\//);
    expect(html).toContain('pare prune model.onnx -o pruned.onnx --criterion fpgm');
    expect(html).toMatch(/<td>parameters<\/td><td class="num">270\.0K<\/td><td class="num">160\.0K<\/td>/);
    expect(html).toContain('<td>top-1 accuracy</td><td class="num">90.0 %</td><td class="num">87.0 %</td>');
    expect(html).toContain('−3.0 pt');
    expect(html).toContain('normalised by mean'); // the score normalisation, named as such
    expect(html).toContain('normalised: mean 0.485, 0.456, 0.406, std 0.229, 0.224, 0.225; resized to 32×32');
    const layers = figureOf(html, 'layers');
    // Widths, MACs and latency? No per-layer latency here: two panels, 12 layers, before + after.
    expect(markCount(layers, 'rect')).toBe(2 * 2 * 12);
    // Names are escaped, in the chart and in the table.
    expect(html).toContain('stem&lt;conv&gt;');
    expect(html).not.toContain('stem<conv>');
    expect(html).toContain('Groups that cannot be pruned (2 of 4)');
    expect(html).toContain('<li>feeds graph output &#39;logits&#39;</li>');
    expect(html).toContain('kept whole: residual');
    expect(figureOf(html, 'training')).toBe('');
    expect(html).not.toMatch(/<span class="bad">[\d.]+ %<\/span>/); // every cost went down
    const slower = syntheticPruneRun(3);
    const slowerHtml = await render([{ ...slower, after: { ...slower.after, latencyMs: 1.5 } }]);
    expect(slowerHtml).toContain('<td class="num"><span class="bad">120.0 %</span></td>');
  });

  it('training and sensitivity curves: one point per value, one line per series', async () => {
    const html = await render([syntheticTrainRun(5), syntheticSensitivityRun(4)]);
    const training = figureOf(html, 'training', 0);
    // train/test × loss/accuracy × 5 epochs, and the accuracy before training as the test's epoch 0.
    expect(markCount(training, 'symbol')).toBe(4 * 5 + 1);
    expect(markCount(training, 'line')).toBe(4);
    const sensitivity = figureOf(html, 'sensitivity', 1);
    expect(markCount(sensitivity, 'symbol')).toBe(4 * 4);
    expect(markCount(sensitivity, 'line')).toBe(4);
  });

  it('several runs: a comparison table and accuracy against MACs and latency', async () => {
    const runs = [
      syntheticPruneRun(8, 0.87, 'pruned.onnx'),
      syntheticPruneRun(8, 0.8, 'b.onnx'),
      syntheticTrainRun(),
    ];
    const html = await render(runs);
    expect(html).toContain('3 runs compared');
    const tradeoff = figureOf(html, 'tradeoff', 'all');
    // MACs: the three results and the original model.onnx (pruned.onnx, where the fine-tune started,
    // is a result already: not drawn twice); latency: the two prune results and model.onnx.
    expect(markCount(tradeoff, 'symbol')).toBe(4 + 3);
    expect(markCount(tradeoff, 'text')).toBe(4 + 3); // a label per point
    for (const id of ['run-0', 'run-1', 'run-2']) expect(html).toContain(`id="${id}"`);
  });
});

describe('parseRunRecord', () => {
  it('reads what pare sensitivity writes as a sensitivity run, each curve starting unpruned', async () => {
    const result = {
      kind: 'sensitivity',
      model: 'm.onnx',
      criterion: 'l1',
      recovery: 'bn',
      metric: 'top1',
      samples: 500,
      baseline: { top1: 0.9, loss: 0.3 },
      groups: [
        { id: 'conv1', name: 'conv1', channels: 16, points: [{ ratio: 0.5, top1: 0.8, loss: 0.6 }] },
        {
          id: 'layer1.0.conv2',
          name: 'layer1.0.conv1',
          channels: 16,
          points: [{ ratio: 0.5, top1: 0.7, loss: 0.9 }],
        },
      ],
      seconds: 3,
    };
    const run = parseRunRecord(JSON.stringify(result), 's.json');
    expect(run.kind).toBe('sensitivity');
    expect(run.sensitivity!.curves.map((c) => c.unit)).toEqual(['conv1', 'layer1.0.conv2 (layer1.0.conv1)']);
    expect(run.sensitivity!.curves[1]!.points).toEqual([
      { ratio: 0, accuracy: 0.9, loss: 0.3 },
      { ratio: 0.5, accuracy: 0.7, loss: 0.9 },
    ]);
    const html = await render([run]);
    expect(markCount(figureOf(html, 'sensitivity'), 'symbol')).toBe(4);
  });

  it('reads what it documents and names the file and field that is wrong', () => {
    const run = syntheticPruneRun(3);
    expect(parseRunRecord(JSON.stringify(run), 'r.json').layers).toHaveLength(3);
    const error = (text: string) => {
      try {
        parseRunRecord(text, 'r.json');
      } catch (e) {
        expect(e).toBeInstanceOf(PareError);
        return (e as PareError).message;
      }
      throw new Error('expected an error');
    };
    expect(error('{')).toMatch(/^run record 'r\.json' is not JSON/);
    expect(error('{"model": "m.onnx"}')).toMatch(/^run record 'r\.json': format: /);
    const bad = { ...run, layers: [{ ...run.layers![0], macsBefore: 'many' }] };
    expect(error(JSON.stringify(bad))).toMatch(/^run record 'r\.json': layers\.0\.macsBefore: /);
  });
});
