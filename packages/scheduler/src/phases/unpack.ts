/**
 * Phase 1, unpack: CIB document + effective time → working set. Reads cluster options, nodes and
 * their state, the resource tree (templates, groups, clones expanded into instances), constraints
 * (rules evaluated per node) and each resource's operation history and failcounts.
 */
import type { CibElement } from '../cib-tree.js';
import { elementChildren, firstChild } from '../cib-tree.js';
import { evalRule, parseInterval, type RuleContext } from '../rules.js';
import { INFINITY, parseScore } from '../score.js';
import type { NodeState, Status } from '@vigil/cib';
import type {
  ClusterOptions,
  HistoryOp,
  NodeRscState,
  OpDef,
  Role,
  WorkingSet,
  WsNode,
  WsResource,
} from '../working-set.js';
import { unpackConstraints } from '../constraints/unpack-constraints.js';
import { applyHistory } from './history.js';
import { applyTicketFencing, unpackTickets } from '../constraints/ticket.js';

/** Reads name/value pairs from every `<TAG>` child set of `e`, earlier sets winning. */
export function readNvpairs(
  e: CibElement | undefined,
  tag: string,
  ctx: RuleContext,
  into: Map<string, string> = new Map(),
  byId?: Map<string, CibElement>,
): Map<string, string> {
  if (!e) return into;
  const sets = elementChildren(e, tag).map((s) => {
    const ref = s.attrs['id-ref'];
    return ref !== undefined && byId ? (byId.get(ref) ?? s) : s;
  });
  const scored = sets
    .map((s, i) => ({ s, i, score: parseScore(s.attrs.score, 0) }))
    .sort((a, b) => b.score - a.score || a.i - b.i);
  for (const { s } of scored) {
    const rule = firstChild(s, 'rule');
    if (rule && !evalRule(rule, ctx)) continue;
    for (const nv of elementChildren(s, 'nvpair')) {
      let pair = nv;
      const ref = nv.attrs['id-ref'];
      if (ref !== undefined && byId) pair = byId.get(ref) ?? nv;
      const name = pair.attrs.name;
      const value = pair.attrs.value;
      if (name === undefined || value === undefined) continue;
      if (!into.has(name)) into.set(name, value);
    }
  }
  return into;
}

function bool(v: string | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  return ['true', 'on', 'yes', 'y', '1'].includes(v.toLowerCase());
}

export function parseRole(v: string | undefined): Role | undefined {
  switch (v?.toLowerCase()) {
    case 'stopped':
      return 'Stopped';
    case 'started':
      return 'Started';
    case 'slave':
    case 'unpromoted':
      return 'Unpromoted';
    case 'master':
    case 'promoted':
      return 'Promoted';
    case undefined:
    default:
      return undefined;
  }
}

function indexIds(root: CibElement, byId: Map<string, CibElement>): void {
  const id = root.attrs.id;
  if (id !== undefined && !byId.has(id)) byId.set(id, root);
  for (const c of elementChildren(root)) indexIds(c, byId);
}

function readOptions(
  root: CibElement,
  cfg: CibElement | undefined,
  nowSec: number,
): ClusterOptions {
  const props = readNvpairs(firstChild(cfg ?? root, 'crm_config'), 'cluster_property_set', {
    nowSec,
  });
  const nqp = (props.get('no-quorum-policy') ?? 'stop').toLowerCase();
  return {
    stonithEnabled: bool(props.get('stonith-enabled'), true),
    symmetric: bool(props.get('symmetric-cluster'), true),
    noQuorumPolicy:
      nqp === 'ignore' || nqp === 'freeze' || nqp === 'suicide' || nqp === 'demote' ? nqp : 'stop',
    haveQuorum: bool(root.attrs['have-quorum'], false),
    noQuorumPanic: bool(root.attrs['no-quorum-panic'], false),
    haveWatchdog: bool(props.get('have-watchdog'), false),
    ...(root.attrs.crm_feature_set === undefined ? {} : { featureSet: root.attrs.crm_feature_set }),
    maintenanceMode: bool(props.get('maintenance-mode'), false),
    stopAllResources: bool(props.get('stop-all-resources'), false),
    startFailureIsFatal: bool(props.get('start-failure-is-fatal'), true),
    stopOrphanResources: bool(props.get('stop-orphan-resources'), true),
    stonithAction: props.get('stonith-action') ?? 'reboot',
    placementStrategy: props.get('placement-strategy') ?? 'default',
    startupFencing: bool(props.get('startup-fencing'), true),
    ...nodeHealthOptions(props),
    ...(root.attrs['dc-uuid'] === undefined ? {} : { dcUuid: root.attrs['dc-uuid'] }),
  };
}

