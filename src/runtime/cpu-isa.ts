// What the x86 CPU offers, from /proc/cpuinfo (Linux; elsewhere unknown). ONNX Runtime's MLAS picks
// its NCHWc block from it (16 floats with AVX-512F, 8 with AVX2), and the bench prints it.

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CpuInfo {
  /** e.g. "AMD EPYC 9R14" */
  readonly model: string;
  /** the widest SIMD ISA: 'avx512' | 'avx2' | 'other' | 'unknown' */
  readonly isa: 'avx512' | 'avx2' | 'other' | 'unknown';
}

let cached: CpuInfo | undefined;

export function cpuInfo(): CpuInfo {
  if (cached) return cached;
  const model = cpus()[0]?.model.trim() ?? 'unknown';
  let flags: Set<string> | undefined;
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('flags'));
    if (line)
      flags = new Set(
        line
          .slice(line.indexOf(':') + 1)
          .trim()
          .split(/\s+/),
      );
  } catch {
    // not Linux: the ISA stays unknown
  }
  const isa = !flags ? 'unknown' : flags.has('avx512f') ? 'avx512' : flags.has('avx2') ? 'avx2' : 'other';
  cached = { model, isa };
  return cached;
}

/** MLAS's NCHWc block on this CPU first, the other one second (both are probed for correctness). */
export function nchwcBlockOrder(isa: CpuInfo['isa'] = cpuInfo().isa): readonly number[] {
  return isa === 'avx512' ? [16, 8] : [8, 16];
}
