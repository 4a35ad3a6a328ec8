import { describe, expect, it } from 'vitest';
import { cpuInfo, nchwcBlockOrder } from './cpu-isa.js';

describe('cpuInfo', () => {
  it('names the CPU and its widest ISA', () => {
    const c = cpuInfo();
    expect(c.model.length).toBeGreaterThan(0);
    expect(['avx512', 'avx2', 'other', 'unknown']).toContain(c.isa);
  });

  it("puts MLAS's NCHWc block for the ISA first: 16 with AVX-512, 8 otherwise", () => {
    expect(nchwcBlockOrder('avx512')).toEqual([16, 8]);
    expect(nchwcBlockOrder('avx2')).toEqual([8, 16]);
    expect(nchwcBlockOrder('unknown')).toEqual([8, 16]);
  });
});
