import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VigilError } from '@vigil/base';
import { LocalCluster, callDaemon, type StatusView } from '@vigil/daemon';
import type { CibEntry } from '@vigil/controller';
import { DEMO_DIR } from './daemon-client.js';
import { statusCommand } from './cluster.js';
import type { Command } from '../command.js';

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

const DEMO_NODES = ['a', 'b', 'c'];
export const DEMO_HTTP_PORT = 8088;

function demoCluster(): LocalCluster {
  return new LocalCluster({
    dir: DEMO_DIR,
    name: 'demo',
    nodes: DEMO_NODES,
    port: 15405,
    firstHost: 2,
  });
}

/** The sample configuration: Dummy primitives, a group, a clone and an HTTP server on loopback. */
export function demoConfiguration(nodeBinary: string): CibEntry[] {
  const mon = [{ name: 'monitor' as const, intervalMs: 5000, timeoutMs: 20_000 }];
  // Resources stay where they run when a failed node comes back (Pacemaker's default is 0).
  const sticky = { 'resource-stickiness': '100' };
  const dummy = (id: string) => ({
    kind: 'primitive' as const,
    id,
    class: 'ocf',
    provider: 'heartbeat',
    type: 'Dummy',
    params: {},
    meta: {},
    ops: mon,
  });
  return [
    { op: 'rsc-create', def: { ...dummy('dummy1'), meta: sticky } },
    { op: 'rsc-create', def: { ...dummy('dummy2'), meta: sticky } },
    {
      op: 'rsc-create',
      def: {
        kind: 'group',
        id: 'web',
        meta: sticky,
        members: [
          dummy('web-config'),
          {
            kind: 'primitive',
            id: 'web-server',
            class: 'ocf',
            provider: 'vigil',
            type: 'HttpServer',
            params: { ip: '127.0.0.1', port: String(DEMO_HTTP_PORT), node_binary: nodeBinary },
            meta: {},
            ops: mon,
          },
        ],
      },
    },
    { op: 'rsc-create', def: { kind: 'clone', id: 'ping-clone', meta: {}, child: dummy('ping') } },
  ];
}

async function liveSocket(c: LocalCluster): Promise<string | undefined> {
  for (const n of DEMO_NODES) {
    try {
      await callDaemon(c.socket(n), 'ping', {}, 2000);
      return c.socket(n);
    } catch {
      // try the next
    }
  }
  return undefined;
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (performance.now() > deadline)
      throw new VigilError('VGL_E_TIMEOUT', `demo: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Adds the last lines each node logged, so a node that could not start says why. */
function withNodeLogs(e: unknown): unknown {
  if (!(e instanceof VigilError)) return e;
  const tails = DEMO_NODES.map((n) => {
    let text = '';
    try {
      text = readFileSync(join(DEMO_DIR, `${n}.log`), 'utf8');
    } catch {
      return `  ${n}: no log`;
    }
    const last = text.trim().split('\n').slice(-3).join('\n    ');
    return `  ${n}: ${last === '' ? '(empty log)' : last}`;
  });
  return new VigilError(
    e.code,
    `${e.message}; the nodes' logs end with:\n${tails.join('\n')}`,
    e.details,
  );
}

export const demoCommands: Command[] = [
  {
    path: ['demo'],
    usage: 'vigil demo [--no-watch]',
    summary:
      'Start a live 3-node cluster on this machine (127.0.0.2-4) with sample resources and watch it.',
    async run(args, io) {
      io.out('This machine:\n');
      const checks = environmentChecks();
      for (const c of checks) io.out(`  ${c.ok ? 'ok  ' : 'MISSING'} ${c.what}: ${c.detail}\n`);
      if (!checks.slice(0, 2).every((c) => c.ok)) return 69;
      const c = demoCluster();
      if (await liveSocket(c)) {
        io.out(`\nThe demo cluster is already running in ${resolve(DEMO_DIR)}.\n`);
      } else {
        await c.create();
        for (const n of DEMO_NODES) c.start(n);
        io.out(
          `\nStarted vigild a, b, c on 127.0.0.2-4 (state, logs and sockets in ${resolve(DEMO_DIR)}).\n`,
        );
        const sock = await waitFor('a DC election', 30_000, async () => {
          const s = (await callDaemon(c.socket('a'), 'status', {}, 2000)) as StatusView;
          return s.dc !== null && s.quorate ? c.socket('a') : undefined;
        }).catch((e: unknown) => {
          throw withNodeLogs(e);
        });
        const cib = (await callDaemon(sock, 'cib')) as { config: { resources: unknown[] } };
        if (cib.config.resources.length === 0) {
          await callDaemon(sock, 'changes', { entries: demoConfiguration(process.execPath) });
          io.out(
            'Configured: dummy1, dummy2, group web (web-config + web-server), clone ping-clone.\n',
          );
        }
      }
      io.out(
        `\nTry, in another terminal:\n` +
          `  curl http://127.0.0.1:${DEMO_HTTP_PORT}/     # which node serves the web group\n` +
          `  npx vigil demo kill NODE             # kill -9 a node and watch it fail over\n` +
          `  npx vigil resource move web NODE     # and clear, ban, node standby…\n` +
          `  npx vigil demo stop                  # tear it all down\n\n`,
      );
      if (args.includes('--no-watch')) return 0;
      await sleep(1500);
      return statusCommand.run(['--watch'], io);
    },
  },
  {
    path: ['demo', 'kill'],
    usage: 'vigil demo kill NODE',
    summary:
      "kill -9 the demo node NODE's vigild: the cluster fences it (restarting it) and recovers its resources.",
    async run(args, io) {
      const node = args[0];
      if (node === undefined || !DEMO_NODES.includes(node))
        throw new VigilError('VGL_E_USAGE', `demo kill needs a node: ${DEMO_NODES.join(', ')}`);
      const c = demoCluster();
      await c.crash(node);
      io.out(`killed vigild on ${node} (kill -9); watch \`npx vigil status --watch\`\n`);
      return 0;
    },
  },
  {
    path: ['demo', 'stop'],
    usage: 'vigil demo stop',
    summary: 'Stop the demo cluster: every vigild and every process it started.',
    async run(_args, io) {
      if (!existsSync(DEMO_DIR)) {
        io.out('no demo cluster here\n');
        return 0;
      }
      const c = demoCluster();
      await c.stopAll();
      io.out('demo cluster stopped\n');
      return 0;
    },
  },
];
