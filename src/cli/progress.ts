// Progress for long commands. On a terminal: one line rewritten in place (throttled). Piped or
// redirected: a plain line every `everyMs` (10 s by default), so a log shows the run is alive and
// how far it got instead of nothing for minutes. Off for --json.

import type { CountEvent, EventSink, StatusEvent } from '../util/events.js';

export type ProgressMode = 'tty' | 'lines' | 'off';

export class ProgressLine {
  private last = 0;
  private shown = false;

  constructor(
    private readonly mode: ProgressMode,
    /** Where 'lines' mode writes whole lines (the CLI's stderr). */
    private readonly writeLine: (text: string) => void = (t) => process.stderr.write(`${t}\n`),
    private readonly everyMs = mode === 'tty' ? 100 : 10_000,
  ) {}

  /** 'tty' on a terminal, 'lines' otherwise, 'off' when machine output was asked for. */
  static modeFor(isTTY: boolean, json: boolean | undefined): ProgressMode {
    return json ? 'off' : isTTY ? 'tty' : 'lines';
  }

  update(text: string, force = false): void {
    if (this.mode === 'off') return;
    const now = Date.now();
    if (this.last === 0 && this.mode === 'lines') this.last = now; // the first line after everyMs
    if (!force && now - this.last < this.everyMs) return;
    this.last = now;
    if (this.mode === 'lines') {
      this.writeLine(text);
      return;
    }
    process.stderr.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  /** Clear the line so normal output can follow. */
  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

/** Status and count events of a library call as the progress line (a status always shows). */
export function renderEvents(progress: ProgressLine): EventSink<StatusEvent | CountEvent> {
  let status = '';
  return (e) => {
    if (e.kind === 'status') {
      status = e.text;
      progress.update(status, true);
    } else progress.update(`${status}: ${e.done}/${e.total} ${e.what}`, e.done === e.total);
  };
}

/** Run `work`, clearing the progress line however it ends (an error then prints on a clean line). */
export async function withProgress<T>(progress: ProgressLine, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    progress.done();
  }
}
