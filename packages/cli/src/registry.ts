import type { Command } from './command.js';
import { errorsCommand, versionCommand } from './commands/meta.js';
import { demoCommands } from './commands/demo.js';
import { agentExecCommand, agentListCommand, agentMetaCommand } from './commands/agent.js';
import { fenceExecCommand } from './commands/fence.js';
import { fenceHistoryCommand } from './commands/fence-history.js';
import { simulateCommand } from './commands/scheduler.js';
import { explainCommand } from './commands/explain.js';
import { historyCommand, initCommand, statusCommand } from './commands/cluster.js';
import { nodeCommands, resourceCommands } from './commands/resource.js';
import { constraintCommands } from './commands/constraint.js';
import { cibCheckCommand, cibQueryCommand } from './commands/cib.js';
import { configCommands } from './commands/config.js';

/** Every command, in the order `vigil help` and the README list them. */
export const COMMANDS: readonly Command[] = [
  ...demoCommands,
  initCommand,
  statusCommand,
  ...resourceCommands,
  ...constraintCommands,
  ...nodeCommands,
  ...configCommands,
  explainCommand,
  historyCommand,
  simulateCommand,
  cibCheckCommand,
  cibQueryCommand,
  agentListCommand,
  agentMetaCommand,
  agentExecCommand,
  fenceExecCommand,
  fenceHistoryCommand,
  versionCommand,
  errorsCommand,
];
