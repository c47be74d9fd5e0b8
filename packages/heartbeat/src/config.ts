import { LIMITS, VigilError } from '@vigil/base';
import { DEFAULT_DETECTOR, validateDetectorConfig, type DetectorConfig } from './core/index.js';

/** One cluster node as every member's configuration names it. */
export interface NodeSpec {
  /** Raft id and display name: 1..64 chars of [A-Za-z0-9._-]. */
  readonly name: string;
  /** Numeric id on the wire (1..2^32-1), unique in the cluster. */
  readonly id: number;
  readonly role: 'voter' | 'witness';
  /** One `host:port` per link; link i of every node talks to link i of every other node. */
  readonly links: readonly string[];
}

export interface MessagingConfig {
  readonly clusterId: number;
  /** This node's name; must be in `nodes`. */
  readonly self: string;
  readonly nodes: readonly NodeSpec[];
  readonly authkeyFile: string;
  /** Raft log, snapshots and the incarnation counter live here. */
  readonly stateDir: string;
  /** Encrypt packet bodies (AES-256-GCM). Default true; false = authenticate only. */
  readonly encrypt: boolean;
  /** Raft logical tick. Election timeout is [electionTicks, 2*electionTicks) ticks. */
  readonly tickMs: number;
  readonly electionTicks: number;
  /**
   * The leader's Raft heartbeat interval, in ticks (< electionTicks). Default 2 (50 ms): at 4
   * a loaded machine saw spurious elections and NO_QUORUM refusals (bench:soak).
   */
  readonly heartbeatTicks: number;
  /** Failure detector settings; heartbeats go out every `detector.intervalMs` on every link. */
  readonly detector: DetectorConfig;
  /** Deadline of one `propose` when the caller gives none. */
  readonly proposeTimeoutMs: number;
  /** Proposals awaiting commit at once. */
  readonly maxPendingProposals: number;
}

export const DEFAULTS = {
  encrypt: true,
  tickMs: 25,
  electionTicks: 10,
  heartbeatTicks: 2,
  proposeTimeoutMs: 5000,
  maxPendingProposals: 10_000,
} as const;

function bad(field: string, why: string): never {
  throw new VigilError('VGL_E_CONFIG', `messaging config: ${field} ${why}`, { field });
}

export interface LinkAddr {
  readonly host: string;
  readonly port: number;
}

export function parseAddr(s: string, field: string): LinkAddr {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  if (!m) bad(field, `must be host:port, got ${JSON.stringify(s)}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) bad(field, `port out of range: ${port}`);
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port };
}

function num(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    bad(field, `must be a number in ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Validates a config object (from JSON), filling defaults. Throws VGL_E_CONFIG naming the field. */
export function parseConfig(raw: unknown): MessagingConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    bad('(root)', 'must be an object');
  const r = raw as Record<string, unknown>;
  const clusterId = num(r.clusterId, 'clusterId', 0, 0xffffffff);
  if (typeof r.self !== 'string') bad('self', 'must be a node name');
  if (typeof r.authkeyFile !== 'string' || r.authkeyFile === '')
    bad('authkeyFile', 'must be a path');
  if (typeof r.stateDir !== 'string' || r.stateDir === '') bad('stateDir', 'must be a path');
  if (!Array.isArray(r.nodes) || r.nodes.length === 0) bad('nodes', 'must be a non-empty array');
  if (r.nodes.length > LIMITS.maxNodes) bad('nodes', `holds more than ${LIMITS.maxNodes} nodes`);
  const names = new Set<string>();
  const ids = new Set<number>();
  let linkCount = -1;
  const nodes: NodeSpec[] = (r.nodes as unknown[]).map((n, i) => {
    const f = `nodes[${i}]`;
    if (typeof n !== 'object' || n === null) bad(f, 'must be an object');
    const o = n as Record<string, unknown>;
    if (typeof o.name !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(o.name)) {
      bad(`${f}.name`, 'must be 1..64 chars of [A-Za-z0-9._-]');
    }
    if (names.has(o.name)) bad(`${f}.name`, `duplicates ${o.name}`);
    names.add(o.name);
    const id = num(o.id, `${f}.id`, 1, 0xffffffff);
    if (!Number.isInteger(id) || ids.has(id)) bad(`${f}.id`, `must be a unique integer`);
    ids.add(id);
    const role = o.role ?? 'voter';
    if (role !== 'voter' && role !== 'witness') bad(`${f}.role`, 'must be voter or witness');
    if (!Array.isArray(o.links) || o.links.length === 0 || o.links.length > 8) {
      bad(`${f}.links`, 'must list 1..8 host:port addresses');
    }
    const links = (o.links as unknown[]).map((l, j) => {
      if (typeof l !== 'string') bad(`${f}.links[${j}]`, 'must be host:port');
      parseAddr(l, `${f}.links[${j}]`);
      return l;
    });
    if (linkCount === -1) linkCount = links.length;
    else if (links.length !== linkCount)
      bad(`${f}.links`, `must list ${linkCount} links like the others`);
    return { name: o.name, id, role, links };
  });
  if (!names.has(r.self)) bad('self', `names no node in nodes: ${JSON.stringify(r.self)}`);
  const d = (r.detector ?? {}) as Record<string, unknown>;
  if (typeof d !== 'object') bad('detector', 'must be an object');
  const detector = { ...DEFAULT_DETECTOR } as Record<string, number>;
  for (const [k, v] of Object.entries(d)) {
    if (!(k in DEFAULT_DETECTOR)) bad(`detector.${k}`, 'is not a detector setting');
    detector[k] = num(v, `detector.${k}`, 0, 1e7);
  }
  const errs = validateDetectorConfig(detector as unknown as DetectorConfig);
  if (errs.length > 0) bad('detector', errs.join('; '));
  if (r.encrypt !== undefined && typeof r.encrypt !== 'boolean')
    bad('encrypt', 'must be a boolean');
  const electionTicks =
    r.electionTicks === undefined
      ? DEFAULTS.electionTicks
      : num(r.electionTicks, 'electionTicks', 2, 1000);
  const heartbeatTicks =
    r.heartbeatTicks === undefined
      ? Math.min(DEFAULTS.heartbeatTicks, electionTicks - 1)
      : num(r.heartbeatTicks, 'heartbeatTicks', 1, electionTicks - 1);
  if (!Number.isInteger(heartbeatTicks)) bad('heartbeatTicks', 'must be an integer');
  return {
    clusterId,
    self: r.self,
    nodes,
    authkeyFile: r.authkeyFile,
    stateDir: r.stateDir,
    encrypt: r.encrypt ?? DEFAULTS.encrypt,
    tickMs: r.tickMs === undefined ? DEFAULTS.tickMs : num(r.tickMs, 'tickMs', 1, 10_000),
    electionTicks,
    heartbeatTicks,
    detector: detector as unknown as DetectorConfig,
    proposeTimeoutMs:
      r.proposeTimeoutMs === undefined
        ? DEFAULTS.proposeTimeoutMs
        : num(r.proposeTimeoutMs, 'proposeTimeoutMs', 1, 600_000),
    maxPendingProposals:
      r.maxPendingProposals === undefined
        ? DEFAULTS.maxPendingProposals
        : num(r.maxPendingProposals, 'maxPendingProposals', 1, 1_000_000),
  };
}
