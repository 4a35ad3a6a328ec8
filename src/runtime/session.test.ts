import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('Session', () => {
  it("a failing run raises pare's error only: ONNX Runtime's own log line does not reach stderr", () => {
    // A real process: ORT logs from native code straight to file descriptor 2.
    const script = join(import.meta.dirname, 'test-support/ort-run-failure.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("ONNX Runtime failed while running the model for 'model'");
    expect(r.stdout).toContain('Reshape');
    expect(r.stderr).not.toContain('onnxruntime');
  });
});
