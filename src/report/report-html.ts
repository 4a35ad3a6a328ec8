// The HTML report: one self-contained page (inline CSS and SVG, no scripts, no network) for one or
// more run records; with several runs it opens with a comparison and accuracy against cost.

import { runLabel, tradeoffChart } from './charts.js';
import { escapeHtml, formatCount, formatMs, formatPercent, htmlTable } from './html.js';
import { REPORT_CSS } from './report-style.js';
import type { RunRecord } from './run-record.js';
import { figure, runSection, type WarningSink } from './run-section.js';

export interface ReportHtmlOptions {
  /** Page title; defaults to the runs' labels. */
  readonly title?: string;
  /** Shown under the title, e.g. the time and the tool version. */
  readonly subtitle?: string;
  /** Receives chart warnings (a spec mistake in pare, or odd data); they are dropped otherwise. */
  readonly onWarning?: WarningSink;
}

async function comparison(runs: readonly RunRecord[], warn: WarningSink): Promise<string> {
  const rows = runs.map((r, i) => [
    { html: `<a href="#run-${i}">${escapeHtml(runLabel(r))}</a>` },
    r.kind,
    r.method ?? r.criterion ?? '–',
    formatCount(r.after?.params),
    formatCount(r.after?.macs),
    formatMs(r.after?.latencyMs),
    formatPercent(r.after?.accuracy),
  ]);
  const table = htmlTable(['run', 'kind', 'method', 'params', 'MACs', 'latency', 'accuracy'], rows, {
    align: ['l', 'l', 'l', 'r', 'r', 'r', 'r'],
  });
  const chart = await figure(
    'tradeoff',
    'all',
    tradeoffChart(runs),
    'Filled: each run’s result; hollow: the model it started from.',
    warn,
  );
  const note = chart
    ? ''
    : '<p class="muted">Accuracy against cost needs accuracy in at least two runs (prune with --eval-data, or train).</p>';
  return `<section class="card" id="compare"><h2>${runs.length} runs compared</h2>${table}<h3>Accuracy against cost</h3>${chart}${note}</section>`;
}

/** The whole page for `runs` (at least one), as HTML text. */
export async function renderReportHtml(
  runs: readonly RunRecord[],
  options: ReportHtmlOptions = {},
): Promise<string> {
  if (runs.length === 0) throw new RangeError('renderReportHtml: no runs to report');
  const title = options.title ?? `pare report: ${runs.map(runLabel).join(', ')}`;
  const warn = options.onWarning ?? (() => {});
  const sections: string[] = [];
  if (runs.length > 1) sections.push(await comparison(runs, warn));
  for (const [i, run] of runs.entries()) sections.push(await runSection(run, i, warn));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header class="page"><h1><span class="brand">pare</span> report</h1>${
    options.subtitle ? `<p class="meta">${escapeHtml(options.subtitle)}</p>` : ''
  }</header>
${sections.join('\n')}
<footer>Written by pare. Charts: Vega-Lite, rendered to SVG when the report was written.</footer>
</main>
</body>
</html>
`;
}
