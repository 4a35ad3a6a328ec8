// Small HTML building blocks for the report: escaping, tables, and the number formats it shows.

/** Text made safe for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A cell: plain text (escaped), or markup the caller built with `html`. */
export type Cell = string | number | { readonly html: string };

function cellHtml(cell: Cell): string {
  if (typeof cell === 'object') return cell.html;
  return escapeHtml(String(cell));
}

/** A table; columns after the first are right-aligned numbers unless `align` says otherwise. */
export function htmlTable(
  head: readonly string[],
  rows: readonly (readonly Cell[])[],
  options: { className?: string; align?: readonly ('l' | 'r')[] } = {},
): string {
  const align = options.align ?? head.map((_, i) => (i === 0 ? 'l' : 'r'));
  const cls = (i: number) => (align[i] === 'r' ? ' class="num"' : '');
  const th = head.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${cellHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const tableClass = options.className ? ` class="${options.className}"` : '';
  return `<table${tableClass}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** 11689512 → '11.69M'; 1814073344 → '1.81G'. */
export function formatCount(n: number | undefined): string {
  if (n === undefined) return '–';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  return fraction === undefined || fraction === null ? '–' : `${(fraction * 100).toFixed(digits)} %`;
}

export function formatMs(ms: number | undefined): string {
  return ms === undefined ? '–' : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

/** after / before as a percentage, or '–' when either is missing. */
export function formatRatio(after: number | null | undefined, before: number | null | undefined): string {
  if (after === undefined || after === null || before === undefined || before === null || before === 0)
    return '–';
  return formatPercent(after / before);
}
