import { setTimeout as sleep } from 'node:timers/promises';
import { VigilError } from '@vigil/base';
import { INFINITY, type CibEntry, type PrimitiveDef, type OpSpec } from '@vigil/controller';
import type { StatusView } from '@vigil/daemon';
import type { Command } from '../command.js';
import { call, nameValues, parseDurationMs, takeSocket } from './daemon-client.js';

/**
 * Parses `ID AGENT [name=value …] [meta name=value …] [op monitor interval=10s [timeout=20s]
 * [role=Promoted|Unpromoted] [name=value …]]` (the op's own parameters, e.g. OCF_CHECK_LEVEL); a promotable clone's primitive gets a monitor per role by default.
 */
export function parsePrimitive(words: readonly string[], promotable = false): PrimitiveDef {
  const [id, agent, ...rest] = words;
  if (id === undefined || agent === undefined)
    throw new VigilError('VGL_E_USAGE', 'resource create needs ID and AGENT');
  const parts = agent.split(':');
  let cls: string;
  let provider = '';
  let type: string;
  if (parts.length === 3 && parts[0] === 'ocf')
    [cls, provider, type] = parts as [string, string, string];
  else if (parts.length === 2 && ['lsb', 'systemd', 'service', 'stonith'].includes(parts[0]!))
    [cls, type] = parts as [string, string];
  else
    throw new VigilError(
      'VGL_E_USAGE',
      `'${agent}' is not an agent like ocf:heartbeat:Dummy, lsb:NAME or stonith:fence_NAME`,
    );
  if (cls === 'stonith' && promotable)
    throw new VigilError('VGL_E_USAGE', `a fence device (${agent}) cannot be promotable`);
  const params: string[] = [];
  const meta: string[] = [];
  const ops: OpSpec[] = [];
  let mode: 'params' | 'meta' | 'op' = 'params';
  let opWords: string[] = [];
  const flushOp = (): void => {
    if (mode !== 'op') return;
    const [name, ...kv] = opWords;
    if (name !== 'monitor')
      throw new VigilError(
        'VGL_E_USAGE',
        `op '${name ?? ''}': only 'op monitor interval=…' is configurable`,
      );
    const v = nameValues(kv, 'op monitor');
    const role = v.role;
    if (role !== undefined && role !== 'Promoted' && role !== 'Unpromoted')
      throw new VigilError('VGL_E_USAGE', `op monitor role=${role}: Promoted or Unpromoted`);
    // Anything else is the operation's own parameter (OCF_CHECK_LEVEL=10), as in crm/pcs.
    const opParams = Object.fromEntries(
      Object.entries(v).filter(([k]) => !['interval', 'timeout', 'role'].includes(k)),
    );
    ops.push({
      name: 'monitor',
      intervalMs: parseDurationMs(v.interval ?? '10s', 'op monitor interval'),
      timeoutMs: parseDurationMs(v.timeout ?? '20s', 'op monitor timeout'),
      ...(role === undefined ? {} : { role }),
      ...(Object.keys(opParams).length > 0 ? { params: opParams } : {}),
    });
    opWords = [];
  };
  for (const w of rest) {
    if (w === 'meta' || w === 'op') {
      flushOp();
      mode = w;
      continue;
    }
    if (mode === 'params') params.push(w);
    else if (mode === 'meta') meta.push(w);
    else opWords.push(w);
  }
  flushOp();
  if (ops.length === 0 && promotable)
    // One monitor per role, at different intervals (Pacemaker needs them distinct).
    ops.push(
      { name: 'monitor', intervalMs: 10_000, timeoutMs: 20_000, role: 'Promoted' },
      { name: 'monitor', intervalMs: 11_000, timeoutMs: 20_000, role: 'Unpromoted' },
    );
  // A fence device is run by the DC's fencer, not by the node side: no op here; the DC monitors
  // it every 60 s unless its op monitor says otherwise.
  else if (ops.length === 0 && cls !== 'stonith')
    ops.push({ name: 'monitor', intervalMs: 10_000, timeoutMs: 20_000 });
  return {
    kind: 'primitive',
    id,
    class: cls,
    provider,
    type,
    params: nameValues(params, 'parameter'),
    meta: nameValues(meta, 'meta'),
    ops,
  };
}

function takeFlag(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) throw new VigilError('VGL_E_USAGE', `${flag} needs a value`);
  args.splice(i, 2);
  return v;
}

async function waitStopped(
  socket: string | undefined,
  ids: string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const s = (await call(socket, 'status')) as StatusView;
    const running = s.resources.filter(
      (r) =>
        (ids.includes(r.id) || (r.parent !== null && ids.includes(r.parent))) &&
        r.running.length > 0,
    );
    if (running.length === 0) return;
    await sleep(100);
  }
  throw new VigilError('VGL_E_TIMEOUT', `${ids.join(', ')} did not stop within ${timeoutMs} ms`);
}

