import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VigilError } from '@vigil/base';
import { parseNodesArg, renderInitialConfig, writeAuthkey, type StatusView } from '@vigil/daemon';
import type { Command } from '../command.js';
import { call, takeSocket } from './daemon-client.js';

export const initCommand: Command = {
  path: ['init'],
  usage: 'vigil init --nodes a=ADDR,b=ADDR,c=ADDR [--name N] [--dir D]',
  summary: 'Write a cluster config (vigil.yaml) and a fresh authkey (mode 0600) into D.',
  async run(args, io) {
    let nodes: string | undefined;
    let name = 'vigil';
    let dir = '.';
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const val = (): string => {
        const v = args[++i];
        if (v === undefined) throw new VigilError('VGL_E_USAGE', `${a} needs a value`);
        return v;
      };
      if (a === '--nodes') nodes = val();
      else if (a === '--name') name = val();
      else if (a === '--dir') dir = val();
      else throw new VigilError('VGL_E_USAGE', `init: unknown argument '${a}'`);
    }
    if (nodes === undefined)
      throw new VigilError('VGL_E_USAGE', 'init needs --nodes a=ADDR,b=ADDR,…');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name))
      throw new VigilError('VGL_E_USAGE', `--name '${name}' is not a valid cluster name`);
    const parsed = parseNodesArg(nodes);
    await mkdir(dir, { recursive: true });
    const cfgPath = join(dir, 'vigil.yaml');
    if (existsSync(cfgPath)) throw new VigilError('VGL_E_EXISTS', `${cfgPath} exists already`);
    await writeAuthkey(join(dir, 'authkey'));
    const text = renderInitialConfig({
      cluster: name,
      nodes: parsed,
      authkey: 'authkey',
      stateDir: '/var/lib/vigil/{node}',
      socket: '/run/vigil/{node}.sock',
    });
    await writeFile(cfgPath, text, { flag: 'wx' });
    io.out(
      `wrote ${resolve(cfgPath)} and ${resolve(dir, 'authkey')} (mode 0600) for ${parsed.length} nodes\n`,
    );
    io.out('copy both to every node, then run `vigild --config vigil.yaml --node NAME` on each\n');
    return 0;
  },
};

