/**
 * Part of unpack: each node's operation history → the resource's state on that node (role, failed,
 * stop failure, on-fail policy), failcounts from transient attributes, and clone instance numbers.
 */
import type {
  HistoryOp,
  NodeRscState,
  Role,
  WorkingSet,
  WsNode,
  WsResource,
} from '../working-set.js';
import { primitivesOf } from '../working-set.js';
import type { LrmEntry, NodeHistory } from './unpack.js';
import { isManaged } from './assign.js';

/** OCF return codes. */
const RC_OK = 0;
const RC_NOT_RUNNING = 7;
const RC_PROMOTED = 8;
const RC_FAILED_PROMOTED = 9;
const RC_NOT_INSTALLED = 5;
const RC_DEGRADED = 190;
const RC_DEGRADED_PROMOTED = 191;

/** Operation execution statuses. */
const ST_DONE = 0;
const ST_PENDING = -1;
const ST_CANCELLED = 1;

function opSortKey(a: HistoryOp, b: HistoryOp): number {
  // Pending operations (call-id -1) are the most recent.
  const ca = a.callId < 0 ? Number.MAX_SAFE_INTEGER : a.callId;
  const cb = b.callId < 0 ? Number.MAX_SAFE_INTEGER : b.callId;
  if (ca !== cb) return ca - cb;
  return (a.lastRcChange ?? 0) - (b.lastRcChange ?? 0);
}

export function configuredOnFail(r: WsResource, op: HistoryOp, stonith: boolean): string {
  const name = op.operation === 'monitor' && op.intervalMs === 0 ? 'monitor' : op.operation;
  const def =
    r.ops.find((o) => o.name === name && o.intervalMs === op.intervalMs) ??
    (op.intervalMs === 0 ? undefined : r.ops.find((o) => o.name === name));
  const v = def?.onFail?.toLowerCase();
  if (v !== undefined) return v;
  if (op.operation === 'stop') return stonith ? 'fence' : 'block';
  return 'restart';
}

/** The shared monitors set of states without any; never added to (see addMonitor). */
const NO_MONITORS = new Set<number>();

/** Records a recurring monitor's result in `st` (a state's first gets its own set). */
function addMonitor(st: NodeRscState, intervalMs: number): void {
  if (st.monitors === NO_MONITORS) (st as { monitors: Set<number> }).monitors = new Set();
  st.monitors.add(intervalMs);
}

/** Records a failed operation in `st`, per the on-fail policy configured for it. */
/** on-fail=demote is valid only for promote and for recurring monitors of the Promoted role. */
function demoteApplies(r: WsResource, op: HistoryOp): boolean {
  if (op.operation === 'promote') return true;
  if (op.operation !== 'monitor' || op.intervalMs === 0) return false;
  const def = r.ops.find((o) => o.name === 'monitor' && o.intervalMs === op.intervalMs);
  return def?.role === 'Promoted';
}

function fail(st: NodeRscState, r: WsResource, stonith: boolean, op: HistoryOp, role: Role): void {
  const onFail = configuredOnFail(r, op, stonith);
  if (onFail === 'ignore') {
    // An ignored stop failure counts as stopped; other ignored failures change nothing (and
    // their failcount does not count toward migration-threshold).
    st.ignoredFailure = true;
    if (op.operation === 'stop') st.role = 'Stopped';
    else st.role = role === 'Stopped' ? st.role : role;
    return;
  }
  // on-fail=demote (valid for promote and for recurring monitors in the Promoted role): the
  // instance is demoted in place, not recovered; promoted again if it is still the best.
  if (onFail === 'demote' && demoteApplies(r, op)) {
    st.role = 'Promoted';
    st.demoted = true;
    return;
  }
  st.failed = true;
  st.failedOp = op;
  // "Not installed" bans the node; a configuration error (rc 6) bans every node.
  if (op.rc === RC_NOT_INSTALLED) st.notInstalled = true;
  if (op.rc === 6) st.fatal = true;
  // OCF invalid arguments, unimplemented, insufficient privileges: hard errors, banning the
  // node. (LSB status codes mean other things: 3 is "not running".)
  if ((op.rc === 2 || op.rc === 3 || op.rc === 4) && r.agent?.cls === 'ocf') st.hardError = op.rc;
  st.onFail = onFail;
  st.role = role;
}

