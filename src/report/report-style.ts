// The report page's stylesheet, inlined into every report so the file stands alone.

import { palette } from './render-chart.js';

export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  margin: 0; background: #f5f7fa; color: ${palette.text};
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
header.page { margin-bottom: 18px; }
h1 { font-size: 24px; margin: 0 0 2px; letter-spacing: -0.01em; }
h1 .brand { color: ${palette.after}; }
h2 { font-size: 19px; margin: 0 0 12px; }
h2 .kind {
  display: inline-block; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .05em;
  color: white; background: ${palette.after}; border-radius: 4px; padding: 1px 7px; margin-right: 8px;
  vertical-align: 2px;
}
h3 { font-size: 15px; margin: 26px 0 8px; color: ${palette.text}; }
p.meta, .muted { color: ${palette.muted}; margin: 0; }
section.card {
  background: white; border: 1px solid #e1e5ea; border-radius: 10px; padding: 20px 24px; margin: 0 0 22px;
  box-shadow: 0 1px 2px rgba(15, 23, 42, .04);
}
pre.cmd {
  background: #1f2933; color: #e4e7eb; border-radius: 6px; padding: 10px 14px; margin: 0 0 16px;
  font: 12.5px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  white-space: pre-wrap; word-break: break-all;
}
.summary { display: grid; grid-template-columns: minmax(340px, 1fr) minmax(260px, 1fr); gap: 24px; align-items: start; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid #edf0f3; text-align: left; vertical-align: top; }
th { font-size: 12px; font-weight: 600; color: ${palette.muted}; text-transform: uppercase; letter-spacing: .03em;
  border-bottom: 1.5px solid #d5dae0; }
td.num, th.num { text-align: right; white-space: nowrap; }
tbody tr:hover { background: #f8fafc; }
table.compact td, table.compact th { padding: 3px 8px; font-size: 12.5px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; font-size: 13px; }
dl.facts dt { color: ${palette.muted}; }
dl.facts dd { margin: 0; }
.good { color: #047857; font-weight: 600; }
.bad { color: #b91c1c; font-weight: 600; }
code { font: 12.5px ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: #f1f4f8;
  padding: 0 4px; border-radius: 3px; }
figure.chart { margin: 6px 0 0; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { color: ${palette.muted}; font-size: 12.5px; margin-top: 4px; }
details { margin-top: 10px; }
summary { cursor: pointer; color: ${palette.after}; font-size: 13px; }
details table { margin-top: 8px; }
ul.reasons { margin: 0; padding-left: 18px; }
footer { color: ${palette.muted}; font-size: 12px; text-align: center; margin-top: 8px; }
@media print { body { background: white; } section.card { box-shadow: none; break-inside: avoid; } }
`;
