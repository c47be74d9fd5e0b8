import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { VigilError } from '@vigil/base';
import {
  AGENT_CLASSES,
  EXEC_RC,
  Executor,
  FileClusterPort,
  agentHostIn,
  declaredTimeoutMs,
  formatAgentRef,
  listAgents,
  parseAgentRef,
  type AgentClass,
  type AgentHost,
} from '@vigil/executor';
import type { Command, Io } from '../command.js';

/** Default timeout of an action whose agent declares none, in ms (Pacemaker's default op timeout). */
const DEFAULT_ACTION_TIMEOUT_MS = 20_000;
const MAX_ACTION_TIMEOUT_MS = 24 * 3_600_000;

/**
 * State directory of one-shot `vigil agent` runs: HA_RSCTMP, HA_VARRUN and the attribute store
 * live under it, so a resource started by one invocation is seen by the next (Dummy's state file).
 * Root: /run/vigil/agent (gone at reboot, like HA_RSCTMP). Others: $XDG_RUNTIME_DIR or the temp dir.
 */
export function defaultAgentStateDir(): string {
  const env = process.env.VIGIL_AGENT_STATE_DIR;
  if (env) return env;
  if (process.getuid?.() === 0) return '/run/vigil/agent';
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg) return join(xdg, 'vigil', 'agent');
  return join(tmpdir(), `vigil-agent-${process.getuid?.() ?? 'user'}`);
}

interface Parsed {
  readonly positional: string[];
  readonly flags: Map<string, string>;
  readonly meta: Record<string, string>;
}

function parseArgs(
  args: readonly string[],
  valued: readonly string[],
  bool: readonly string[] = [],
): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  const meta: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (bool.includes(name)) {
      flags.set(name, 'true');
      continue;
    }
    if (!valued.includes(name)) throw new VigilError('VGL_E_USAGE', `unknown option --${name}`);
    const v = eq < 0 ? args[++i] : a.slice(eq + 1);
    if (v === undefined) throw new VigilError('VGL_E_USAGE', `option --${name} needs a value`);
    if (name === 'meta') {
      const [k, val] = splitPair(v);
      meta[k] = val;
    } else flags.set(name, v);
  }
  return { positional, flags, meta };
}

function splitPair(s: string): [string, string] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new VigilError('VGL_E_USAGE', `'${s}' is not name=value`);
  return [s.slice(0, eq), s.slice(eq + 1)];
}

function msFlag(p: Parsed, name: string): number | undefined {
  const v = p.flags.get(name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > MAX_ACTION_TIMEOUT_MS) {
    throw new VigilError(
      'VGL_E_USAGE',
      `--${name} takes a whole number of ms up to ${MAX_ACTION_TIMEOUT_MS}, not '${v}'`,
    );
  }
  return Number(v);
}

function hostFrom(p: Parsed): AgentHost {
  const node = p.flags.get('node') ?? hostname();
  return agentHostIn(p.flags.get('state-dir') ?? defaultAgentStateDir(), node, {
    ...(process.env.OCF_ROOT ? { ocfRoot: process.env.OCF_ROOT } : {}),
  });
}

function executorFor(host: AgentHost): Executor {
  return new Executor({ host, cluster: new FileClusterPort(host.clusterStateFile, host.nodeName) });
}

export const agentListCommand: Command = {
  path: ['agent', 'list'],
  usage: 'vigil agent list [--class C]',
  summary: 'List the installed resource agents (classes ocf, lsb, systemd, service).',
  run(args, io) {
    const p = parseArgs(args, ['class']);
    if (p.positional.length > 0)
      throw new VigilError('VGL_E_USAGE', `unexpected '${p.positional[0]}'`);
    const cls = p.flags.get('class');
    if (cls !== undefined && !(AGENT_CLASSES as readonly string[]).includes(cls)) {
      throw new VigilError(
        'VGL_E_USAGE',
        `--class must be one of ${AGENT_CLASSES.join(', ')}, not '${cls}'`,
      );
    }
    const list = listAgents(hostFrom(p), cls as AgentClass | undefined);
    for (const a of list) io.out(`${a.agent}\n`);
    return Promise.resolve(0);
  },
};