/** Folds one node's history into the resource state there. */
export function stateFromOps(r: WsResource, opsIn: HistoryOp[], stonith: boolean): NodeRscState {
  let ops = opsIn;
  if (ops.length === 1) {
    // The commonest history by far: one probe that found it not running, as expected. The
    // general fold below gives exactly this.
    const op = ops[0]!;
    if (
      op.operation === 'monitor' &&
      op.intervalMs === 0 &&
      op.opStatus === ST_DONE &&
      op.rc === RC_NOT_RUNNING
    )
      return {
        role: 'Stopped',
        failed: false,
        stopFailed: false,
        pending: false,
        probed: true,
        monitors: NO_MONITORS,
      };
  }
  let sorted = true;
  for (let i = 1; i < ops.length && sorted; i++) sorted = opSortKey(ops[i - 1]!, ops[i]!) <= 0;
  // Sorted on a copy: the entry's own list stays as recorded.
  if (!sorted) ops = [...ops].sort(opSortKey);
  const st: NodeRscState = {
    role: 'Stopped',
    failed: false,
    stopFailed: false,
    pending: false,
    probed: ops.length > 0,
    // Most entries (probes) never record a monitor: they share one empty set until they do.
    monitors: NO_MONITORS,
  };
  for (const op of ops) {
    const isProbe = op.operation === 'monitor' && op.intervalMs === 0;
    if (op.opStatus === ST_PENDING) {
      st.pending = true;
      if (op.operation === 'start' || op.operation === 'migrate_from') st.role = 'Started';
      if (op.operation === 'promote') st.role = 'Promoted';
      continue;
    }
    st.pending = false;
    if (op.opStatus === ST_CANCELLED) continue;
    if (op.operation === 'notify' || op.operation === 'meta-data') continue;
    let rc = op.rc;
    if (rc === RC_DEGRADED) rc = RC_OK;
    if (rc === RC_DEGRADED_PROMOTED) rc = RC_PROMOTED;
    const okStatus = op.opStatus === ST_DONE;
    const target = op.targetRc ?? (isProbe ? RC_NOT_RUNNING : RC_OK);
    if (isProbe) {
      if (!okStatus && rc !== RC_NOT_RUNNING) {
        fail(st, r, stonith, op, 'Started');
        continue;
      }
      if (rc === RC_NOT_RUNNING) {
        st.role = 'Stopped';
        st.failed = false;
        st.stopFailed = false;
      } else if (rc === RC_OK) st.role = r.promotable ? 'Unpromoted' : 'Started';
      else if (rc === RC_PROMOTED) st.role = 'Promoted';
      else if (rc === RC_NOT_INSTALLED) {
        st.role = 'Stopped';
        st.notInstalled = true;
      } else if (rc === RC_FAILED_PROMOTED) fail(st, r, stonith, op, 'Promoted');
      else fail(st, r, stonith, op, 'Started');
      continue;
    }
    const succeeded =
      okStatus &&
      (rc === target ||
        (op.intervalMs > 0 && (rc === RC_OK || rc === RC_PROMOTED) && target !== RC_NOT_RUNNING));
    if (op.intervalMs > 0 && op.operation === 'monitor') {
      // Recorded at all, even as a failure: the executor keeps running it.
      (st.recurring ??= new Set()).add(op.intervalMs);
      if (succeeded && rc === RC_NOT_RUNNING) {
        // The monitor was expected to find it stopped (target rc 7), and did; it keeps running.
        st.role = 'Stopped';
        addMonitor(st, op.intervalMs);
      } else if (succeeded) {
        // The same operation (key and call) recorded a failure earlier and has passed since:
        // the failure is over.
        const f = st.failedOp;
        if (f?.key !== undefined && f.key === op.key && f.callId === op.callId) {
          st.failed = false;
          delete st.failedOp;
          delete st.onFail;
        }
        addMonitor(st, op.intervalMs);
        if (rc === RC_PROMOTED) st.role = 'Promoted';
        else if (st.role === 'Stopped') st.role = r.promotable ? 'Unpromoted' : 'Started';
      } else if (okStatus && rc === RC_NOT_RUNNING) {
        fail(st, r, stonith, op, 'Started');
        st.notRunning = st.failed;
      } else if (okStatus && rc === RC_PROMOTED && target === RC_NOT_RUNNING) {
        st.role = 'Promoted';
      } else
        fail(
          st,
          r,
          stonith,
          op,
          rc === RC_PROMOTED || rc === RC_FAILED_PROMOTED
            ? 'Promoted'
            : st.role === 'Stopped'
              ? 'Started'
              : st.role,
        );
      continue;
    }
    switch (op.operation) {
      case 'start':
        if (succeeded) {
          st.lastStart = op;
          st.role = r.promotable ? 'Unpromoted' : 'Started';
          st.failed = false;
        } else fail(st, r, stonith, op, 'Started');
        break;
      case 'stop':
        if (succeeded) {
          st.role = 'Stopped';
          st.failed = false;
          st.stopFailed = false;
          if (st.monitors !== NO_MONITORS) st.monitors.clear();
          st.recurring?.clear();
        } else {
          fail(st, r, stonith, op, st.role === 'Stopped' ? 'Started' : st.role);
          st.stopFailed = st.failed;
        }
        break;
      case 'promote':
        if (succeeded) {
          st.role = 'Promoted';
          st.failed = false;
        } else fail(st, r, stonith, op, 'Promoted');
        break;
      case 'demote':
        // A failed demote counts as demoted, and failed (crm_simulate recovers it as Unpromoted).
        if (succeeded) st.role = 'Unpromoted';
        else fail(st, r, stonith, op, 'Unpromoted');
        break;
      case 'migrate_to':
        if (succeeded) {
          st.migratedTo = op.migrateTarget;
        } else fail(st, r, stonith, op, 'Started');
        break;
      case 'migrate_from':
        if (succeeded) {
          st.role = 'Started';
          st.lastStart = op;
          st.migratedFrom = op.migrateSource;
        } else fail(st, r, stonith, op, 'Started');
        break;
      default:
        if (!succeeded) fail(st, r, stonith, op, st.role === 'Stopped' ? 'Started' : st.role);
        break;
    }
  }
  return st;
}