function change(socket: string | undefined, entries: CibEntry[]): Promise<unknown> {
  return call(socket, 'changes', { entries });
}

const sub = (
  name: string,
  usage: string,
  summary: string,
  run: (socket: string | undefined, args: string[], out: (s: string) => void) => Promise<void>,
): Command => ({
  path: ['resource', name],
  usage,
  summary,
  async run(args, io) {
    const { socket, rest } = takeSocket(args);
    await run(socket, rest, (s) => io.out(s));
    return 0;
  },
});

const need = (args: string[], n: number, what: string): void => {
  if (args.length < n) throw new VigilError('VGL_E_USAGE', `needs ${what}`);
};

export const resourceCommands: Command[] = [
  sub(
    'create',
    'vigil resource create ID AGENT [name=value …] [meta name=value …] [op monitor interval=10s] [--group G] [--clone] [--promotable]',
    'Create a primitive (optionally in group G, or as a clone ID-clone; --promotable: a promotable clone, monitored in each role). stonith:fence_NAME creates a fence device the DC fences with.',
    async (socket, args, out) => {
      const group = takeFlag(args, '--group');
      const promotable = args.includes('--promotable');
      const clone = args.includes('--clone') || promotable;
      const words = args.filter((a) => a !== '--clone' && a !== '--promotable');
      const def = parsePrimitive(words, promotable);
      if (def.class === 'stonith' && (clone || group !== undefined))
        throw new VigilError(
          'VGL_E_USAGE',
          `${def.id}: a fence device (stonith:${def.type}) is a top-level primitive, not in a group or clone`,
        );
      let entry: CibEntry;
      if (clone && group !== undefined)
        throw new VigilError('VGL_E_USAGE', '--clone/--promotable and --group cannot be combined');
      if (clone)
        entry = {
          op: 'rsc-create',
          def: {
            kind: 'clone',
            id: `${def.id}-clone`,
            child: def,
            meta: promotable ? { promotable: 'true' } : {},
          },
        };
      else if (group !== undefined) {
        const cib = (await call(socket, 'cib')) as { config: { resources: { id: string }[] } };
        entry = cib.config.resources.some((r) => r.id === group)
          ? { op: 'group-add', group, def }
          : { op: 'rsc-create', def: { kind: 'group', id: group, members: [def], meta: {} } };
      } else entry = { op: 'rsc-create', def };
      const r = (await change(socket, [entry])) as { version: number };
      out(`created ${def.id} (CIB v${r.version})\n`);
    },
  ),
  sub(
    'delete',
    'vigil resource delete RSC',
    'Stop a resource, then remove it and its constraints.',
    async (socket, args, out) => {
      need(args, 1, 'a resource id');
      const id = args[0]!;
      await change(socket, [
        { op: 'rsc-update', id, params: {}, meta: { 'target-role': 'Stopped' } },
      ]);
      await waitStopped(socket, [id], 60_000);
      await change(socket, [{ op: 'rsc-delete', id }]);
      out(`deleted ${id}\n`);
    },
  ),
  sub(
    'update',
    'vigil resource update RSC [name=value …] [meta name=value …]',
    'Change a resource’s parameters or meta attributes (an empty value removes a meta attribute).',
    async (socket, args, out) => {
      need(args, 2, 'a resource id and name=value');
      const [id, ...rest] = args as [string, ...string[]];
      const mi = rest.indexOf('meta');
      const params = nameValues(mi < 0 ? rest : rest.slice(0, mi), 'parameter');
      const meta: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(mi < 0 ? {} : nameValues(rest.slice(mi + 1), 'meta')))
        meta[k] = v === '' ? null : v;
      await change(socket, [{ op: 'rsc-update', id, params, meta }]);
      out(`updated ${id}\n`);
    },
  ),
  sub(
    'move',
    'vigil resource move RSC NODE',
    'Move a resource to NODE (adds constraint cli-prefer-RSC).',
    async (socket, args, out) => {
      need(args, 2, 'a resource id and a node');
      const [rsc, node] = args as [string, string];
      await change(socket, [
        {
          op: 'constraint-add',
          constraint: { kind: 'location', id: `cli-prefer-${rsc}`, rsc, node, score: INFINITY },
        },
      ]);
      out(`${rsc} prefers ${node} now; \`vigil resource clear ${rsc}\` removes the preference\n`);
    },
  ),
  sub(
    'ban',
    'vigil resource ban RSC NODE',
    'Keep a resource off NODE (adds constraint cli-ban-RSC-on-NODE).',
    async (socket, args, out) => {
      need(args, 2, 'a resource id and a node');
      const [rsc, node] = args as [string, string];
      await change(socket, [
        {
          op: 'constraint-add',
          constraint: {
            kind: 'location',
            id: `cli-ban-${rsc}-on-${node}`,
            rsc,
            node,
            score: -INFINITY,
          },
        },
      ]);
      out(`${rsc} is banned from ${node}\n`);
    },
  ),
  sub(
    'clear',
    'vigil resource clear RSC',
    'Remove the constraints that move and ban added for RSC.',
    async (socket, args, out) => {
      need(args, 1, 'a resource id');
      const rsc = args[0]!;
      const cib = (await call(socket, 'cib')) as { config: { constraints: { id: string }[] } };
      const ids = cib.config.constraints
        .map((c) => c.id)
        .filter((id) => id === `cli-prefer-${rsc}` || id.startsWith(`cli-ban-${rsc}-on-`));
      if (ids.length > 0)
        await change(
          socket,
          ids.map((id) => ({ op: 'constraint-remove', id })),
        );
      out(
        ids.length === 0 ? `no move/ban constraints for ${rsc}\n` : `removed ${ids.join(', ')}\n`,
      );
    },
  ),
  sub(
    'cleanup',
    'vigil resource cleanup RSC [--node NODE]',
    'Forget a resource’s failures and fail counts.',
    async (socket, args, out) => {
      const node = takeFlag(args, '--node');
      need(args, 1, 'a resource id');
      await change(socket, [
        { op: 'cleanup', rsc: args[0]!, ...(node !== undefined ? { node } : {}) },
      ]);
      out(`cleaned up ${args[0]!}\n`);
    },
  ),
  sub(
    'enable',
    'vigil resource enable RSC',
    'Let a resource run (target-role Started).',
    async (socket, args, out) => {
      need(args, 1, 'a resource id');
      await change(socket, [
        { op: 'rsc-update', id: args[0]!, params: {}, meta: { 'target-role': null } },
      ]);
      out(`enabled ${args[0]!}\n`);
    },
  ),
  sub(
    'disable',
    'vigil resource disable RSC',
    'Stop a resource and keep it stopped (target-role Stopped).',
    async (socket, args, out) => {
      need(args, 1, 'a resource id');
      await change(socket, [
        { op: 'rsc-update', id: args[0]!, params: {}, meta: { 'target-role': 'Stopped' } },
      ]);
      out(`disabled ${args[0]!}\n`);
    },
  ),
  sub(
    'restart',
    'vigil resource restart RSC',
    'Stop a resource, wait until it is stopped, and start it again.',
    async (socket, args, out) => {
      need(args, 1, 'a resource id');
      const id = args[0]!;
      await change(socket, [
        { op: 'rsc-update', id, params: {}, meta: { 'target-role': 'Stopped' } },
      ]);
      await waitStopped(socket, [id], 60_000);
      await change(socket, [{ op: 'rsc-update', id, params: {}, meta: { 'target-role': null } }]);
      out(`restarted ${id}\n`);
    },
  ),
];

