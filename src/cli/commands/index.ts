// The command table: name → factory. Adding a command is one line here.

import type { Command } from 'commander';
import type { CliIO } from '../io.js';

export type CommandFactory = (io: CliIO) => Command;

export const commands = {} satisfies Record<string, CommandFactory>;
