// The command table: name → factory. Adding a command is one line here.

import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { inspectCommand } from './inspect.js';
import { zooCommand } from './zoo.js';

export type CommandFactory = (io: CliIO) => Command;

export const commands = {
  inspect: inspectCommand,
  zoo: zooCommand,
} satisfies Record<string, CommandFactory>;