/** node-health-*: migrate-on-red bans red nodes, only-green bans red and yellow ones. */
function nodeHealthOptions(props: Map<string, string>): Pick<ClusterOptions, 'nodeHealth'> {
  const strategy = (props.get('node-health-strategy') ?? 'none').toLowerCase();
  if (strategy === 'none') return {};
  const score = (name: string): number => parseScore(props.get(name), 0);
  const red =
    strategy === 'progressive' || strategy === 'custom' ? score('node-health-red') : -INFINITY;
  const yellow =
    strategy === 'only-green'
      ? -INFINITY
      : strategy === 'migrate-on-red'
        ? 0
        : score('node-health-yellow');
  const green =
    strategy === 'progressive' || strategy === 'custom' ? score('node-health-green') : 0;
  const base = strategy === 'progressive' ? score('node-health-base') : 0;
  return { nodeHealth: { strategy, red, yellow, green, base } };
}

function isTrueish(v: string | undefined): boolean {
  if (v === undefined) return false;
  if (/^\d+$/.test(v)) return Number(v) > 0;
  return ['true', 'online', 'yes', 'member'].includes(v.toLowerCase());
}

function readNodes(
  cfg: CibElement | undefined,
  status: CibElement | undefined,
  options: ClusterOptions,
  nowSec: number,
  byId: Map<string, CibElement>,
): WsNode[] {
  const nodes: WsNode[] = [];
  const states = new Map<string, CibElement>();
  for (const ns of status ? elementChildren(status, 'node_state') : []) {
    if (ns.attrs.id !== undefined) states.set(ns.attrs.id, ns);
  }
  const nodesEl = cfg ? firstChild(cfg, 'nodes') : undefined;
  let index = 0;
  for (const n of nodesEl ? elementChildren(nodesEl, 'node') : []) {
    const id = n.attrs.id ?? n.attrs.uname ?? '';
    const name = n.attrs.uname ?? id;
    const type = n.attrs.type === 'remote' ? 'remote' : 'member';
    const attrs = new Map<string, string>();
    attrs.set('#uname', name);
    attrs.set('#id', id);
    attrs.set('#kind', type === 'remote' ? 'remote' : 'cluster');
    attrs.set('#is_dc', options.dcUuid === id ? 'true' : 'false');
    const ns = states.get(id);
    const ctx: RuleContext = { nowSec };
    const inst = readNvpairs(n, 'instance_attributes', ctx, new Map(), byId);
    const transient = ns ? firstChild(ns, 'transient_attributes') : undefined;
    const tattrs = readNvpairs(transient, 'instance_attributes', ctx);
    for (const [k, v] of tattrs) attrs.set(k, v);
    for (const [k, v] of inst) if (!attrs.has(k)) attrs.set(k, v);
    const node: WsNode = {
      id,
      name,
      type,
      index: index++,
      online: false,
      unclean: false,
      standby: bool(attrs.get('standby'), false),
      maintenance: bool(attrs.get('maintenance'), false),
      shutdown: false,
      attrs,
      assignedCount: 0,
      utilization: readNvpairs(n, 'utilization', ctx, new Map(), byId),
    };
    if (type === 'member') {
      if (!ns) {
        if (options.startupFencing) {
          node.unclean = true;
          node.fenceReason = 'node is unclean';
        }
      } else {
        const inCcm = isTrueish(ns.attrs.in_ccm);
        const crmd = isTrueish(ns.attrs.crmd);
        const join = ns.attrs.join ?? 'member';
        const expected = ns.attrs.expected;
        if (inCcm && crmd && join === 'member') node.online = true;
        else if (ns.attrs.in_ccm === undefined && !crmd) {
          // Membership never recorded it: its state is unknown until it is fenced.
          if (options.startupFencing) {
            node.unclean = true;
            node.fenceReason = 'peer has not been seen by the cluster';
          }
        } else if (!inCcm) {
          // Without fencing (stonith-enabled=false), a node that left the membership is taken
          // to be safely down.
          if (
            options.stonithEnabled &&
            (expected === 'member' || (expected === undefined && join === 'member' && crmd))
          ) {
            node.unclean = true;
            node.fenceReason = 'peer is no longer part of the cluster';
          }
        } else if (!crmd) {
          if (expected === 'member') {
            node.unclean = true;
            node.fenceReason = 'peer process is no longer available';
          }
        }
        const shut = tattrs.get('shutdown');
        if (node.online && shut !== undefined && shut !== '0') node.shutdown = true;
        if (
          node.online &&
          tattrs.get('terminate') !== undefined &&
          isTrueish(tattrs.get('terminate'))
        ) {
          node.unclean = true;
          node.fenceReason = 'termination was requested';
        }
      }
    } else {
      node.online = ns !== undefined && ns.attrs.in_ccm !== 'false';
    }
    nodes.push(node);
  }
  return nodes;
}