export function renderStatus(s: StatusView): string {
  const lines: string[] = [];
  const online = s.nodes.filter((n) => n.online).length;
  lines.push(
    `Cluster ${s.cluster}  (asked ${s.node})  DC: ${s.dc ?? 'NONE'}${s.dc ? ` (term ${s.term})` : ''}  ` +
      `quorum: ${s.quorate ? 'yes' : 'NO'} (${online} of ${s.nodes.length} nodes)  CIB v${s.cibVersion} (config v${s.configVersion})`,
  );
  for (const w of s.warnings) lines.push(`!! ${w}`);
  lines.push('', 'Nodes:');
  for (const n of s.nodes) {
    const flags = [
      n.online ? 'online' : `OFFLINE (${n.state})`,
      n.standby ? 'standby' : '',
      n.maintenance ? 'maintenance' : '',
      n.dc ? 'DC' : '',
    ]
      .filter((x) => x !== '')
      .join(', ');
    lines.push(`  ${n.name.padEnd(12)} ${flags}`);
  }
  lines.push('', 'Resources:');
  const fence = s.fenceDevices;
  if (s.resources.length === 0 && fence.length === 0) lines.push('  (none)');
  // Fence devices, as crm_mon lists stonith resources: Started where the fencer runs them (the
  // DC's), Stopped when disabled; the cluster file's are marked so.
  for (const d of fence) {
    const where =
      d.state === 'Started'
        ? `Started ${d.running ?? '(no DC)'}`
        : d.state === 'FAILED'
          ? `FAILED ${d.running ?? '(no DC)'} (${d.note ?? 'monitor failed'}, since ${d.monitor !== undefined ? new Date(d.monitor.sinceWallMs).toISOString() : '?'})`
          : d.state === 'Stopped'
            ? 'Stopped (disabled)'
            : `REFUSED: ${d.note ?? ''}`;
    const from = d.source === 'cluster file' ? ' [cluster file]' : '';
    const warn = d.state === 'Started' && d.note !== undefined ? `  !! ${d.note}` : '';
    lines.push(`  ${d.id.padEnd(16)} (${d.agent}) ${where}${from}${warn}`);
  }
  let parent: string | null = null;
  for (const r of s.resources) {
    if (r.parent !== parent) {
      parent = r.parent;
      if (parent !== null) lines.push(`  ${parent} (${r.kind}):`);
    }
    const unpromoted = r.running.filter((n) => !r.promoted.includes(n));
    const where =
      r.kind === 'promotable clone' && r.running.length > 0
        ? [
            r.promoted.length > 0 ? `Promoted ${r.promoted.join(' ')}` : '',
            unpromoted.length > 0 ? `Unpromoted ${unpromoted.join(' ')}` : '',
          ]
            .filter((x) => x !== '')
            .join('; ')
        : r.running.length > 0
          ? `Started ${r.running.join(' ')}`
          : r.targetRole.toLowerCase() === 'stopped'
            ? 'Stopped (disabled)'
            : 'Stopped';
    const failed = r.failed.length > 0 ? `  FAILED on ${r.failed.join(' ')}` : '';
    lines.push(
      `  ${parent !== null ? '  ' : ''}${r.id.padEnd(parent !== null ? 14 : 16)} (${r.agent}) ${where}${failed}`,
    );
  }
  const fcs = Object.entries(s.failcounts).flatMap(([n, m]) =>
    Object.entries(m).map(([r, c]) => `${r} on ${n}: ${c >= 1_000_000 ? 'INFINITY' : c}`),
  );
  if (s.failures.length > 0 || fcs.length > 0) {
    lines.push('', 'Failures:');
    for (const f of s.failures.slice(-5))
      lines.push(
        `  ${new Date(f.wallMs).toISOString()} ${f.rsc} ${f.op} on ${f.node}: rc=${f.rc} ${f.reason}`,
      );
    if (fcs.length > 0) lines.push(`  fail counts: ${fcs.join(', ')}`);
  }
  // Like crm_mon's fencing history: the replicated record, so it outlives a DC change.
  const fencing = s.fencing;
  if (fencing.length > 0) {
    lines.push('', 'Fencing history:');
    const last = fencing.findLast((f) => f.ok);
    if (last !== undefined)
      lines.push(
        `  last fenced: ${last.target} at ${new Date(last.completedWallMs).toISOString()} by ${last.devices.join(', ') || '?'}`,
      );
    for (const f of fencing)
      lines.push(
        `  * ${f.action} of ${f.target} ${f.ok ? 'successful' : 'FAILED'}: ${f.ok ? `device=${f.devices.join(',')}, ` : ''}origin=${f.dc}, completed='${new Date(f.completedWallMs).toISOString()}'${f.ok ? '' : ` (${f.reason})`}`,
      );
  }
  if (s.transition)
    lines.push(
      '',
      `Last transition ${s.transition.id}: ${s.transition.outcome} (${s.transition.actions} actions)${s.transition.reason ? `: ${s.transition.reason}` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

export const statusCommand: Command = {
  path: ['status'],
  usage: 'vigil status [--json] [--watch] [--socket PATH]',
  summary:
    'Show nodes, resources and where they run, fence devices (FAILED when their monitor fails), failures, the fencing history, the DC and quorum (like crm_mon).',
  async run(args, io) {
    const { socket, rest } = takeSocket(args);
    const json = rest.includes('--json');
    const watch = rest.includes('--watch');
    for (const a of rest)
      if (a !== '--json' && a !== '--watch')
        throw new VigilError('VGL_E_USAGE', `status: unknown argument '${a}'`);
    if (!watch) {
      const s = (await call(socket, 'status')) as StatusView;
      io.out(json ? `${JSON.stringify(s, null, 2)}\n` : renderStatus(s));
      return 0;
    }
    for (;;) {
      let text: string;
      try {
        const s = (await call(socket, 'status')) as StatusView;
        text = json
          ? `${JSON.stringify(s)}\n`
          : `\x1b[2J\x1b[H${new Date().toISOString()}  (Ctrl-C to quit)\n${renderStatus(s)}`;
      } catch (e) {
        text = `${json ? '' : '\x1b[2J\x1b[H'}${(e as Error).message}\n`;
      }
      io.out(text);
      await sleep(500);
    }
  },
};

export const historyCommand: Command = {
  path: ['history'],
  usage: 'vigil history [--json] [--socket PATH]',
  summary: 'Show the configuration history: who changed what, and when.',
  async run(args, io) {
    const { socket, rest } = takeSocket(args);
    const h = (await call(socket, 'history')) as {
      version: number;
      wallMs: number;
      who: string;
      what: string;
    }[];
    if (rest.includes('--json')) io.out(`${JSON.stringify(h, null, 2)}\n`);
    else
      for (const e of h)
        io.out(`v${e.version}  ${new Date(e.wallMs).toISOString()}  ${e.who}  ${e.what}\n`);
    return 0;
  },
};

export const explainCommand: Command = {
  path: ['explain'],
  usage: 'vigil explain RSC [--json] [--socket PATH]',
  summary:
    "Explain where a resource runs on the live cluster, with the scheduler's reasons and scores per node, and the DC's pending actions for it.",
  async run(args, io) {
    const { socket, rest } = takeSocket(args);
    const rsc = rest.find((a) => !a.startsWith('--'));
    if (rsc === undefined) throw new VigilError('VGL_E_USAGE', 'explain needs a resource id');
    // The daemon answers with the scheduler's explanation and the DC's pending actions.
    const r = (await call(socket, 'explain', { rsc })) as {
      text: string;
      actions: { key: string; reason: string; runnable: boolean }[];
    };
    if (rest.includes('--json')) {
      io.out(`${JSON.stringify(r, null, 2)}\n`);
      return 0;
    }
    io.out(r.text.endsWith('\n') ? r.text : `${r.text}\n`);
    io.out(
      r.actions.length === 0
        ? 'pending actions: none (the cluster is where it should be)\n'
        : 'pending actions:\n',
    );
    for (const a of r.actions) io.out(`  ${a.key}${a.runnable ? '' : ' (blocked)'}: ${a.reason}\n`);
    return 0;
  },
};
