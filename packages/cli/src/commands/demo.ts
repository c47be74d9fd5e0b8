import { existsSync, readdirSync } from 'node:fs';
import type { Command } from '../command.js';
import { VERSION } from '../version.js';

interface Check {
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
}

function countDir(dir: string, filter: (name: string) => boolean = () => true): number {
  try {
    return readdirSync(dir).filter(filter).length;
  } catch {
    return 0;
  }
}

/** What this machine offers vigil: the runtime and the agents it will run unchanged. */
export function environmentChecks(): Check[] {
  const ocfRoot = process.env.OCF_ROOT ?? '/usr/lib/ocf';
  const providers = ['heartbeat', 'pacemaker'].map((p) => ({
    p,
    n: countDir(`${ocfRoot}/resource.d/${p}`),
  }));
  const fence = countDir('/usr/sbin', (n) => n.startsWith('fence_'));
  const major = Number(process.versions.node.split('.')[0]);
  return [
    { what: 'Node runtime', ok: major === 24, detail: `node ${process.versions.node}` },
    ...providers.map(({ p, n }) => ({
      what: `OCF agents (${p})`,
      ok: n > 0,
      detail:
        n > 0 ? `${n} in ${ocfRoot}/resource.d/${p}` : 'none: apt-get install resource-agents',
    })),
    {
      what: 'fence agents',
      ok: fence > 0,
      detail: fence > 0 ? `${fence} fence_* in /usr/sbin` : 'none: apt-get install fence-agents',
    },
    {
      what: 'crm_simulate (reference scheduler)',
      ok: existsSync('/usr/sbin/crm_simulate'),
      detail: existsSync('/usr/sbin/crm_simulate')
        ? '/usr/sbin/crm_simulate'
        : 'apt-get install pacemaker-cli-utils',
    },
  ];
}

export const demoCommand: Command = {
  path: ['demo'],
  usage: 'vigil demo',
  summary: 'Show what vigil can do on this machine (the live 3-node cluster arrives with vigild).',
  run(_args, io) {
    io.out(`vigil ${VERSION} demo\n\nThis machine:\n`);
    const checks = environmentChecks();
    for (const c of checks) io.out(`  ${c.ok ? 'ok  ' : 'MISSING'} ${c.what}: ${c.detail}\n`);
    io.out(
      '\nThe live 3-node cluster demo needs vigild, which is not built yet.\n' +
        'Try `npx vigil help` for the commands that exist today.\n',
    );
    return Promise.resolve(checks.every((c) => c.ok) ? 0 : 69);
  },
};
