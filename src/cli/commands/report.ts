// `pare report RUN.json [RUN2.json …] -o report.html`: one HTML page from the run records that
// prune, train (and compress, sensitivity) write with --report FILE.json.

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parseRunRecord, type RunRecord } from '../../report/run-record.js';
import { PareError } from '../../util/errors.js';
import { addFlags, type FlagTable, jsonFlag, outputFlag, readFlags } from '../flags.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { reportFormatOf, writeRunReport } from '../report-output.js';

function readRun(file: string): RunRecord {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new PareError(
      'PARE_IO',
      `run record '${file}' ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(cause)})`}`,
      {
        file,
        cause,
        notes: ['write one with pare prune … --report FILE.json or pare train … --report FILE.json'],
      },
    );
  }
  return parseRunRecord(text, file);
}

const reportFlags = {
  output: outputFlag('where to write the report (.html)'),
  json: jsonFlag,
} satisfies FlagTable;

export function reportCommand(io: CliIO): Command {
  const cmd = new Command('report')
    .description(
      'write one HTML report (charts inline, no network needed) from run records (--report FILE.json)',
    )
    .argument('<runs...>', 'run records: the JSON written by prune/train --report FILE.json');
  return addFlags(cmd, reportFlags).action(async (files: string[], raw: Record<string, unknown>) => {
    const opts = readFlags(reportFlags, raw);
    if (reportFormatOf(opts.output, '-o') !== 'html')
      throw new PareError('PARE_CONFIG', `-o '${opts.output}': pare report writes a page; name it FILE.html`);
    checkOutputPaths(
      files.map((f) => ({ flag: 'run record', path: f })),
      [{ flag: '-o', path: opts.output }],
    );
    const runs = files.map(readRun);
    await writeRunReport(opts.output, runs, '-o');
    const summary = {
      output: opts.output,
      runs: runs.map((r, i) => ({
        file: files[i],
        kind: r.kind,
        model: r.model,
        charts: chartsOf(r),
      })),
    };
    if (opts.json) {
      io.out(JSON.stringify(summary));
      return;
    }
    io.out(`wrote ${opts.output} (${runs.length} run${runs.length === 1 ? '' : 's'})`);
  });
}

/** Which sections with charts a run gets, so scripts can tell what the page shows. */
function chartsOf(run: RunRecord): string[] {
  return [
    ...(run.layers && run.layers.length > 0 ? ['layers'] : []),
    ...(run.history && run.history.length > 0 ? ['training'] : []),
    ...(run.sensitivity && run.sensitivity.curves.length > 0 ? ['sensitivity'] : []),
  ];
}
