import type { Command } from '../command.js';
import { explainCommand as liveExplain } from './cluster.js';
import { explainCommand as fileExplain } from './scheduler.js';

/**
 * `vigil explain` has two sources: a CIB file (`--xml FILE`, no cluster needed) or the live
 * cluster through the local daemon. One command, so users learn one verb.
 */
export const explainCommand: Command = {
  path: ['explain'],
  usage: 'vigil explain RSC [--xml FILE] [--time ISO8601] [--json]',
  summary:
    "Explain in plain sentences why a resource runs where it does, or why it is stopped: each node's score and the constraint, stickiness, failure or rule behind it. On the live cluster, or on a Pacemaker CIB file with --xml.",
  run(args, io) {
    return args.includes('--xml') || args.includes('-x')
      ? fileExplain.run(args, io)
      : liveExplain.run(args, io);
  },
};
