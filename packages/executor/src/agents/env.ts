import { VigilError } from '@vigil/base';
import type { AgentHost } from '../host.js';

/** Pacemaker 2.1.5's feature set; PAF refuses to run below 3.0.9, ocf-shellfuncs picks syntax by it. */
export const CRM_FEATURE_SET = '3.16.1';
export const OCF_EXIT_REASON_PREFIX = 'ocf-exit-reason:';

/** One clone instance in a notification: its resource instance name and the node it is on. */
export interface NotifyEntry {
  readonly resource: string;
  readonly uname: string;
}

/** The notification an agent gets for a clone action (`notify` with type pre/post). */
export interface NotifyInfo {
  readonly type: 'pre' | 'post';
  readonly operation: 'start' | 'stop' | 'promote' | 'demote';
  readonly start?: readonly NotifyEntry[];
  readonly stop?: readonly NotifyEntry[];
  readonly promote?: readonly NotifyEntry[];
  readonly demote?: readonly NotifyEntry[];
  readonly active?: readonly NotifyEntry[];
  readonly inactive?: readonly NotifyEntry[];
  readonly promoted?: readonly NotifyEntry[];
  readonly unpromoted?: readonly NotifyEntry[];
  readonly available?: readonly NotifyEntry[];
  readonly all?: readonly NotifyEntry[];
  /** Every node's host name (CRM_meta_notify_all_hosts). */
  readonly allHosts?: readonly string[];
}

const NOTIFY_LISTS = [
  'start',
  'stop',
  'promote',
  'demote',
  'active',
  'inactive',
  'promoted',
  'unpromoted',
  'available',
  'all',
] as const;

/** Old names many agents still read (pgsql, mysql, redis…): sent alongside the new ones. */
const OLD_LIST_NAME: Partial<Record<(typeof NOTIFY_LISTS)[number], string>> = {
  promoted: 'master',
  unpromoted: 'slave',
};
/** Meta attributes renamed in Pacemaker 2.1, sent under both names. */
const META_ALIASES: readonly (readonly [string, string])[] = [
  ['promoted_max', 'master_max'],
  ['promoted_node_max', 'master_node_max'],
];

