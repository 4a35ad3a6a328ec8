// A one-line progress display for TTYs (rewritten in place, throttled); silent elsewhere.

export class ProgressLine {
  private last = 0;
  private shown = false;

  constructor(
    private readonly enabled: boolean,
    private readonly everyMs = 100,
  ) {}

  update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < this.everyMs) return;
    this.last = now;
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
