import type { Command } from './command.js';
import { errorsCommand, versionCommand } from './commands/meta.js';
import { demoCommands } from './commands/demo.js';
import { explainCommand, historyCommand, initCommand, statusCommand } from './commands/cluster.js';
import { nodeCommands, resourceCommands } from './commands/resource.js';
import { constraintCommands } from './commands/constraint.js';

/** Every command, in the order `vigil help` and the README list them. */
export const COMMANDS: readonly Command[] = [
  ...demoCommands,
  initCommand,
  statusCommand,
  ...resourceCommands,
  ...constraintCommands,
  ...nodeCommands,
  explainCommand,
  historyCommand,
  versionCommand,
  errorsCommand,
];
