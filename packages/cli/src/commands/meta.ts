import { ERROR_CATALOGUE } from '@vigil/base';
import type { Command } from '../command.js';
import { VERSION } from '../version.js';

export const versionCommand: Command = {
  path: ['version'],
  usage: 'vigil version',
  summary: 'Print the vigil version and the Node runtime.',
  run(_args, io) {
    io.out(
      `vigil ${VERSION} (node ${process.versions.node}, ${process.platform}/${process.arch})\n`,
    );
    return Promise.resolve(0);
  },
};

export const errorsCommand: Command = {
  path: ['errors'],
  usage: 'vigil errors [--json]',
  summary: 'List the stable error codes with their CLI exit codes and HTTP statuses.',
  run(args, io) {
    const rows = Object.entries(ERROR_CATALOGUE).map(([code, s]) => ({ code, ...s }));
    if (args.includes('--json')) {
      io.out(JSON.stringify(rows, null, 2) + '\n');
      return Promise.resolve(0);
    }
    const w = Math.max(...rows.map((r) => r.code.length));
    io.out(`${'CODE'.padEnd(w)}  EXIT  HTTP  MEANING\n`);
    for (const r of rows) {
      const retired = 'retired' in r ? ' (retired)' : '';
      io.out(
        `${r.code.padEnd(w)}  ${String(r.exit).padStart(4)}  ${String(r.http).padStart(4)}  ${r.summary}${retired}\n`,
      );
    }
    return Promise.resolve(0);
  },
};
