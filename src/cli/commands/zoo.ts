// `pare zoo NAME -o FILE`: write a reference CNN with seeded weights; `pare zoo --list` lists them.

import { Command } from 'commander';
import { writeModel } from '../../onnx/write.js';
import { PareError } from '../../util/errors.js';
import { buildZooModel, zooModels } from '../../zoo/registry.js';
import { renderTable } from '../format.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { parseFloatOption, parseIntOption, parseShape } from '../parse.js';

interface ZooCliOptions {
  output?: string;
  inputShape?: string;
  classes?: string;
  seed?: string;
  width?: string;
  list?: boolean;
  json?: boolean;
}

export function zooCommand(io: CliIO): Command {
  return new Command('zoo')
    .description('build a reference CNN (LeNet, VGG, ResNet, MobileNetV2) as ONNX with seeded weights')
    .argument('[name]', 'model name (see --list)')
    .option('-o, --output <file>', 'where to write the .onnx file')
    .option('--input-shape <CxHxW>', 'input shape without the batch dim, e.g. 3x32x32 or 1x28x28')
    .option('--classes <n>', 'number of classes')
    .option('--width <w>', 'width multiplier (MobileNetV2)')
    .option('--seed <n>', 'weight initialisation seed', '0')
    .option('--list', 'list the models')
    .option('--json', 'print one JSON object')
    .action((name: string | undefined, opts: ZooCliOptions) => {
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
        ...(opts.classes ? { classes: parseIntOption(opts.classes, '--classes') } : {}),
        ...(opts.width ? { width: parseFloatOption(opts.width, '--width', 0.05, 4) } : {}),
        seed: parseIntOption(opts.seed ?? '0', '--seed', 0),
      });
      writeModel(model, opts.output);
      if (opts.json) {
        const input = model.graph.feedInputs[0];
        io.out(JSON.stringify({ name, output: opts.output, inputShape: input?.shape ?? null }));
      } else io.out(`wrote ${opts.output} (${name})`);
    });
}
