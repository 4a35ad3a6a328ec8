// A model ONNX Runtime accepts but fails to run (Reshape of 4 values into rows of 3), run once through
// pare's Session in a real process, so a test can read what reached the process's stderr.
import { GraphBuilder } from '../../ir/builder.js';
import { createModel } from '../../ir/model.js';
import { Session } from '../session.js';

const b = new GraphBuilder();
const x = b.input('x', ['N', 4]);
b.graph.addOutput(b.op('Reshape', [x, b.ints('shape', [3, -1])]));
const session = await Session.create(createModel(b.graph));
try {
  await session.run({ x: { dims: [1, 4], data: new Float32Array(4), type: 'float32' } });
} catch (e) {
  process.stdout.write(`${(e as Error).message}\n`);
}
