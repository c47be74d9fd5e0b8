import { VigilError } from '@vigil/base';
import type { FenceRecord } from '@vigil/controller';
import type { FenceOutcome } from '@vigil/executor';
import type { Command } from '../command.js';
import { call, takeSocket } from './daemon-client.js';

/** `vigil fence history`: the DC's fencing requests, each with the devices it ran (like `stonith_admin --history`). */
export const fenceHistoryCommand: Command = {
  path: ['fence', 'history'],
  usage: 'vigil fence history [NODE] [--json] [--socket PATH]',
  summary:
    "Show the cluster's fencing history, recorded in the CIB so it survives a DC change (the last 64 fencings: target, action, outcome, devices, the DC and why), with each device attempt and its level.",
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
      recorded?: FenceRecord[];
    };
    const hist = r.history.filter((h) => target === undefined || h.target === target);
    const recorded = (r.recorded ?? []).filter((h) => target === undefined || h.target === target);
    if (json) {
      io.out(`${JSON.stringify({ ...r, history: hist, recorded }, null, 2)}\n`);
      return 0;
    }
    // The cluster's record (every DC's fencings, replicated), with this DC's agent runs for the
    // requests it ran; its requests not recorded (yet) follow.
    const mine = new Map(hist.map((h) => [`${h.target}\0${h.startedWallMs}`, h]));
    io.out(`Fencing history (recorded in the CIB; asked ${r.node}${r.dc ? ', the DC' : ''}):\n`);
    if (recorded.length === 0 && hist.length === 0) io.out('  (none)\n');
    const seen = new Set<string>();
    for (const f of recorded) {
      const key = `${f.target}\0${f.startedWallMs}`;
      seen.add(key);
      io.out(
        `  ${new Date(f.completedWallMs).toISOString()} ${f.action} of ${f.target}: ${f.ok ? `ok by ${f.devices.join(', ')}` : 'FAILED'} (DC ${f.dc}, asked: ${f.why}): ${f.reason}\n`,
      );
      const d = mine.get(key);
      if (d !== undefined) attempts(d, io);
      else
        for (const a of f.attempts)
          io.out(`    level ${a.level} ${a.device}: ${a.ok ? 'ok' : 'failed'} (${a.reason})\n`);
    }
    for (const h of hist) {
      if (seen.has(`${h.target}\0${h.startedWallMs}`)) continue;
      io.out(
        `  ${new Date(h.completedWallMs).toISOString()} ${h.action} of ${h.target}: ${h.ok ? 'ok' : `FAILED (${h.code ?? '?'})`}: ${h.reason} [${r.node}'s fencer, not in the CIB]\n`,
      );
      attempts(h, io);
    }
    return 0;
  },
};

function attempts(h: FenceOutcome, io: { out(s: string): void }): void {
  for (const a of h.attempts)
    io.out(
      `    level ${a.level} ${a.device} ${a.action}${a.plug !== undefined ? ` plug ${a.plug}` : ''}: ${a.ok ? 'ok' : 'failed'} (${a.reason})\n`,
    );
}
