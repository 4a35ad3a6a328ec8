#!/usr/bin/env node
// pare's executable: runs the compiled CLI (dist/), or the TypeScript sources through tsx in a checkout
// that has not been built yet.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(fileURLToPath(compiled))) {
  const { main } = await import(compiled.href);
  await main(process.argv);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(new URL('../src/cli/main.ts', import.meta.url).href);
  await main(process.argv);
}
