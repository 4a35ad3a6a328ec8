// Diagnostics as data (esbuild style): validation passes return them, the CLI formats them.

import type { ErrorCode, NodeRef } from './errors.js';

export interface Diagnostic {
  readonly code: ErrorCode;
  readonly severity: 'error' | 'warning' | 'info';
  readonly text: string;
  readonly node?: NodeRef;
  readonly tensor?: string;
  readonly notes?: readonly string[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** One line per diagnostic: `error PARE_SHAPE: Conv 'c1' input 1 ('W'): expected rank 4, got 3`. */
export function formatDiagnostic(d: Diagnostic): string {
  const notes = (d.notes ?? []).map((n) => `\n  hint: ${n}`).join('');
  return `${d.severity} ${d.code}: ${d.text}${notes}`;
}