const NO_INSTANCE = { base: '' };

/** `rsc:3` → rsc and 3; ids without an instance number come back whole. */
function baseId(id: string): { base: string; instance?: number } {
  const colon = id.lastIndexOf(':');
  if (colon < 0 || colon === id.length - 1) return id === '' ? NO_INSTANCE : { base: id };
  for (let i = colon + 1; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return { base: id };
  }
  return { base: id.slice(0, colon), instance: Number(id.slice(colon + 1)) };
}

/** baseId(id).base, without building the pair. */
function baseName(id: string): string {
  const colon = id.lastIndexOf(':');
  if (colon < 0 || colon === id.length - 1) return id;
  for (let i = colon + 1; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return id;
  }
  return id.slice(0, colon);
}

/** Template primitive id (without instance suffix) → clone, for clone children. */
function clonePrimitiveIndex(ws: WorkingSet): Map<string, WsResource> {
  const out = new Map<string, WsResource>();
  for (const r of ws.byId.values()) {
    if (r.kind !== 'clone') continue;
    for (const inst of r.children) {
      for (const p of primitivesOf(inst)) out.set(baseId(p.id).base, r);
    }
  }
  return out;
}

function instancePrimitive(clone: WsResource, i: number, base: string): WsResource | undefined {
  const inst = clone.children[i];
  if (!inst) return undefined;
  return primitivesOf(inst).find((p) => baseId(p.id).base === base);
}

