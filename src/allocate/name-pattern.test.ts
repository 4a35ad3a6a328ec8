import { describe, expect, it } from 'vitest';
import { compilePattern } from './name-pattern.js';

describe('name patterns', () => {
  it('globs match whole names, * crosses dots, dots are literal', () => {
    const p = compilePattern('layer1.*.conv1');
    expect(p('layer1.0.conv1')).toBe(true);
    expect(p('layer1.0.0.conv1')).toBe(true);
    expect(p('layer10.conv1')).toBe(false);
    expect(p('layer1x0.conv1')).toBe(false);
    expect(compilePattern('fc')('fc')).toBe(true);
    expect(compilePattern('fc')('fc2')).toBe(false);
    expect(compilePattern('conv?')('conv3')).toBe(true);
  });

  it('/regex/ matches anywhere; a broken one is a config error', () => {
    expect(compilePattern('/downsample/')('layer2.0.downsample.0')).toBe(true);
    expect(() => compilePattern('/(/')).toThrow(/pattern \/\(\//);
  });
});