interface Defaults {
  rscDefaults: CibElement | undefined;
  opDefaults: CibElement | undefined;
}

function metaFor(
  e: CibElement,
  parentMeta: Map<string, string> | undefined,
  defaults: Defaults,
  ctx: RuleContext,
  byId: Map<string, CibElement>,
  template: CibElement | undefined,
): Map<string, string> {
  const meta = readNvpairs(e, 'meta_attributes', ctx, new Map(), byId);
  if (template) readNvpairs(template, 'meta_attributes', ctx, meta, byId);
  if (parentMeta) {
    for (const [k, v] of parentMeta) {
      // Only inherited meta attributes flow from a parent to its children.
      if (
        ['target-role', 'is-managed', 'resource-stickiness', 'maintenance'].includes(k) ||
        !k.startsWith('clone')
      ) {
        if (!meta.has(k) && !['priority', 'requires'].includes(k)) meta.set(k, v);
      }
    }
  }
  readNvpairs(defaults.rscDefaults, 'meta_attributes', ctx, meta, byId);
  return meta;
}

function readOps(
  e: CibElement,
  template: CibElement | undefined,
  defaults: Defaults,
  ctx: RuleContext,
  byId?: Map<string, CibElement>,
): OpDef[] {
  const out: OpDef[] = [];
  const seen = new Set<string>();
  for (const src of [e, template]) {
    if (!src) continue;
    let opsEl = firstChild(src, 'operations');
    // <operations id-ref="…"/> shares another resource's op list.
    const ref = opsEl?.attrs['id-ref'];
    if (ref !== undefined && byId) opsEl = byId.get(ref) ?? opsEl;
    for (const op of opsEl ? elementChildren(opsEl, 'op') : []) {
      const name = op.attrs.name ?? '';
      const intervalMs = parseInterval(op.attrs.interval);
      const key = `${name}_${intervalMs}`;
      if (seen.has(key)) {
        // Two ops of one resource with the same name and interval: neither is trusted.
        const i = out.findIndex((o) => o.name === name && o.intervalMs === intervalMs);
        if (src === e && i >= 0) out[i] = { ...out[i]!, ambiguous: true };
        continue;
      }
      seen.add(key);
      const opMeta = readNvpairs(op, 'meta_attributes', ctx);
      const opDefaultsMeta = readNvpairs(defaults.opDefaults, 'meta_attributes', {
        ...ctx,
        op: { name, intervalMs },
      });
      const onFail = op.attrs['on-fail'] ?? opMeta.get('on-fail') ?? opDefaultsMeta.get('on-fail');
      const role = parseRole(op.attrs.role);
      const enabled = bool(op.attrs.enabled ?? opMeta.get('enabled'), true);
      const timeout = op.attrs.timeout ?? opMeta.get('timeout') ?? opDefaultsMeta.get('timeout');
      const timeoutMs = timeout === undefined ? 0 : parseInterval(timeout);
      out.push({
        name,
        intervalMs,
        ...(timeoutMs > 0 ? { timeoutMs } : {}),
        ...(role === undefined ? {} : { role }),
        ...(onFail === undefined ? {} : { onFail }),
        enabled,
      });
    }
  }
  return out;
}

