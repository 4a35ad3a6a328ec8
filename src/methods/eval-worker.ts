// Worker thread of the evaluation pool (eval-pool.ts): holds the evaluation batches, receives
// encoded models, answers top-1 and mean cross-entropy. One ORT session per task, one thread each.

import { parentPort, workerData } from 'node:worker_threads';
import { ClassificationMeter } from '../measure/classification-meter.js';
import { decodeModel } from '../onnx/read.js';
import { Session } from '../runtime/session.js';
import type { EvalBatches, EvalTask, EvalTaskResult } from './eval-pool.js';

const data = workerData as EvalBatches;

parentPort?.on('message', async (task: EvalTask) => {
  let reply: EvalTaskResult;
  try {
    const model = decodeModel(task.bytes);
    const session = await Session.create(model, { threads: data.threads, label: task.label });
    const meter = new ClassificationMeter();
    try {
      for (const b of data.batches) {
        const r = await session.run({ [data.input]: { dims: b.dims, data: b.x } }, [data.output]);
        const logits = r[data.output]!;
        meter.add(logits.data as Float32Array, b.y, b.dims[0]!, logits.dims[logits.dims.length - 1]!);
      }
    } finally {
      await session.release();
    }
    const m = meter.result(0);
    reply = { id: task.id, top1: m.top1, loss: m.loss };
  } catch (e) {
    reply = { id: task.id, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(reply);
});