export const agentMetaCommand: Command = {
  path: ['agent', 'meta'],
  usage: 'vigil agent meta AGENT [--json]',
  summary: "Show an agent's parameters and actions from its meta-data.",
  async run(args, io) {
    const p = parseArgs(args, [], ['json']);
    if (p.positional.length !== 1)
      throw new VigilError('VGL_E_USAGE', 'usage: vigil agent meta AGENT');
    const host = hostFrom(p);
    const ex = new Executor({ host });
    try {
      const md = await ex.metadata(p.positional[0]!);
      if (p.flags.has('json')) {
        io.out(JSON.stringify(md, null, 2) + '\n');
        return 0;
      }
      io.out(
        `${formatAgentRef(parseAgentRef(p.positional[0]!))}${md.version ? ` (version ${md.version})` : ''}: ${md.shortdesc}\n\nParameters:\n`,
      );
      for (const prm of md.parameters) {
        const flags = [prm.required ? 'required' : '', prm.unique ? 'unique' : '']
          .filter(Boolean)
          .join(', ');
        const def =
          prm.default !== undefined && prm.default !== '' ? ` [default: ${prm.default}]` : '';
        io.out(`  ${prm.name} (${prm.type}${flags ? `, ${flags}` : ''})${def}: ${prm.shortdesc}\n`);
      }
      if (md.parameters.length === 0) io.out('  (none)\n');
      io.out('\nActions:\n');
      for (const a of md.actions) {
        const parts = [
          a.timeoutMs !== undefined ? `timeout=${a.timeoutMs}ms` : '',
          a.intervalMs !== undefined ? `interval=${a.intervalMs}ms` : '',
          a.role !== undefined ? `role=${a.role}` : '',
          a.depth !== undefined ? `depth=${a.depth}` : '',
        ].filter(Boolean);
        io.out(`  ${a.name}${parts.length ? ` ${parts.join(' ')}` : ''}\n`);
      }
      return 0;
    } finally {
      await ex.close();
    }
  },
};

export const agentExecCommand: Command = {
  path: ['agent', 'exec'],
  usage: 'vigil agent exec AGENT ACTION [name=value …] [--timeout MS] [--interval MS] [--id NAME]',
  summary:
    "Run one action of an agent as the executor would; prints the rc name, duration and exit reason, exits with the agent's rc.",
  async run(args, io) {
    const p = parseArgs(
      args,
      ['timeout', 'interval', 'id', 'meta', 'node', 'state-dir', 'check-level'],
      ['verbose'],
    );
    const [agent, action, ...pairs] = p.positional;
    if (agent === undefined || action === undefined) {
      throw new VigilError('VGL_E_USAGE', 'usage: vigil agent exec AGENT ACTION [name=value …]');
    }
    const ref = parseAgentRef(agent);
    const params: Record<string, string> = {};
    for (const pair of pairs) {
      const [k, v] = splitPair(pair);
      params[k] = v;
    }
    const id = p.flags.get('id') ?? ref.type;
    const host = hostFrom(p);
    const ex = executorFor(host);
    try {
      let timeoutMs = msFlag(p, 'timeout');
      if (timeoutMs === undefined && action !== 'meta-data') {
        timeoutMs = await ex.metadata(agent).then(
          (md) => declaredTimeoutMs(md, action) ?? DEFAULT_ACTION_TIMEOUT_MS,
          () => DEFAULT_ACTION_TIMEOUT_MS,
        );
      }
      const checkLevel = msFlag(p, 'check-level');
      const r = await ex.execute(
        { id, agent: ref, params, meta: p.meta },
        {
          action,
          intervalMs: msFlag(p, 'interval') ?? 0,
          timeoutMs: timeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS,
          ...(checkLevel !== undefined ? { checkLevel } : {}),
        },
      );
      if (r.stdout !== '') io.out(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
      if (p.flags.has('verbose') || (r.rc !== 0 && r.stderr !== '')) writeStderr(io, r.stderr);
      io.err(
        `${r.agent} ${action} (${id}): ${r.rcName} (rc=${r.rc}) in ${Math.round(r.durationMs)} ms${r.exitReason ? `: ${r.exitReason}` : ''}\n`,
      );
      if (r.rc === EXEC_RC.TIMEOUT)
        throw new VigilError('VGL_E_TIMEOUT', r.exitReason ?? 'timed out');
      if (r.rc === EXEC_RC.NOT_RUN)
        throw new VigilError('VGL_E_AGENT', r.exitReason ?? 'agent could not run');
      if (r.rc > 255) throw new VigilError('VGL_E_AGENT', `${r.rcName}: ${r.exitReason ?? ''}`);
      return r.rc;
    } finally {
      await ex.close();
    }
  },
};

function writeStderr(io: Io, s: string): void {
  if (s === '') return;
  io.err(s.endsWith('\n') ? s : `${s}\n`);
}