export function applyHistory(ws: WorkingSet, history: NodeHistory[], nodes: WsNode[]): void {
  const byNodeId = new Map(nodes.map((n) => [n.id, n]));
  const cloneOf = clonePrimitiveIndex(ws);
  const stonith = ws.options.stonithEnabled;
  /** clone id → instance index → node name using it. */
  const used = new Map<string, Map<number, string>>();
  for (const ns of history) {
    const node = byNodeId.get(ns.id ?? '') ?? ws.nodeByName.get(ns.uname ?? '');
    if (!node) continue;
    const entries = [...ns.entries];
    const cleanlyDown =
      node.type === 'member' && !node.online && !node.unclean && outOfMembership(ns);
    if (cleanlyDown) {
      const active = entries.find((e) => {
        const r = ws.byId.get(e.rid) ?? ws.byId.get(`${baseId(e.rid).base}:0`) ?? ORPHAN_TEMPLATE;
        const st = stateFromOps(r, e.ops, stonith);
        return (st.role !== 'Stopped' || st.failed) && isManaged(ws, r);
      });
      if (active !== undefined && stonith) {
        // A node that left cleanly yet still shows an active resource cannot be trusted:
        // it is fenced before the resource may run elsewhere.
        node.unclean = true;
        node.fenceReason = `${active.rid} is thought to be active there`;
      } else if (active !== undefined) {
        // Without fencing, what a cleanly departed node last ran counts as stopped.
        entries.length = 0;
      }
    }
    // Without fencing, what an unclean node that is down ran counts as stopped: nothing can
    // be done about it, and waiting would keep it from running anywhere.
    if (!stonith && node.type === 'member' && !node.online && node.unclean) entries.length = 0;
    // Clone entries on this node, grouped by clone.
    const cloneEntries = new Map<
      WsResource,
      { base: string; instance?: number; st: NodeRscState; entry: LrmEntry }[]
    >();
    for (const e of entries) {
      const direct = ws.byId.get(e.rid);
      if (direct?.kind === 'primitive' && (cloneOf.size === 0 || !cloneOf.has(baseName(e.rid)))) {
        direct.history.set(node.name, stateFromOps(direct, e.ops, stonith));
        continue;
      }
      const { base, instance } = baseId(e.rid);
      const clone = cloneOf.get(base);
      if (!clone) {
        addOrphan(ws, e, node, stonith);
        continue;
      }
      const tmpl = instancePrimitive(clone, 0, base);
      if (!tmpl) continue;
      const st = stateFromOps(tmpl, e.ops, stonith);
      const list = cloneEntries.get(clone) ?? [];
      list.push({ base, ...(instance === undefined ? {} : { instance }), st, entry: e });
      cloneEntries.set(clone, list);
    }
    for (const [clone, list] of cloneEntries) {
      const u = used.get(clone.id) ?? new Map<number, string>();
      used.set(clone.id, u);
      const unique = clone.clone?.unique ?? false;
      const active = list.filter((x) => x.st.role !== 'Stopped' || x.st.failed);
      if (unique) {
        for (const x of list) {
          const p = instancePrimitive(clone, x.instance ?? 0, x.base);
          if (p) p.history.set(node.name, { ...x.st, lrmId: x.entry.rid });
        }
        continue;
      }
      // Anonymous: every active entry on this node belongs to one instance per active copy.
      const groups = new Map<string, typeof list>();
      for (const x of active) {
        const k = String(x.instance ?? -1);
        const g = groups.get(k) ?? [];
        g.push(x);
        groups.set(k, g);
      }
      for (const g of groups.values()) {
        const wanted = undefined as number | undefined;
        let idx = -1;
        if (wanted !== undefined && wanted < clone.children.length && !u.has(wanted)) idx = wanted;
        if (idx < 0) {
          for (let i = 0; i < clone.children.length; i++)
            if (!u.has(i)) {
              idx = i;
              break;
            }
        }
        if (idx < 0) continue;
        u.set(idx, node.name);
        for (const x of g) {
          const p = instancePrimitive(clone, idx, x.base);
          if (p) p.history.set(node.name, { ...x.st, lrmId: x.entry.rid });
        }
      }
      // Inactive entries: remember the node was probed, for every instance.
      for (const x of list) {
        if (active.includes(x)) continue;
        for (let i = 0; i < clone.children.length; i++) {
          const p = instancePrimitive(clone, i, x.base);
          if (p && !p.history.has(node.name))
            p.probedOn.set(node.name, { ...x.st, lrmId: x.entry.rid });
        }
      }
    }
    // Failcounts from transient attributes.
    for (const [k, v] of node.attrs) {
      const m = /^fail-count-(.+?)(?:#(.+)_(\d+))?$/.exec(k);
      if (!m) continue;
      // Since feature set 3.0.13 failcounts are kept per operation (fail-count-RSC#OP_INTERVAL);
      // a bare fail-count-RSC in such a CIB is a leftover and does not count.
      if (m[2] === undefined && perOperationFailcounts(ws)) continue;
      const rid = m[1]!;
      const count = v.toUpperCase().includes('INFINITY') ? 1_000_000 : Number.parseInt(v, 10) || 0;
      const lf = Number(
        node.attrs.get(`last-failure-${m[2] === undefined ? rid : `${rid}#${m[2]}_${m[3]}`}`) ?? 0,
      );
      for (const p of failcountTargets(ws, rid, cloneOf)) {
        const prev = p.failcounts.get(node.name) ?? { count: 0, lastFailure: 0 };
        p.failcounts.set(node.name, {
          count: Math.min(1_000_000, prev.count + count),
          lastFailure: Math.max(prev.lastFailure, lf),
        });
      }
    }
  }
}

function perOperationFailcounts(ws: WorkingSet): boolean {
  const v = ws.options.featureSet?.split('.').map((x) => Number.parseInt(x, 10) || 0) ?? [];
  const [a = 0, b = 0, c = 0] = v;
  return a > 3 || (a === 3 && (b > 0 || c >= 13));
}

function failcountTargets(
  ws: WorkingSet,
  rid: string,
  cloneOf: Map<string, WsResource>,
): WsResource[] {
  const direct = ws.byId.get(rid);
  const { base } = baseId(rid);
  const clone = cloneOf.get(base);
  // An anonymous clone's instances are interchangeable: a failcount recorded against one
  // instance counts for the clone on that node.
  if (direct?.kind === 'primitive' && (clone === undefined || clone.clone?.unique === true))
    return [direct];
  if (!clone) return [];
  const out: WsResource[] = [];
  for (let i = 0; i < clone.children.length; i++) {
    const p = instancePrimitive(clone, i, base);
    if (p) out.push(p);
  }
  return out;
}

/** The node_state says the node is not in the membership (in_ccm false, 0 or absent). */
function outOfMembership(ns: NodeHistory): boolean {
  const v = ns.inCcm;
  return v === undefined || v === 'false' || v === '0';
}

/** A resource known only from the status section: a plain primitive, not configured. */
function orphanResource(id: string, order: number): WsResource {
  return {
    id,
    kind: 'primitive',
    children: [],
    meta: new Map(),
    params: new Map(),
    utilization: new Map(),
    agent: undefined,
    ops: [],
    promotable: false,
    order,
    history: new Map(),
    probedOn: new Map(),
    failcounts: new Map(),
    managed: true,
    orphan: true,
    allowed: new Map(),
    causes: [],
    nextRole: 'Stopped',
    assigning: false,
  };
}

/** Folds histories of resources not (or not yet) resolved: plain, not promotable. */
const ORPHAN_TEMPLATE: WsResource = orphanResource('', 0);

function addOrphan(ws: WorkingSet, e: LrmEntry, node: WsNode, stonith: boolean): void {
  let r = ws.byId.get(e.rid);
  if (!r) {
    r = orphanResource(e.rid, 1_000_000 + ws.byId.size);
    ws.byId.set(e.rid, r);
    ws.resources.push(r);
  }
  r.history.set(node.name, stateFromOps(r, e.ops, stonith));
}
