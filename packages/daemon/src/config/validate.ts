import { LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { LIMITS, VigilError, isVigilError } from '@vigil/base';
import { MAX_LEVEL_INDEX, parseDevice } from '@vigil/executor';
import { deviceSpec } from '../node/fencing.js';
import {
  DEFAULT_PORT,
  DEFAULT_TIMING,
  NO_QUORUM_POLICIES,
  TIMING_BOUNDS,
  type ClusterConfig,
  DEFAULT_FENCE_MONITOR_INTERVAL_MS,
  type FenceDeviceConfig,
  type LinkConfig,
  type NodeConfig,
  type TimingConfig,
} from './schema.js';

/** One problem in a config file: the field path (`nodes[1].links[0]`), its line, and what is wrong. */
export interface ConfigProblem {
  readonly path: string;
  readonly line: number | undefined;
  readonly message: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
type Path = readonly (string | number)[];

function fmtPath(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s === '' ? '(top level)' : s;
}

/**
 * Parses and validates a cluster config. Every problem is collected; if there is any, throws
 * VGL_E_CONFIG whose message lists them all as `file:line: path: what is wrong`. Nothing is
 * returned half-valid.
 */
export function parseClusterConfig(text: string, fileName = 'vigil.yaml'): ClusterConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  const lineOf = (path: Path): number | undefined => {
    const node = doc.getIn(path, true) as YamlNode | undefined;
    const off = node?.range?.[0];
    return off === undefined ? undefined : lc.linePos(off).line;
  };
  const bad = (path: Path, message: string): void => {
    // Report at the deepest path that exists in the document.
    let p = path;
    while (p.length > 0 && lineOf(p) === undefined) p = p.slice(0, -1);
    problems.push({ path: fmtPath(path), line: lineOf(p), message });
  };

  for (const e of doc.errors) {
    problems.push({
      path: '(syntax)',
      line: e.linePos?.[0].line,
      message: e.message.split('\n')[0] ?? e.message,
    });
  }
  if (problems.length > 0) throw configError(fileName, problems);

  const raw: unknown = doc.toJS();
  if (!isRecord(raw))
    throw configError(fileName, [
      { path: '(top level)', line: 1, message: 'must be a mapping of settings' },
    ]);

  const known = [
    'cluster',
    'nodes',
    'authkey',
    'stateDir',
    'socket',
    'timing',
    'stonithEnabled',
    'noQuorumPolicy',
    'fencing',
  ];
  for (const k of Object.keys(raw))
    if (!known.includes(k)) bad([k], `unknown setting (known: ${known.join(', ')})`);

  const cluster = str(raw.cluster, ['cluster'], bad, { required: true });
  if (cluster !== undefined && !NAME_RE.test(cluster))
    bad(['cluster'], `'${cluster}' is not a valid name (letters, digits, . _ -; at most 63)`);

  const nodes: NodeConfig[] = [];
  if (raw.nodes === undefined) bad(['nodes'], 'is required: list every node with its links');
  else if (!Array.isArray(raw.nodes)) bad(['nodes'], 'must be a list of nodes');
  else {
    if (raw.nodes.length === 0) bad(['nodes'], 'must list at least one node');
    if (raw.nodes.length > LIMITS.maxNodes)
      bad(['nodes'], `has ${raw.nodes.length} nodes; at most ${LIMITS.maxNodes} are supported`);
    raw.nodes.forEach((n: unknown, i: number) => {
      const node = parseNode(n, ['nodes', i], bad);
      if (node) nodes.push(node);
    });
    const seenNames = new Set<string>();
    const seenAddrs = new Map<string, string>();
    nodes.forEach((n, i) => {
      if (seenNames.has(n.name)) bad(['nodes', i, 'name'], `duplicate node name '${n.name}'`);
      seenNames.add(n.name);
      n.links.forEach((l, j) => {
        const key = `${l.host}:${l.port}`;
        const other = seenAddrs.get(key);
        if (other !== undefined)
          bad(['nodes', i, 'links', j], `address ${key} is already used by node '${other}'`);
        seenAddrs.set(key, n.name);
      });
    });
    const linkCounts = new Set(nodes.map((n) => n.links.length));
    if (linkCounts.size > 1)
      bad(
        ['nodes'],
        'every node must have the same number of links (link N of each node forms network N)',
      );
    if (nodes.length > 0 && nodes.every((n) => n.witness))
      bad(['nodes'], 'at least one node must be able to run resources (not a witness)');
  }

  const timing = parseTiming(raw.timing, bad);
  const stonithEnabled = bool(raw.stonithEnabled, ['stonithEnabled'], bad) ?? true;
  const nqp = str(raw.noQuorumPolicy, ['noQuorumPolicy'], bad) ?? 'stop';
  if (!(NO_QUORUM_POLICIES as readonly string[]).includes(nqp))
    bad(['noQuorumPolicy'], `'${nqp}' is not one of ${NO_QUORUM_POLICIES.join(', ')}`);
  const fencing = parseFencing(raw.fencing, new Set(nodes.map((n) => n.name)), bad);
  // No device here is fine: fence devices may come from the CIB (stonith primitives). With none
  // anywhere and fencing enabled the cluster starts nothing, as Pacemaker's (`vigil explain`
  // says why).

  if (problems.length > 0) throw configError(fileName, problems);
  return {
    cluster: cluster ?? '',
    nodes,
    authkey: str(raw.authkey, ['authkey'], bad) ?? 'authkey',
    stateDir: str(raw.stateDir, ['stateDir'], bad) ?? '/var/lib/vigil/{node}',
    socket: str(raw.socket, ['socket'], bad) ?? '/run/vigil/{node}.sock',
    timing,
    stonithEnabled,
    noQuorumPolicy: nqp as ClusterConfig['noQuorumPolicy'],
    fencing,
  };
}

type Bad = (path: Path, message: string) => void;

function parseNode(n: unknown, path: Path, bad: Bad): NodeConfig | undefined {
  if (!isRecord(n)) {
    bad(path, 'must be a mapping with name and links');
    return undefined;
  }
  for (const k of Object.keys(n))
    if (!['name', 'links', 'witness'].includes(k))
      bad([...path, k], 'unknown node setting (known: name, links, witness)');
  const name = str(n.name, [...path, 'name'], bad, { required: true });
  if (name !== undefined && !NAME_RE.test(name))
    bad([...path, 'name'], `'${name}' is not a valid node name`);
  const links: LinkConfig[] = [];
  if (!Array.isArray(n.links) || n.links.length === 0)
    bad([...path, 'links'], 'must list at least one address host:port');
  else {
    n.links.forEach((l: unknown, j: number) => {
      const link = parseLink(l, [...path, 'links', j], bad);
      if (link) links.push(link);
    });
  }
  const witness = bool(n.witness, [...path, 'witness'], bad) ?? false;
  return name === undefined ? undefined : { name, links, witness };
}

/** `host:port`, `host` (default port), or `[v6]:port`. */
export function parseLink(l: unknown, path: Path, bad: Bad): LinkConfig | undefined {
  if (typeof l !== 'string') {
    bad(path, 'must be an address string like 10.0.0.1:5405');
    return undefined;
  }
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(l) ?? /^([^:\s]+)(?::(\d+))?$/.exec(l);
  if (!m) {
    bad(path, `'${l}' is not host:port`);
    return undefined;
  }
  const host = m[1] ?? '';
  const port = m[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    bad(path, `port ${m[2]} is out of range 1-65535`);
    return undefined;
  }
  return { host, port };
}

function parseTiming(t: unknown, bad: Bad): TimingConfig {
  if (t === undefined) return DEFAULT_TIMING;
  if (!isRecord(t)) {
    bad(['timing'], 'must be a mapping of *Ms settings');
    return DEFAULT_TIMING;
  }
  const out: Record<string, number> = { ...DEFAULT_TIMING };
  for (const [k, v] of Object.entries(t)) {
    const bounds = TIMING_BOUNDS[k as keyof TimingConfig] as readonly [number, number] | undefined;
    if (!bounds) {
      bad(
        ['timing', k],
        `unknown timing setting (known: ${Object.keys(DEFAULT_TIMING).join(', ')})`,
      );
      continue;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      bad(['timing', k], `must be a whole number of milliseconds, not ${JSON.stringify(v)}`);
      continue;
    }
    if (v < bounds[0] || v > bounds[1]) {
      bad(['timing', k], `${v} ms is outside ${bounds[0]}-${bounds[1]} ms`);
      continue;
    }
    out[k] = v;
  }
  const timing = out as unknown as TimingConfig;
  if (timing.deadtimeMs < 2 * timing.heartbeatIntervalMs) {
    bad(
      ['timing', 'deadtimeMs'],
      `${timing.deadtimeMs} ms must be at least twice heartbeatIntervalMs (${timing.heartbeatIntervalMs} ms), or one late packet declares a node dead`,
    );
  }
  if (timing.warntimeMs >= timing.deadtimeMs)
    bad(['timing', 'warntimeMs'], `must be below deadtimeMs (${timing.deadtimeMs} ms)`);
  return timing;
}

function parseFencing(
  f: unknown,
  nodeNames: ReadonlySet<string>,
  bad: Bad,
): ClusterConfig['fencing'] {
  const empty = { devices: [], topology: {} };
  if (f === undefined) return empty;
  if (!isRecord(f)) {
    bad(['fencing'], 'must be a mapping with devices and topology');
    return empty;
  }
  const devices: FenceDeviceConfig[] = [];
  const list = f.devices ?? [];
  if (!Array.isArray(list)) bad(['fencing', 'devices'], 'must be a list of devices');
  else
    list.forEach((d: unknown, i: number) => {
      const p: Path = ['fencing', 'devices', i];
      if (!isRecord(d)) return bad(p, 'must be a mapping with id, agent, params, hostMap');
      const id = str(d.id, [...p, 'id'], bad, { required: true });
      const agent = str(d.agent, [...p, 'agent'], bad, { required: true });
      if (agent !== undefined && !/^fence_[A-Za-z0-9_-]+$/.test(agent))
        bad([...p, 'agent'], `'${agent}' is not a fence agent name (fence_*)`);
      const params = strMap(d.params, [...p, 'params'], bad);
      const hostMap = strMap(d.hostMap, [...p, 'hostMap'], bad);
      for (const n of Object.keys(hostMap))
        if (!nodeNames.has(n)) bad([...p, 'hostMap', n], `names no node of this cluster`);
      const num = (k: string, def: number): number => {
        const v = d[k];
        if (v === undefined) return def;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
          bad([...p, k], 'must be a whole, non-negative number of milliseconds');
          return def;
        }
        return v;
      };
      if (id !== undefined && devices.some((x) => x.id === id))
        bad([...p, 'id'], `duplicate device id '${id}'`);
      if (id !== undefined && agent !== undefined) {
        const dev: FenceDeviceConfig = {
          id,
          agent,
          params,
          hostMap,
          delayBaseMs: num('delayBaseMs', 0),
          delayMaxMs: num('delayMaxMs', 0),
          timeoutMs: num('timeoutMs', 20_000),
          monitorIntervalMs: num('monitorIntervalMs', DEFAULT_FENCE_MONITOR_INTERVAL_MS),
        };
        // What the fencer would refuse at start (an unknown pcmk_* attribute, a bad delay…).
        try {
          parseDevice(deviceSpec(dev));
        } catch (e) {
          if (!isVigilError(e)) throw e;
          bad([...p, 'params'], e.message);
        }
        devices.push(dev);
      }
    });
  const topology: Record<string, string[][]> = {};
  if (f.topology !== undefined) {
    if (!isRecord(f.topology))
      bad(['fencing', 'topology'], 'must map node names to lists of levels');
    else
      for (const [node, levels] of Object.entries(f.topology)) {
        const p: Path = ['fencing', 'topology', node];
        if (!nodeNames.has(node)) bad(p, 'names no node of this cluster');
        if (!Array.isArray(levels)) {
          bad(p, 'must be a list of levels, each a list of device ids');
          continue;
        }
        if (levels.length > MAX_LEVEL_INDEX)
          bad(
            p,
            `at most ${MAX_LEVEL_INDEX} levels (the fencer's topology indexes 1-${MAX_LEVEL_INDEX})`,
          );
        topology[node] = levels.map((lvl: unknown, i: number) => {
          const ids = Array.isArray(lvl) ? lvl : [lvl];
          return ids.map((id: unknown, j: number) => {
            if (typeof id !== 'string' || !devices.some((d) => d.id === id))
              bad([...p, i, j], `${JSON.stringify(id)} is not a configured device id`);
            return String(id);
          });
        });
      }
  }
  return { devices, topology };
}

function str(v: unknown, path: Path, bad: Bad, o: { required?: boolean } = {}): string | undefined {
  if (v === undefined || v === null) {
    if (o.required) bad(path, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v === '') {
    bad(path, `must be a non-empty string, not ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}

function bool(v: unknown, path: Path, bad: Bad): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') {
    bad(path, `must be true or false, not ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}

function strMap(v: unknown, path: Path, bad: Bad): Record<string, string> {
  if (v === undefined) return {};
  if (!isRecord(v)) {
    bad(path, 'must be a mapping of names to values');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')
      out[k] = String(x);
    else bad([...path, k], 'must be a string, number or boolean');
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function configError(fileName: string, problems: readonly ConfigProblem[]): VigilError {
  const lines = problems.map((p) => `${fileName}:${p.line ?? '?'}: ${p.path}: ${p.message}`);
  return new VigilError(
    'VGL_E_CONFIG',
    `${fileName} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${lines.join('\n  ')}`,
    { problems },
  );
}
