// `--report FILE`: the run record as JSON (FILE.json) or as the HTML report (FILE.html), told by the
// extension, written atomically.

import { extname } from 'node:path';
import { renderReportHtml } from '../report/report-html.js';
import type { RunRecord } from '../report/run-record.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { PareError } from '../util/errors.js';
import { VERSION } from './main.js';

export type ReportFormat = 'json' | 'html';

/** The format `file`'s extension asks for; checked before any work so a typo costs nothing. */
export function reportFormatOf(file: string, option = '--report'): ReportFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.html' || ext === '.htm') return 'html';
  throw new PareError(
    'PARE_CONFIG',
    `${option} '${file}': the extension picks the format; use .json (the run record) or .html (the report page)`,
  );
}

/** The subtitle every HTML report carries: when and by which pare. */
export function reportSubtitle(): string {
  return `${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC · pare ${VERSION}`;
}

/** Write `runs` to `file` in the format its extension names (JSON takes exactly one run). */
export async function writeRunReport(
  file: string,
  runs: readonly RunRecord[],
  option = '--report',
): Promise<void> {
  const format = reportFormatOf(file, option);
  if (format === 'json') {
    if (runs.length !== 1)
      throw new PareError(
        'PARE_CONFIG',
        `${option} '${file}': a JSON report holds one run; write .html for several`,
      );
    writeFileAtomic(file, `${JSON.stringify(runs[0], null, 2)}\n`);
    return;
  }
  writeFileAtomic(file, await renderReportHtml(runs, { subtitle: reportSubtitle() }));
}