export const nodeCommands: Command[] = [
  {
    path: ['node', 'standby'],
    usage: 'vigil node standby NODE',
    summary: 'Put a node in standby: its resources move away.',
    async run(args, io) {
      const { socket, rest } = takeSocket(args);
      need(rest, 1, 'a node');
      await change(socket, [{ op: 'node-set', node: rest[0]!, standby: true }]);
      io.out(`${rest[0]!} is in standby\n`);
      return 0;
    },
  },
  {
    path: ['node', 'online'],
    usage: 'vigil node online NODE',
    summary: 'Take a node out of standby.',
    async run(args, io) {
      const { socket, rest } = takeSocket(args);
      need(rest, 1, 'a node');
      await change(socket, [{ op: 'node-set', node: rest[0]!, standby: false }]);
      io.out(`${rest[0]!} is online\n`);
      return 0;
    },
  },
  {
    path: ['node', 'maintenance'],
    usage: 'vigil node maintenance NODE on/off',
    summary: 'Maintenance mode: the cluster leaves the node’s resources alone.',
    async run(args, io) {
      const { socket, rest } = takeSocket(args);
      need(rest, 2, 'a node and on|off');
      if (rest[1] !== 'on' && rest[1] !== 'off')
        throw new VigilError('VGL_E_USAGE', `maintenance takes on or off, not '${rest[1]!}'`);
      await change(socket, [{ op: 'node-set', node: rest[0]!, maintenance: rest[1] === 'on' }]);
      io.out(`${rest[0]!}: maintenance ${rest[1]}\n`);
      return 0;
    },
  },
];
