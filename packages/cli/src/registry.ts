import type { Command } from './command.js';
import { errorsCommand, versionCommand } from './commands/meta.js';
import { demoCommand } from './commands/demo.js';
import { agentExecCommand, agentListCommand, agentMetaCommand } from './commands/agent.js';
import { fenceExecCommand } from './commands/fence.js';

/** Every command, in the order `vigil help` and the README list them. */
export const COMMANDS: readonly Command[] = [
  demoCommand,
  versionCommand,
  errorsCommand,
  agentListCommand,
  agentMetaCommand,
  agentExecCommand,
  fenceExecCommand,
];
