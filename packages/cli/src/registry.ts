import type { Command } from './command.js';
import { errorsCommand, versionCommand } from './commands/meta.js';
import { demoCommand } from './commands/demo.js';
import { cibCheckCommand } from './commands/cib.js';
import { explainCommand, simulateCommand } from './commands/scheduler.js';

/** Every command, in the order `vigil help` and the README list them. */
export const COMMANDS: readonly Command[] = [
  demoCommand,
  versionCommand,
  errorsCommand,
  cibCheckCommand,
  simulateCommand,
  explainCommand,
];