/** An OCF environment for one action. */
export interface OcfEnvInput {
  readonly host: AgentHost;
  readonly provider: string;
  readonly type: string;
  /** Resource instance name; clone instances carry `:N` (`web:0`). */
  readonly instance: string;
  readonly params: Readonly<Record<string, string>>;
  readonly meta: Readonly<Record<string, string>>;
  readonly action: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly checkLevel?: number;
  readonly notify?: NotifyInfo;
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The PATH agents get: vigil's commands first, then the usual system directories. */
export function agentPath(host: AgentHost): string {
  return [
    host.sbinDir,
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ].join(':');
}

/** Variables every agent run gets, whatever the class (locale, PATH, vigil's command wiring). */
export function baseEnv(host: AgentHost): Record<string, string> {
  return {
    PATH: agentPath(host),
    LANG: 'C',
    LC_ALL: 'C',
    HA_SBIN_DIR: host.sbinDir,
    // How vigil's agent commands (agent-bin/) find Node, this node and its attribute store.
    VIGIL_NODE_BIN: host.nodeBin,
    VIGIL_NODE_NAME: host.nodeName,
    VIGIL_CLUSTER_STATE: host.clusterStateFile,
    ...(host.clusterSocket !== undefined ? { VIGIL_CLUSTER_SOCKET: host.clusterSocket } : {}),
  };
}

/**
 * Builds the environment of an OCF action from scratch: nothing is inherited from vigil.
 * Parameters become OCF_RESKEY_<name>; meta attributes OCF_RESKEY_CRM_meta_<name> with dashes
 * turned into underscores; interval and timeout are always present, in ms (a missing interval
 * would make every monitor a probe).
 */
export function buildOcfEnv(i: OcfEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    ...baseEnv(i.host),
    OCF_ROOT: i.host.ocfRoot,
    OCF_RA_VERSION_MAJOR: '1',
    OCF_RA_VERSION_MINOR: '1',
    OCF_RESOURCE_INSTANCE: i.instance,
    OCF_RESOURCE_TYPE: i.type,
    OCF_RESOURCE_PROVIDER: i.provider,
    OCF_RESKEY_crm_feature_set: CRM_FEATURE_SET,
    OCF_EXIT_REASON_PREFIX,
    OCF_CHECK_LEVEL: String(i.checkLevel ?? 0),
    OCF_OUTPUT_FORMAT: 'text',
    HA_debug: '0',
    HA_RSCTMP: i.host.rscTmpDir,
    HA_VARRUN: i.host.varRunDir,
  };
  for (const [k, v] of Object.entries(i.params)) {
    if (!PARAM_NAME.test(k)) {
      throw new VigilError('VGL_E_INVALID_INPUT', `parameter name '${k}' is not a valid name`, {
        name: k,
      });
    }
    env[`OCF_RESKEY_${k}`] = v;
  }
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.meta)) {
    if (!PARAM_NAME.test(k)) {
      throw new VigilError(
        'VGL_E_INVALID_INPUT',
        `meta attribute name '${k}' is not a valid name`,
        {
          name: k,
        },
      );
    }
    meta[k.replace(/-/g, '_')] = v;
  }
  for (const [a, b] of META_ALIASES) {
    if (meta[a] !== undefined && meta[b] === undefined) meta[b] = meta[a];
    else if (meta[b] !== undefined && meta[a] === undefined) meta[a] = meta[b];
  }
  const clone = /:(\d+)$/.exec(i.instance);
  if (clone && meta.clone === undefined) meta.clone = clone[1]!;
  meta.name = i.action;
  meta.interval = String(i.intervalMs);
  meta.timeout = String(i.timeoutMs);
  meta.on_node = i.host.nodeName;
  meta.on_node_uuid = i.host.nodeName;
  for (const [k, v] of Object.entries(meta)) env[`OCF_RESKEY_CRM_meta_${k}`] = v;
  if (i.notify) Object.assign(env, notifyEnv(i.notify));
  return env;
}

/** Space-separated list as Pacemaker sends it; an empty list is a single space. */
function list(items: readonly string[]): string {
  return items.length === 0 ? ' ' : items.join(' ');
}

/** The CRM_meta_notify_* variables, with both the new and the old (master/slave) names. */
export function notifyEnv(n: NotifyInfo): Record<string, string> {
  const p = 'OCF_RESKEY_CRM_meta_notify_';
  const env: Record<string, string> = {
    [`${p}type`]: n.type,
    [`${p}operation`]: n.operation,
  };
  for (const key of NOTIFY_LISTS) {
    const entries = n[key] ?? [];
    const names = [key, ...(OLD_LIST_NAME[key] ? [OLD_LIST_NAME[key]] : [])];
    for (const nm of names) {
      env[`${p}${nm}_resource`] = list(entries.map((e) => e.resource));
      env[`${p}${nm}_uname`] = list(entries.map((e) => e.uname));
    }
  }
  const hosts = n.allHosts ?? [...new Set((n.all ?? []).map((e) => e.uname))];
  env[`${p}all_hosts`] = list(hosts);
  return env;
}

/** The exit reason: the last stderr line starting with the prefix, trimmed and capped. */
export const MAX_EXIT_REASON_CHARS = 512;
export function extractExitReason(stderr: string): string | undefined {
  let reason: string | undefined;
  for (const line of stderr.split('\n')) {
    const at = line.indexOf(OCF_EXIT_REASON_PREFIX);
    if (at === 0) reason = line.slice(OCF_EXIT_REASON_PREFIX.length).trim();
  }
  if (reason === undefined || reason === '') return undefined;
  return reason.length > MAX_EXIT_REASON_CHARS ? reason.slice(0, MAX_EXIT_REASON_CHARS) : reason;
}
