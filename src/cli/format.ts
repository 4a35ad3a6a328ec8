// Human-readable numbers and tables for terminal output.

import Table from 'cli-table3';

/** 11689512 → '11.69M'; 1814073344 → '1.81G'. */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export function formatShape(shape: readonly (number | string | null)[] | undefined): string {
  if (!shape) return '?';
  if (shape.length === 0) return 'scalar';
  return shape.map((d) => (d === null ? '?' : String(d))).join('×');
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

export function renderTable(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  align?: readonly ('left' | 'right')[],
): string {
  const table = new Table({
    head: [...head],
    style: { head: [], border: [], compact: true },
    colAligns: align ? [...align] : head.map((_, i) => (i === 0 ? 'left' : 'right')),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of rows) table.push(r.map(String));
  return table.toString();
}

/** Params, MACs and (when measured) latency before and after: the table prune and compress print. */
export function renderSizeTable(
  before: { readonly params: number; readonly macs: number },
  after: { readonly params: number; readonly macs: number },
  latency?: {
    readonly label: string;
    readonly before: number;
    readonly after: number;
    readonly ratio?: number;
  },
): string {
  const row = (name: string, a: number, b: number) => [
    name,
    formatCount(a),
    formatCount(b),
    formatPercent(b / a),
  ];
  return renderTable(
    ['', 'before', 'after', 'after/before'],
    [
      row('params', before.params, after.params),
      row('MACs', before.macs, after.macs),
      ...(latency
        ? [
            [
              latency.label,
              latency.before.toFixed(2),
              latency.after.toFixed(2),
              formatPercent(latency.ratio ?? latency.after / latency.before),
            ],
          ]
        : []),
    ],
  );
}

/** The note printed when a latency comparison's timings were too unsteady for its ratio to mean much. */
export function unsteadyLatencyNote(lat: { spread: number; threads: number | 'default' }): string {
  return (
    `note: latency timings varied ${lat.spread.toFixed(1)}× between runs (p90/p10, ${lat.threads} threads), so the ratio above is unreliable: ` +
    'other work held a core part of the time; measure on an idle machine, or with --threads 1, whose timings are steadier'
  );
}