function newResource(
  partial: Pick<
    WsResource,
    'id' | 'kind' | 'meta' | 'params' | 'agent' | 'ops' | 'promotable' | 'order'
  > & {
    paramsOn?: NonNullable<WsResource['paramsOn']>;
    utilization?: Map<string, string>;
    parent?: WsResource;
    clone?: WsResource['clone'];
  },
): WsResource {
  return {
    ...partial,
    utilization: partial.utilization ?? new Map<string, string>(),
    children: [],
    history: new Map(),
    probedOn: new Map(),
    failcounts: new Map(),
    managed: true,
    orphan: false,
    allowed: new Map(),
    causes: [],
    nextRole: 'Stopped',
    assigning: false,
  };
}

export interface UnpackContext {
  readonly byId: Map<string, CibElement>;
  readonly defaults: Defaults;
  readonly nowSec: number;
  readonly nodes: WsNode[];
  order: number;
}

function buildResource(
  e: CibElement,
  parent: WsResource | undefined,
  uc: UnpackContext,
  idSuffix = '',
): WsResource | undefined {
  const baseId = e.attrs.id ?? '';
  const id = baseId + idSuffix;
  switch (e.name) {
    case 'primitive': {
      const tplId = e.attrs.template;
      const template = tplId === undefined ? undefined : uc.byId.get(tplId);
      const cls = e.attrs.class ?? template?.attrs.class ?? '';
      const provider = e.attrs.provider ?? template?.attrs.provider;
      const type = e.attrs.type ?? template?.attrs.type ?? '';
      const rsc = { cls, type, ...(provider === undefined ? {} : { provider }) };
      const ctx: RuleContext = { nowSec: uc.nowSec, rsc };
      const meta = metaFor(e, parent?.meta, uc.defaults, ctx, uc.byId, template);
      const readParams = (c: RuleContext): Map<string, string> => {
        const m = readNvpairs(e, 'instance_attributes', c, new Map(), uc.byId);
        if (template) readNvpairs(template, 'instance_attributes', c, m, uc.byId);
        return m;
      };
      const params = readParams(ctx);
      const perNode = new Map<string, Map<string, string>>();
      const paramsOn = (node: string): ReadonlyMap<string, string> => {
        let m = perNode.get(node);
        if (m === undefined) {
          const nodeAttrs = uc.nodes.find((n) => n.name === node)?.attrs;
          m = nodeAttrs === undefined ? params : readParams({ ...ctx, nodeAttrs });
          perNode.set(node, m);
        }
        return m;
      };
      const utilization = readNvpairs(e, 'utilization', ctx, new Map(), uc.byId);
      if (template) readNvpairs(template, 'utilization', ctx, utilization, uc.byId);
      return newResource({
        utilization,
        id,
        kind: 'primitive',
        meta,
        params,
        paramsOn,
        agent: rsc,
        ops: readOps(e, template, uc.defaults, ctx, uc.byId),
        promotable: parent?.promotable ?? false,
        order: uc.order++,
        ...(parent ? { parent } : {}),
      });
    }
    case 'group': {
      const ctx: RuleContext = { nowSec: uc.nowSec };
      const meta = metaFor(e, parent?.meta, uc.defaults, ctx, uc.byId, undefined);
      const g = newResource({
        id,
        kind: 'group',
        meta,
        params: new Map(),
        agent: undefined,
        ops: [],
        promotable: parent?.promotable ?? false,
        order: uc.order++,
        ...(parent ? { parent } : {}),
      });
      for (const c of elementChildren(e, 'primitive')) {
        const child = buildResource(c, g, uc, idSuffix);
        if (child) g.children.push(child);
      }
      return g;
    }
    case 'clone':
    case 'master': {
      const ctx: RuleContext = { nowSec: uc.nowSec };
      const meta = metaFor(e, parent?.meta, uc.defaults, ctx, uc.byId, undefined);
      const promotable = e.name === 'master' || bool(meta.get('promotable'), false);
      const onlineCount = uc.nodes.length;
      const num = (k: string, alt: string | undefined, d: number): number => {
        const v = meta.get(k) ?? (alt === undefined ? undefined : meta.get(alt));
        if (v === undefined) return d;
        const n = Number.parseInt(v, 10);
        return Number.isNaN(n) ? d : n;
      };
      const clone = {
        max: num('clone-max', undefined, onlineCount),
        nodeMax: num('clone-node-max', undefined, 1),
        promotedMax: num('promoted-max', 'master-max', 1),
        promotedNodeMax: num('promoted-node-max', 'master-node-max', 1),
        unique: bool(meta.get('globally-unique'), false),
        interleave: bool(meta.get('interleave'), false),
        ordered: bool(meta.get('ordered'), false),
        notify: bool(meta.get('notify'), false),
      };
      const c = newResource({
        id,
        kind: 'clone',
        meta,
        params: new Map(),
        agent: undefined,
        ops: [],
        promotable,
        order: uc.order++,
        clone,
        ...(parent ? { parent } : {}),
      });
      const childEl = elementChildren(e).find((x) => x.name === 'primitive' || x.name === 'group');
      if (!childEl) return c;
      for (let i = 0; i < clone.max; i++) {
        const inst = buildResource(childEl, c, uc, `:${i}`);
        if (inst) c.children.push(inst);
      }
      return c;
    }
    default:
      return undefined;
  }
}

