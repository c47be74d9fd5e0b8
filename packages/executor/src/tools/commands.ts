import type { AttrRef, AttrScope, ClusterQueryPort } from '../cluster/port.js';
import { baseResourceId } from '../cluster/port.js';
import { parseOpts, str, UsageError, type OptSpec } from './args.js';

/**
 * vigil's versions of the Pacemaker commands resource agents call, in the subset the agents in
 * resource-agents, pacemaker-resource-agents and resource-agents-paf use. Each returns its exit
 * code; output goes through `io`. Exit codes follow Pacemaker's: 0 ok, 64 usage, 105 no such
 * attribute/resource, 1 other failure.
 */
export interface ToolIo {
  out(s: string): void;
  err(s: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 64;
export const EXIT_NOSUCH = 105;
/** The Pacemaker release whose command-line behaviour these commands follow. */
export const PACEMAKER_COMPAT_VERSION = '2.1.5';

type Tool = (argv: readonly string[], port: ClusterQueryPort, io: ToolIo) => Promise<number>;

const o = (
  key: string,
  short: string | undefined,
  long: string[],
  value: OptSpec['value'] = 'none',
): OptSpec => ({
  key,
  ...(short !== undefined ? { short } : {}),
  long,
  value,
});

function lifetimeScope(l: string | undefined, fallback: AttrScope): AttrScope {
  if (l === undefined) return fallback;
  if (l === 'reboot' || l === 'status' || l === 'transient') return 'reboot';
  if (l === 'forever' || l === 'nodes' || l === 'permanent') return 'forever';
  throw new UsageError(`invalid lifetime '${l}' (reboot or forever)`);
}

function scopeName(s: AttrScope): string {
  return s === 'reboot' ? 'status' : s === 'forever' ? 'nodes' : s;
}

const CRM_ATTRIBUTE_OPTS = [
  o('name', 'n', ['name'], 'required'),
  o('value', 'v', ['update', 'value'], 'required'),
  o('query', 'G', ['query', 'get-value']),
  o('delete', 'D', ['delete']),
  o('quiet', 'q', ['quiet']),
  o('quiet', 'Q', []),
  o('node', 'N', ['node'], 'required'),
  o('lifetime', 'l', ['lifetime'], 'required'),
  o('type', 't', ['type'], 'required'),
  o('utilization', 'z', ['utilization']),
  o('default', 'd', ['default'], 'required'),
  o('promotion', 'p', ['promotion'], 'optional'),
  o('set', 's', ['set-name'], 'required'),
  o('id', 'i', ['id'], 'required'),
];

async function localName(port: ClusterQueryPort): Promise<string> {
  return (await port.localNode()).name;
}

/** Shared by crm_attribute and crm_master: query, update or delete one attribute. */
async function attributeAction(
  m: Map<string, string | true>,
  ref: AttrRef | { option: string },
  port: ClusterQueryPort,
  io: ToolIo,
): Promise<number> {
  const quiet = m.has('quiet');
  const value = str(m, 'value');
  const del = m.has('delete');
  if ('option' in ref) {
    if (del) {
      await port.setClusterOption(ref.option, undefined);
      return EXIT_OK;
    }
    if (value !== undefined && !m.has('query')) {
      await port.setClusterOption(ref.option, value);
      return EXIT_OK;
    }
    const v = (await port.clusterOption(ref.option)) ?? str(m, 'default');
    if (v === undefined) {
      io.err(`crm_attribute: Error performing operation: No such device or address\n`);
      return EXIT_NOSUCH;
    }
    io.out(quiet ? `${v}\n` : `scope=crm_config  name=${ref.option} value=${v}\n`);
    return EXIT_OK;
  }
  if (del) {
    await port.deleteAttribute(ref);
    return EXIT_OK;
  }
  if (value !== undefined && !m.has('query')) {
    await port.setAttribute(ref, value);
    return EXIT_OK;
  }
  const v = (await port.getAttribute(ref)) ?? str(m, 'default');
  if (v === undefined) {
    if (!quiet) io.out(`scope=${scopeName(ref.scope)}  name=${ref.name} value=(null)\n`);
    io.err(`crm_attribute: Error performing operation: No such device or address\n`);
    return EXIT_NOSUCH;
  }
  io.out(quiet ? `${v}\n` : `scope=${scopeName(ref.scope)}  name=${ref.name} value=${v}\n`);
  return EXIT_OK;
}

function promotionName(m: Map<string, string | true>, io: ToolIo): string {
  const p = m.get('promotion');
  const rsc = typeof p === 'string' ? p : io.env.OCF_RESOURCE_INSTANCE;
  if (!rsc) throw new UsageError('--promotion needs a resource (or OCF_RESOURCE_INSTANCE)');
  return `master-${baseResourceId(rsc)}`;
}

const crmAttribute: Tool = async (argv, port, io) => {
  const m = parseOpts(argv, CRM_ATTRIBUTE_OPTS);
  const type = str(m, 'type');
  const node = str(m, 'node');
  const promotion = m.has('promotion');
  let name = str(m, 'name');
  if (promotion) name = promotionName(m, io);
  if (name === undefined) throw new UsageError('--name is required');
  if (type === 'crm_config' || type === 'rsc_defaults' || type === 'op_defaults') {
    return attributeAction(m, { option: name }, port, io);
  }
  if (
    type === undefined &&
    node === undefined &&
    !m.has('lifetime') &&
    !promotion &&
    !m.has('utilization')
  ) {
    return attributeAction(m, { option: name }, port, io);
  }
  if (type !== undefined && type !== 'nodes' && type !== 'status') {
    throw new UsageError(`unsupported --type '${type}'`);
  }
  const scope: AttrScope = m.has('utilization')
    ? 'utilization'
    : lifetimeScope(str(m, 'lifetime') ?? type, promotion ? 'reboot' : 'forever');
  return attributeAction(m, { node: node ?? (await localName(port)), name, scope }, port, io);
};

const CRM_MASTER_OPTS = [
  o('value', 'v', ['update', 'value'], 'required'),
  o('query', 'G', ['query', 'get-value']),
  o('delete', 'D', ['delete']),
  o('quiet', 'q', ['quiet']),
  o('quiet', 'Q', []),
  o('node', 'N', ['node'], 'required'),
  o('lifetime', 'l', ['lifetime'], 'required'),
  o('resource', 'r', ['resource'], 'required'),
  o('default', 'd', ['default'], 'required'),
];

/** crm_master: the promotion score `master-RSC` of this resource instance on a node. */
const crmMaster: Tool = async (argv, port, io) => {
  const m = parseOpts(argv, CRM_MASTER_OPTS);
  const rsc = str(m, 'resource') ?? io.env.OCF_RESOURCE_INSTANCE;
  if (!rsc) throw new UsageError('crm_master needs OCF_RESOURCE_INSTANCE (or --resource)');
  const scope = lifetimeScope(str(m, 'lifetime'), 'reboot');
  const node = str(m, 'node') ?? (await localName(port));
  return attributeAction(m, { node, name: `master-${baseResourceId(rsc)}`, scope }, port, io);
};

const ATTRD_OPTS = [
  o('name', 'n', ['name'], 'required'),
  o('update', 'U', ['update'], 'required'),
  o('update', 'v', [], 'required'),
  o('both', 'B', ['update-both'], 'required'),
  o('delay-only', 'Y', ['update-delay']),
  o('delete', 'D', ['delete']),
  o('query', 'Q', ['query']),
  o('all', 'A', ['all']),
  o('node', 'N', ['node'], 'required'),
  o('delay', 'd', ['delay'], 'required'),
  o('private', 'p', ['private']),
  o('lifetime', 'l', ['lifetime'], 'required'),
  o('set', 's', ['set'], 'required'),
  o('section', 'S', ['section'], 'required'),
  o('refresh', 'R', ['refresh']),
];

/** attrd_updater: transient (reboot) node attributes, and private ones with -p. */
const attrdUpdater: Tool = async (argv, port, io) => {
  const m = parseOpts(argv, ATTRD_OPTS);
  if (m.has('refresh')) return EXIT_OK;
  const name = str(m, 'name');
  if (name === undefined) throw new UsageError('--name is required');
  const delay = str(m, 'delay');
  if (delay !== undefined && !/^\d+(ms|s|m|h|min)?$/.test(delay)) {
    throw new UsageError(`invalid --delay '${delay}'`);
  }
  const scope: AttrScope = m.has('private') ? 'private' : 'reboot';
  const node = str(m, 'node') ?? (await localName(port));
  const value = str(m, 'update') ?? str(m, 'both');
  if (m.has('delete')) {
    await port.deleteAttribute({ node, name, scope });
    return EXIT_OK;
  }
  if (value !== undefined) {
    await port.setAttribute({ node, name, scope }, value);
    return EXIT_OK;
  }
  if (m.has('delay-only')) return EXIT_OK;
  if (m.has('query')) {
    const targets = m.has('all') ? (await port.nodes()).map((n) => n.name) : [node];
    let found = 0;
    for (const t of targets) {
      const v = await port.getAttribute({ node: t, name, scope });
      if (v === undefined) continue;
      found++;
      io.out(`name="${name}" host="${t}" value="${v}"\n`);
    }
    if (found === 0) {
      io.err(`attrd_updater: Could not query value of ${name}: attribute does not exist\n`);
      return EXIT_NOSUCH;
    }
    return EXIT_OK;
  }
  throw new UsageError('one of --update, --update-both, --delete or --query is required');
};

const CRM_NODE_OPTS = [
  o('name', 'n', ['name']),
  o('name-for-id', 'N', ['name-for-id'], 'required'),
  o('id', 'i', ['cluster-id']),
  o('list', 'l', ['list']),
  o('partition', 'p', ['partition']),
  o('quorum', 'q', ['quorum']),
];

const crmNode: Tool = async (argv, port, io) => {
  const m = parseOpts(argv, CRM_NODE_OPTS);
  if (m.has('name')) {
    io.out(`${await localName(port)}\n`);
  } else if (m.has('name-for-id')) {
    const id = Number(str(m, 'name-for-id'));
    const n = (await port.nodes()).find((x) => x.id === id);
    if (!n) {
      io.err(`crm_node: no node with id ${str(m, 'name-for-id')}\n`);
      return EXIT_NOSUCH;
    }
    io.out(`${n.name}\n`);
  } else if (m.has('id')) {
    io.out(`${(await port.localNode()).id}\n`);
  } else if (m.has('list')) {
    for (const n of await port.nodes())
      io.out(`${n.id} ${n.name} ${n.member ? 'member' : 'lost'}\n`);
  } else if (m.has('partition')) {
    const names = (await port.nodes()).filter((n) => n.member).map((n) => n.name);
    io.out(`${names.join(' ')}\n`);
  } else if (m.has('quorum')) {
    io.out((await port.hasQuorum()) ? '1\n' : '0\n');
  } else {
    throw new UsageError('one of -n, -N, -i, -l, -p or -q is required');
  }
  return EXIT_OK;
};

const CRM_RESOURCE_OPTS = [
  o('resource', 'r', ['resource'], 'required'),
  o('locate', 'W', ['locate']),
  o('quiet', 'Q', ['quiet']),
  o('get', 'g', ['get-parameter'], 'required'),
  o('set', 'p', ['set-parameter'], 'required'),
  o('value', 'v', ['parameter-value'], 'required'),
  o('del', 'd', ['delete-parameter'], 'required'),
  o('meta', 'm', ['meta']),
  o('utilization', 'z', ['utilization']),
  o('node', 'N', ['node'], 'required'),
];

const crmResource: Tool = async (argv, port, io) => {
  const m = parseOpts(argv, CRM_RESOURCE_OPTS);
  const id = str(m, 'resource');
  if (id === undefined) throw new UsageError('--resource is required');
  const section = m.has('meta') ? 'meta' : m.has('utilization') ? 'utilization' : 'params';
  const r = await port.resource(id);
  if (!r) {
    io.err(`crm_resource: Resource '${baseResourceId(id)}' not found\n`);
    return EXIT_NOSUCH;
  }
  const quiet = m.has('quiet');
  if (m.has('locate')) {
    if (r.runningOn.length === 0) {
      io.err(`resource ${r.id} is NOT running\n`);
      return EXIT_OK;
    }
    for (const n of r.runningOn) {
      const promoted = r.promotedOn.includes(n) ? ' Promoted' : '';
      io.out(quiet ? `${n}\n` : `resource ${r.id} is running on: ${n}${promoted}\n`);
    }
    return EXIT_OK;
  }
  const get = str(m, 'get');
  if (get !== undefined) {
    const v = r[section][get];
    if (v === undefined) {
      io.err(`crm_resource: Attribute '${get}' not found for '${r.id}'\n`);
      return EXIT_NOSUCH;
    }
    io.out(`${v}\n`);
    return EXIT_OK;
  }
  const set = str(m, 'set');
  if (set !== undefined) {
    const v = str(m, 'value');
    if (v === undefined) throw new UsageError('--set-parameter needs --parameter-value');
    await port.setResourceAttribute(r.id, section, set, v);
    return EXIT_OK;
  }
  const del = str(m, 'del');
  if (del !== undefined) {
    await port.setResourceAttribute(r.id, section, del, undefined);
    return EXIT_OK;
  }
  throw new UsageError(
    'one of --locate, --get-parameter, --set-parameter or --delete-parameter is required',
  );
};

/** pacemakerd: only the version query (`-$`, `--version`), which ocf_local_nodename relies on. */
const pacemakerd: Tool = (argv, _port, io) => {
  if (argv.length === 1 && (argv[0] === '-$' || argv[0] === '--version')) {
    io.out(`Pacemaker ${PACEMAKER_COMPAT_VERSION}\nvigil agent command (version query only)\n`);
    return Promise.resolve(EXIT_OK);
  }
  io.err('vigil pacemakerd: only `pacemakerd -$` (version query) is provided to agents\n');
  return Promise.resolve(EXIT_USAGE);
};

export const TOOLS: Readonly<Record<string, Tool>> = {
  crm_attribute: crmAttribute,
  crm_master: crmMaster,
  attrd_updater: attrdUpdater,
  crm_node: crmNode,
  crm_resource: crmResource,
  pacemakerd,
};

/** Runs one tool; usage errors print and exit 64, unexpected failures exit 1. */
export async function runTool(
  name: string,
  argv: readonly string[],
  port: ClusterQueryPort,
  io: ToolIo,
): Promise<number> {
  const t = TOOLS[name];
  if (!t) {
    io.err(`vigil: no agent command named ${name}\n`);
    return EXIT_USAGE;
  }
  try {
    return await t(argv, port, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${name}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    io.err(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_ERROR;
  }
}
