// The CLI from the TypeScript sources, for tests that need a real process (signals, pipes):
// `node --import tsx test/helpers/cli-entry.ts inspect model.onnx`.
import { main } from '../../src/cli/main.js';

await main(process.argv);