function indexResources(r: WsResource, byId: Map<string, WsResource>): void {
  byId.set(r.id, r);
  for (const c of r.children) indexResources(c, byId);
}

/** One `<lrm_resource>`: a resource's operation history on one node. */
export interface LrmEntry {
  readonly rid: string;
  readonly ops: HistoryOp[];
}

/** One node's operation history, from its `<node_state>`. */
export interface NodeHistory {
  readonly id?: string | undefined;
  readonly uname?: string | undefined;
  /** `in_ccm` as written (a boolean or, in newer CIBs, a timestamp). */
  readonly inCcm?: string | undefined;
  readonly entries: LrmEntry[];
}

type MutableOp = { -readonly [K in keyof HistoryOp]: HistoryOp[K] };

/** The expected rc in a transition key (`action:transition:target-rc:uuid`). */
function targetRcOf(key: string | undefined): number | undefined {
  if (key === undefined) return undefined;
  const a = key.indexOf(':');
  const b = a < 0 ? -1 : key.indexOf(':', a + 1);
  if (b < 0) return undefined;
  const c = key.indexOf(':', b + 1);
  const n = Number(key.slice(b + 1, c < 0 ? key.length : c));
  return Number.isNaN(n) ? undefined : n;
}

/** Operation history entries of one `<lrm_resource>`. */
export function readHistoryOps(lrmRsc: CibElement): HistoryOp[] {
  const ops: HistoryOp[] = [];
  for (const op of elementChildren(lrmRsc, 'lrm_rsc_op')) {
    const a = op.attrs;
    const h: MutableOp = {
      id: a.id ?? '',
      operation: a.operation ?? '',
      ...(a.operation_key === undefined ? {} : { key: a.operation_key }),
      intervalMs: Number(a.interval ?? 0),
      callId: Number(a['call-id'] ?? 0),
      rc: Number(a['rc-code'] ?? 0),
      opStatus: Number(a['op-status'] ?? 0),
    };
    const targetRc = targetRcOf(a['transition-key']);
    if (targetRc !== undefined) h.targetRc = targetRc;
    if (a['last-rc-change'] !== undefined) h.lastRcChange = Number(a['last-rc-change']);
    if (a['migrate_source'] !== undefined) h.migrateSource = a['migrate_source'];
    if (a['migrate_target'] !== undefined) h.migrateTarget = a['migrate_target'];
    if (a['op-digest'] !== undefined) h.digest = a['op-digest'];
    if (a['op-secure-params'] !== undefined) h.secureParams = a['op-secure-params'];
    if (a.crm_feature_set !== undefined) h.featureSet = a.crm_feature_set;
    if (a['op-restart-digest'] !== undefined) h.restartDigest = a['op-restart-digest'];
    if (a['op-force-restart'] !== undefined) h.forceRestart = a['op-force-restart'];
    ops.push(h);
  }
  return ops;
}

