// `pare apply MODEL PLAN -o OUT [--verify]`: re-apply a saved pruning plan, optionally with the proof
// (recorded in the output model's metadata).

import { Command } from 'commander';
import { readPlan } from '../../analysis/plan.js';
import { applyPlanToModel } from '../../methods/apply-plan-to-model.js';
import { writeModel } from '../../onnx/write.js';
import { assertVerified, describeVerification } from '../../surgery/verify.js';
import { formatCount, formatPercent } from '../format.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { loadWithShapes } from './inspect.js';

interface ApplyCliOptions {
  output?: string;
  verify?: boolean;
  inputShape?: string;
  json?: boolean;
}

export function applyCommand(io: CliIO): Command {
  return new Command('apply')
    .description('apply a pruning plan (JSON) to a model and write the smaller model')
    .argument('<model>', 'ONNX model file')
    .argument('<plan>', 'plan file written by pare prune --plan-out')
    .requiredOption('-o, --output <file>', 'where to write the pruned model')
    .option('--verify', 'prove the result equals the masked original on random inputs (ONNX Runtime)')
    .option('--input-shape <shape>', 'fix dynamic input dims, e.g. 1x3x224x224')
    .option('--json', 'print one JSON object')
    .action(async (file: string, planFile: string, opts: ApplyCliOptions) => {
      const output = opts.output!;
      checkOutputPaths(
        [
          { flag: 'model', path: file },
          { flag: 'plan', path: planFile },
        ],
        [{ flag: '-o', path: output }],
      );
      const { model, numerics } = await loadWithShapes(file, opts.inputShape);
      for (const w of numerics) io.err(w);
      const plan = await readPlan(planFile);
      const r = await applyPlanToModel(model, plan, {
        verify: opts.verify ?? false,
        model: file,
        source: planFile,
      });
      const verify = r.verification;
      if (verify) assertVerified(verify, file);
      writeModel(r.model, output);
      const { before, after } = r;
      if (opts.json) {
        io.out(
          JSON.stringify({
            model: file,
            plan: planFile,
            output,
            before,
            after,
            ...(verify
              ? {
                  verify: {
                    passed: verify.passed,
                    maxAbsDiff: verify.maxAbsDiff,
                    maxAbsOutput: verify.maxAbsOutput,
                    relativeError: verify.relativeError,
                  },
                }
              : {}),
          }),
        );
        return;
      }
      io.out(
        `wrote ${output}: params ${formatCount(before.params)} → ${formatCount(after.params)} (${formatPercent(after.params / before.params)}), ` +
          `MACs ${formatCount(before.macs)} → ${formatCount(after.macs)} (${formatPercent(after.macs / before.macs)})`,
      );
      if (verify) io.out(`verified: ${describeVerification(verify)}`);
    });
}
