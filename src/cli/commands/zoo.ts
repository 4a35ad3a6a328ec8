// `pare zoo NAME -o FILE`: write a reference CNN with seeded weights; `pare zoo --list` lists them.

import { Command } from 'commander';
import { writeModel } from '../../onnx/write.js';
import { PareError } from '../../util/errors.js';
import { intAtLeast, numberIn } from '../../util/option-schemas.js';
import { buildZooModel, zooModels } from '../../zoo/registry.js';
import { addFlags, type FlagTable, fromText, jsonFlag, readFlags, switchOn, text } from '../flags.js';
import { renderTable } from '../format.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { parseShape } from '../parse.js';

const zooFlags = {
  output: { flags: '-o, --output <file>', help: 'where to write the .onnx file', schema: text },
  inputShape: {
    flags: '--input-shape <CxHxW>',
    help: 'input shape without the batch dim, e.g. 3x32x32 or 1x28x28',
    schema: text,
  },
  classes: { flags: '--classes <n>', help: 'number of classes', schema: fromText(intAtLeast(1)).optional() },
  width: {
    flags: '--width <w>',
    help: 'width multiplier (MobileNetV2)',
    schema: fromText(numberIn(0.05, 4)).optional(),
  },
  seed: {
    flags: '--seed <n>',
    help: 'weight initialisation seed',
    default: '0',
    schema: fromText(intAtLeast(0)),
  },
  list: { flags: '--list', help: 'list the models', schema: switchOn },
  json: jsonFlag,
} satisfies FlagTable;

export function zooCommand(io: CliIO): Command {
  const cmd = new Command('zoo')
    .description('build a reference CNN (LeNet, VGG, ResNet, MobileNetV2) as ONNX with seeded weights')
    .argument('[name]', 'model name (see --list)');
  return addFlags(cmd, zooFlags).action((name: string | undefined, raw: Record<string, unknown>) => {
    const opts = readFlags(zooFlags, raw);
    if (opts.list || !name) {
      if (opts.json) {
        const models = Object.entries(zooModels).map(([key, e]) => ({
          name: key,
          inputShape: e.defaults.inputShape,
          classes: e.defaults.classes,
          description: e.description,
        }));
        io.out(JSON.stringify({ models }));
        return;
      }
      const rows = Object.entries(zooModels).map(([key, e]) => [
        key,
        e.defaults.inputShape.join('×'),
        e.defaults.classes,
        e.description,
      ]);
      io.out(
        renderTable(['name', 'input', 'classes', 'description'], rows, ['left', 'left', 'right', 'left']),
      );
      return;
    }
    if (!opts.output)
      throw new PareError('PARE_CONFIG', `pare zoo ${name}: missing -o FILE`, {
        notes: [`e.g. pare zoo ${name} -o ${name}.onnx`],
      });
    checkOutputPaths([], [{ flag: '-o', path: opts.output }]);
    let inputShape = opts.inputShape ? parseShape(opts.inputShape) : undefined;
    if (inputShape?.length === 4) inputShape = inputShape.slice(1);
    const model = buildZooModel(name, {
      ...(inputShape ? { inputShape } : {}),
      ...(opts.classes ? { classes: opts.classes } : {}),
      ...(opts.width ? { width: opts.width } : {}),
      seed: opts.seed,
    });
    writeModel(model, opts.output);
    if (opts.json) {
      const input = model.graph.feedInputs[0];
      io.out(JSON.stringify({ name, output: opts.output, inputShape: input?.shape ?? null }));
    } else io.out(`wrote ${opts.output} (${name})`);
  });
}