/** Each node's history from a `<status>` element tree. */
export function historyFromTree(status: CibElement | undefined): NodeHistory[] {
  const out: NodeHistory[] = [];
  for (const ns of status ? elementChildren(status, 'node_state') : []) {
    const lrm = firstChild(ns, 'lrm');
    const lrmRes = lrm ? firstChild(lrm, 'lrm_resources') : undefined;
    const entries: LrmEntry[] = [];
    for (const lr of lrmRes ? elementChildren(lrmRes, 'lrm_resource') : [])
      entries.push({ rid: lr.attrs.id ?? '', ops: readHistoryOps(lr) });
    out.push({ id: ns.attrs.id, uname: ns.attrs.uname, inCcm: ns.attrs.in_ccm, entries });
  }
  return out;
}

/**
 * Each node's history straight from the typed model's status (no element tree). A node's
 * entries are converted when read (applyHistory reads them once): one node's conversion is then
 * garbage before the next one's is made, rather than the whole section's living through the
 * fold (and being copied by the garbage collector as it does).
 */
export function historyFromModel(status: Status): NodeHistory[] {
  return status.nodeStates.map((ns) => ({
    id: ns.id,
    uname: ns.uname,
    inCcm: ns.inCcm,
    get entries(): LrmEntry[] {
      return entriesFromModel(ns);
    },
  }));
}

