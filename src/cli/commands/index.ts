// The command table: name → factory. Adding a command is one line here.

import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { analyzeCommand } from './analyze.js';
import { applyCommand } from './apply.js';
import { compressCommand } from './compress.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { inspectCommand } from './inspect.js';
import { pruneCommand } from './prune.js';
import { reportCommand } from './report.js';
import { sensitivityCommand } from './sensitivity.js';
import { trainCommand } from './train.js';
import { zooCommand } from './zoo.js';

export type CommandFactory = (io: CliIO) => Command;

export const commands = {
  inspect: inspectCommand,
  analyze: analyzeCommand,
  prune: pruneCommand,
  sensitivity: sensitivityCommand,
  compress: compressCommand,
  apply: applyCommand,
  eval: evalCommand,
  train: trainCommand,
  report: reportCommand,
  demo: demoCommand,
  zoo: zooCommand,
} satisfies Record<string, CommandFactory>;
