import { describe, expect, it } from 'vitest';
import { ProgressLine, renderEvents } from './progress.js';

describe('renderEvents', () => {
  it('shows every status, and counts under the status they belong to', () => {
    const lines: string[] = [];
    const render = renderEvents(new ProgressLine('lines', (t) => lines.push(t), 0));
    render({ kind: 'status', text: 'timing layers' });
    render({ kind: 'count', what: 'layers timed', done: 1, total: 2 });
    render({ kind: 'count', what: 'layers timed', done: 2, total: 2 });
    render({ kind: 'status', text: 'allocating and cutting' });
    expect(lines).toEqual([
      'timing layers',
      'timing layers: 1/2 layers timed',
      'timing layers: 2/2 layers timed',
      'allocating and cutting',
    ]);
  });

  it('says nothing when off (--json, or not a terminal for prune)', () => {
    const lines: string[] = [];
    renderEvents(new ProgressLine('off', (t) => lines.push(t), 0))({ kind: 'status', text: 'x' });
    expect(lines).toEqual([]);
  });
});