/** One node's history entries from its `node_state` in the model. */
function entriesFromModel(ns: NodeState): LrmEntry[] {
  const entries: LrmEntry[] = [];
  for (const lr of ns.lrm?.resources ?? []) {
    const ops: HistoryOp[] = [];
    for (const o of lr.ops) {
      const targetRc = targetRcOf(o.transitionKey);
      // The usual record in one literal (the same fields in the same order as below).
      if (
        targetRc !== undefined &&
        o.operationKey !== undefined &&
        o.lastRcChange !== undefined &&
        o.opDigest !== undefined &&
        o.crmFeatureSet !== undefined &&
        o.migrateSource === undefined &&
        o.migrateTarget === undefined &&
        o.opSecureParams === undefined &&
        o.opRestartDigest === undefined &&
        o.opForceRestart === undefined
      ) {
        ops.push({
          id: o.id,
          operation: o.operation,
          intervalMs: o.interval,
          callId: o.callId,
          rc: o.rcCode,
          opStatus: o.opStatus,
          targetRc,
          key: o.operationKey,
          lastRcChange: o.lastRcChange,
          digest: o.opDigest,
          featureSet: o.crmFeatureSet,
        });
        continue;
      }
      const h: MutableOp = {
        id: o.id,
        operation: o.operation,
        intervalMs: o.interval,
        callId: o.callId,
        rc: o.rcCode,
        opStatus: o.opStatus,
      };
      if (targetRc !== undefined) h.targetRc = targetRc;
      if (o.operationKey !== undefined) h.key = o.operationKey;
      if (o.lastRcChange !== undefined) h.lastRcChange = o.lastRcChange;
      if (o.migrateSource !== undefined) h.migrateSource = o.migrateSource;
      if (o.migrateTarget !== undefined) h.migrateTarget = o.migrateTarget;
      if (o.opDigest !== undefined) h.digest = o.opDigest;
      if (o.opSecureParams !== undefined) h.secureParams = o.opSecureParams;
      if (o.crmFeatureSet !== undefined) h.featureSet = o.crmFeatureSet;
      if (o.opRestartDigest !== undefined) h.restartDigest = o.opRestartDigest;
      if (o.opForceRestart !== undefined) h.forceRestart = o.opForceRestart;
      ops.push(h);
    }
    entries.push({ rid: lr.id, ops });
  }
  return entries;
}

/** on-fail=fence and on-fail=standby act on the node where the failure happened. */
function applyFailurePolicies(ws: WorkingSet): void {
  for (const r of ws.byId.values()) {
    if (r.kind !== 'primitive') continue;
    for (const [nodeName, st] of r.history) {
      if (!st.failed) continue;
      const node = ws.nodeByName.get(nodeName);
      if (!node) continue;
      if (st.onFail === 'fence' && ws.options.stonithEnabled && !node.unclean) {
        node.unclean = true;
        node.fenceReason = `${r.id} failed there`;
      } else if (st.onFail === 'standby') node.standby = true;
    }
  }
}

/**
 * `history`, when given, stands for the status section's operation history (`lrm` elements),
 * which `root` then need not carry: the scheduler passes it straight from the typed model.
 */
export function unpack(root: CibElement, nowSec: number, history?: NodeHistory[]): WorkingSet {
  const cfg = firstChild(root, 'configuration');
  // id-refs point into the configuration only; the status section (most of a large CIB) is not indexed.
  const byIdEl = new Map<string, CibElement>();
  if (cfg) indexIds(cfg, byIdEl);
  const status = firstChild(root, 'status');
  const options = readOptions(root, cfg, nowSec);
  const nodes = readNodes(cfg, status, options, nowSec, byIdEl);
  const defaults: Defaults = {
    rscDefaults: cfg ? firstChild(cfg, 'rsc_defaults') : undefined,
    opDefaults: cfg ? firstChild(cfg, 'op_defaults') : undefined,
  };
  const uc: UnpackContext = { byId: byIdEl, defaults, nowSec, nodes, order: 0 };
  const resources: WsResource[] = [];
  const resEl = cfg ? firstChild(cfg, 'resources') : undefined;
  for (const e of resEl ? elementChildren(resEl) : []) {
    const r = buildResource(e, undefined, uc);
    if (r) resources.push(r);
  }
  const byId = new Map<string, WsResource>();
  for (const r of resources) indexResources(r, byId);
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const ws: WorkingSet = {
    nowSec,
    options,
    nodes,
    nodeByName,
    resources,
    byId,
    locations: [],
    colocations: [],
    orders: [],
    ticketStates: new Map(),
    ticketConstraints: [],
    notices: [],
  };
  applyHistory(ws, history ?? historyFromTree(status), nodes);
  applyFailurePolicies(ws);
  unpackTickets(ws, cfg ? firstChild(cfg, 'constraints') : undefined, status);
  applyTicketFencing(ws);
  if (cfg) unpackConstraints(ws, cfg, byIdEl);
  return ws;
}

export type { NodeRscState };
