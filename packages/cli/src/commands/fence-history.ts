import { VigilError } from '@vigil/base';
import type { FenceOutcome } from '@vigil/executor';
import type { Command } from '../command.js';
import { call, takeSocket } from './daemon-client.js';

/** `vigil fence history`: the DC's fencing requests, each with the devices it ran (like `stonith_admin --history`). */
export const fenceHistoryCommand: Command = {
  path: ['fence', 'history'],
  usage: 'vigil fence history [NODE] [--json] [--socket PATH]',
  summary:
    "Show the DC's fencing history (last 500 requests): target, action, outcome, and each device attempt with its level.",
  async run(args, io) {
    const { socket, rest } = takeSocket(args);
    const json = rest.includes('--json');
    const words = rest.filter((a) => a !== '--json');
    for (const a of words)
      if (a.startsWith('--'))
        throw new VigilError('VGL_E_USAGE', `fence history: unknown option ${a}`);
    if (words.length > 1)
      throw new VigilError('VGL_E_USAGE', 'fence history takes at most one NODE');
    const target = words[0];
    const r = (await call(socket, 'fence-history')) as {
      node: string;
      dc: boolean;
      history: FenceOutcome[];
    };
    const hist = r.history.filter((h) => target === undefined || h.target === target);
    if (json) {
      io.out(`${JSON.stringify({ ...r, history: hist }, null, 2)}\n`);
      return 0;
    }
    io.out(`Fencing history of ${r.node}${r.dc ? ' (DC)' : ''}:\n`);
    if (hist.length === 0) io.out('  (none)\n');
    for (const h of hist) {
      io.out(
        `  ${new Date(h.completedWallMs).toISOString()} ${h.action} of ${h.target}: ${h.ok ? 'ok' : `FAILED (${h.code ?? '?'})`}: ${h.reason}\n`,
      );
      for (const a of h.attempts)
        io.out(
          `    level ${a.level} ${a.device} ${a.action}${a.plug !== undefined ? ` plug ${a.plug}` : ''}: ${a.ok ? 'ok' : 'failed'} (${a.reason})\n`,
        );
    }
    return 0;
  },
};
