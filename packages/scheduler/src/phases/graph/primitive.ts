/**
 * The actions of one primitive: probes where nothing is known, demote and stop where it leaves or
 * restarts, start and promote where it goes, cancels of recurring monitors its role change
 * supersedes, and the recurring monitors its final role needs. Edges inside the primitive:
 * probes before start, demote before stop, stop before start, start before promote, and each
 * recurring monitor after the action that put the resource in its role.
 */
import type { OpDef, Role, WorkingSet, WsResource } from '../../working-set.js';
import type { Plan } from '../actions.js';
import { startsNow } from '../order.js';
import { isManaged } from '../assign.js';
import type { GraphAction } from '../graph.js';
import { type GraphBuilder, flat, pseudoKey, resourceKey } from './builder.js';

export interface PrimitiveActions {
  readonly rsc: WsResource;
  readonly probes: number[];
  /** Node → stop there (a pseudo action on a node being fenced). */
  readonly stops: Map<string, number>;
  readonly demotes: Map<string, number>;
  start?: number;
  promote?: number;
  /** Live migration: migrate_to on the source, migrate_from on the target. */
  migrateTo?: number;
  migrateFrom?: number;
}

/** The primitive's id in the configuration: "db:1" → "db". */
export function primitiveId(r: WsResource): string {
  return r.id.includes(':') ? r.id.replace(/:\d+$/, '') : r.id;
}

function timeoutOf(r: WsResource, name: string, intervalMs: number): number | undefined {
  const op = r.ops.find((o) => o.name === name && o.intervalMs === intervalMs);
  if (op?.timeoutMs !== undefined) return op.timeoutMs;
  if (intervalMs > 0) return undefined;
  return r.ops.find((o) => o.name === name)?.timeoutMs;
}

/** Does a recurring op apply to a resource in `role`? Ops without a role check "running". */
export function opAppliesTo(op: OpDef, role: Role, promotable: boolean): boolean {
  if (role === 'Promoted') return op.role === 'Promoted';
  if (role === 'Stopped') return op.role === 'Stopped';
  if (op.role === undefined || op.role === 'Started') return true;
  return promotable && op.role === 'Unpromoted';
}

/** Recurring monitors configured for the role, in configuration order. */
export function recurringMonitors(r: WsResource, role: Role): OpDef[] {
  return r.ops.filter(
    (o) =>
      o.name === 'monitor' &&
      o.intervalMs > 0 &&
      o.enabled &&
      o.ambiguous !== true &&
      opAppliesTo(o, role, r.promotable),
  );
}

/**
 * The CRM_meta values a clone instance's agent sees (names without the prefix): its instance
 * number and the clone's limits. Absent for a resource outside any clone.
 */
const cloneMetaCache = new WeakMap<WsResource, Readonly<Record<string, string>> | null>();

export function cloneMeta(r: WsResource): Readonly<Record<string, string>> | undefined {
  let m = cloneMetaCache.get(r);
  if (m === undefined) {
    m = computeCloneMeta(r) ?? null;
    cloneMetaCache.set(r, m);
  }
  return m ?? undefined;
}

function computeCloneMeta(r: WsResource): Record<string, string> | undefined {
  let c: WsResource | undefined = r.parent;
  while (c && c.kind !== 'clone') c = c.parent;
  const s = c?.clone;
  if (!c || !s) return undefined;
  const m = /:(\d+)$/.exec(r.id);
  const meta: Record<string, string> = {
    clone: m?.[1] ?? '0',
    clone_max: String(s.max),
    clone_node_max: String(s.nodeMax),
    globally_unique: String(s.unique),
    notify: String(s.notify),
  };
  if (c.promotable) {
    meta.promoted_max = String(s.promotedMax);
    meta.promoted_node_max = String(s.promotedNodeMax);
    // Older agents (drbd, pgsql) read the pre-2.1 names.
    meta.master_max = String(s.promotedMax);
    meta.master_node_max = String(s.promotedNodeMax);
  }
  return meta;
}

/**
 * A clone instance keeps, on a node where the status section records it, the name used there
 * (an anonymous clone's probe result recorded under "db" makes its start there "db" too).
 */
export function nameOn(r: WsResource, node: string): string {
  const own = r.history.get(node)?.lrmId;
  if (own !== undefined) return own;
  // A probe recorded under the bare name names whichever instance comes; "db:0" names db:0 only.
  const probed = r.probedOn.get(node)?.lrmId;
  return probed !== undefined && !/:\d+$/.test(probed) ? probed : r.id;
}

/**
 * Adds the action of task `task` of primitive `r` on `node` (monitor and cancel: of
 * `intervalMs`), unless the graph has one with its key already; returns its id. The action is
 * built only when new.
 */
export function addResourceAction(
  g: GraphBuilder,
  r: WsResource,
  task: string,
  node: string,
  reason: string,
  intervalMs = 0,
  role?: 'Promoted' | 'Unpromoted',
): number {
  // A clone instance keeps, on a node where it has history, the name the status section uses.
  const name = nameOn(r, node);
  const key = resourceKey(name, task, intervalMs, node);
  const have = g.find(key);
  if (have !== undefined) return have;
  const timeoutMs = timeoutOf(r, task === 'cancel' ? 'monitor' : task, intervalMs);
  const meta = cloneMeta(r);
  // One literal, the fields in the graph's JSON order; optional ones only when present.
  const a: GraphAction = {
    id: g.nextId,
    key,
    rsc: name,
    primitive: primitiveId(r),
    task,
    ...(task === 'monitor' || task === 'cancel' ? { intervalMs } : {}),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    node,
    pseudo: false,
    runnable: true,
    reason,
    ...(meta === undefined ? {} : { meta }),
    ...(role === undefined ? {} : { role }),
  };
  return g.insert(a);
}

function isTrue(v: string | undefined): boolean {
  return ['true', '1', 'yes', 'on', 'y'].includes(v?.toLowerCase() ?? '');
}

/** Moves by live migration: allowed, not failed, moving from one node to another. */
export function migrates(ws: WorkingSet, p: Plan): boolean {
  if (!isTrue(p.rsc.meta.get('allow-migrate')) || p.rsc.parent !== undefined) return false;
  if (p.failed || p.restart !== undefined || p.blocked !== undefined || p.next === null)
    return false;
  if (p.migrationBlocked !== undefined) return false;
  if (p.current.length !== 1 || p.current[0] === p.next) return false;
  if (p.fencedNodes.length > 0) return false;
  const from = ws.nodeByName.get(p.current[0]!);
  return from !== undefined && from.online && !from.unclean;
}

function addMonitors(
  g: GraphBuilder,
  r: WsResource,
  node: string,
  role: Role,
  after: number | undefined,
  why: string,
  skip: ReadonlySet<number> = new Set(),
): void {
  for (const op of recurringMonitors(r, role)) {
    if (skip.has(op.intervalMs)) continue;
    const m = addResourceAction(
      g,
      r,
      'monitor',
      node,
      `recurring ${op.intervalMs / 1000}s monitor of ${r.id} on ${node} (${role})`,
      op.intervalMs,
      op.role === 'Promoted' || op.role === 'Unpromoted' ? op.role : undefined,
    );
    g.order(after, m, why);
  }
}

function addCancels(
  g: GraphBuilder,
  r: WsResource,
  node: string,
  oldRole: Role,
  newRole: Role,
  before: number | undefined,
): void {
  const active = r.history.get(node)?.recurring ?? new Set<number>();
  const keep = new Set(recurringMonitors(r, newRole).map((o) => o.intervalMs));
  for (const op of recurringMonitors(r, oldRole)) {
    if (!active.has(op.intervalMs) || keep.has(op.intervalMs)) continue;
    const c = addResourceAction(
      g,
      r,
      'cancel',
      node,
      `the ${op.intervalMs / 1000}s monitor of ${r.id} on ${node} checks the ${oldRole} role, which ends`,
      op.intervalMs,
    );
    g.order(c, before, 'cancel the superseded monitor before the role changes');
  }
}

export function buildPrimitive(
  ws: WorkingSet,
  g: GraphBuilder,
  p: Plan,
  fenceIds: ReadonlyMap<string, number>,
  probeNodes: readonly string[],
): PrimitiveActions {
  const out = buildChanges(ws, g, p, fenceIds, probeNodes);
  if (!p.frozen) addStoppedMonitors(ws, g, p, out);
  adjustMonitors(ws, g, p);
  return out;
}

function buildChanges(
  ws: WorkingSet,
  g: GraphBuilder,
  p: Plan,
  fenceIds: ReadonlyMap<string, number>,
  probeNodes: readonly string[],
): PrimitiveActions {
  const r = p.rsc;
  const out: PrimitiveActions = { rsc: r, probes: [], stops: new Map(), demotes: new Map() };
  for (const n of probeNodes) {
    out.probes.push(
      addResourceAction(g, r, 'monitor', n, flat('probe: no record of ', r.id, ' on ', n)),
    );
  }
  if (p.frozen) return out;

  const leaving = p.next === null || p.blocked !== undefined || startsNow(p);
  const roleOn = (n: string): Role => r.history.get(n)?.role ?? 'Stopped';
  const pseudoOn = (n: string): boolean => p.fencedNodes.includes(n);
  const fenceAction = (n: string, task: string, reason: string): number =>
    pseudoOn(n)
      ? g.add({
          key: pseudoKey(nameOn(r, n), task),
          rsc: nameOn(r, n),
          task,
          node: n,
          pseudo: true,
          runnable: true,
          reason: `${reason}: implied by fencing of ${n}`,
        })
      : addResourceAction(g, r, task, n, reason);

  const migrating = migrates(ws, p);
  // multiple-active=stop_unexpected: only the unexpected copies stop; the one kept is not touched.
  const keepsOne =
    p.multiplyActive === true &&
    p.next !== null &&
    p.blocked === undefined &&
    p.current.includes(p.next);
  for (const n of p.current) {
    const stopping = leaving && !(keepsOne && n === p.next);
    // A failure with on-fail=demote demotes in place even when it is promoted here again.
    const demotedHere = r.history.get(n)?.demoted === true;
    const demoting =
      roleOn(n) === 'Promoted' &&
      (stopping || p.nextRole !== 'Promoted' || p.next !== n || demotedHere);
    let demote: number | undefined;
    if (demoting) {
      demote = fenceAction(
        n,
        'demote',
        stopping
          ? `${r.id} stops on ${n}`
          : demotedHere
            ? `${r.id} failed while promoted on ${n} (on-fail=demote)`
            : `${r.id} is no longer to be promoted on ${n}`,
      );
      out.demotes.set(n, demote);
      g.order(fenceIds.get(n), demote, 'demote implied by fencing');
      if (!stopping && !(demotedHere && p.nextRole === 'Promoted' && p.next === n)) {
        addCancels(g, r, n, 'Promoted', 'Unpromoted', demote);
        addMonitors(g, r, n, 'Unpromoted', demote, 'monitor in the new role after demote');
      }
    }
    if (stopping) {
      const why = pseudoOn(n)
        ? `${r.id} was active on ${n}`
        : p.failed
          ? `${r.id} failed on ${n}`
          : p.next === null
            ? `${r.id} stops: ${p.stopReason ?? 'node availability'}`
            : p.blocked !== undefined
              ? `${r.id} stops: ${p.blocked}`
              : p.restart !== undefined
                ? `${r.id} restarts${p.restart === '' ? '' : `: ${p.restart}`}`
                : migrating
                  ? `${r.id} migrates to ${p.next}`
                  : `${r.id} moves to ${p.next}`;
      const stop = fenceAction(n, 'stop', why);
      out.stops.set(n, stop);
      if (p.stuckNodes.includes(n))
        g.block(
          stop,
          p.stopBlocked !== undefined
            ? `it must wait for the ${p.stopBlocked}`
            : `${n} is unclean and cannot be fenced`,
        );
      g.order(demote, stop, 'demote before stop');
      g.order(fenceIds.get(n), stop, 'stop implied by fencing');
    }
  }

  if (p.next !== null && (startsNow(p) || p.blocked !== undefined)) {
    const next = p.next;
    const reason =
      p.blocked !== undefined
        ? `${r.id} should start on ${next}, but ${p.blocked}`
        : p.restart !== undefined
          ? `${r.id} restarts on ${next}${p.restart === '' ? '' : `: ${p.restart}`}`
          : p.failed && p.current.includes(next)
            ? `${r.id} recovers on ${next}`
            : `${r.id} is placed on ${next}`;
    let start: number;
    if (migrating) {
      const from = p.current[0]!;
      const to = addResourceAction(g, r, 'migrate_to', from, `${r.id} migrates live to ${next}`);
      const fr = addResourceAction(
        g,
        r,
        'migrate_from',
        next,
        `${r.id} migrates live from ${from}`,
      );
      out.migrateTo = to;
      out.migrateFrom = fr;
      g.order(to, fr, 'migrate_to before migrate_from');
      g.order(fr, out.stops.get(from), 'the source stops once the target took over');
      start = g.add({
        key: pseudoKey(r.id, 'start'),
        rsc: r.id,
        task: 'start',
        node: next,
        pseudo: true,
        runnable: true,
        reason: `${r.id} runs on ${next} once migrated`,
      });
      g.order(out.stops.get(from), start, 'migration completes with the source stopped');
      for (const pr of out.probes) g.order(pr, to, 'probe before migration');
    } else {
      start = keepsOne
        ? g.add({
            key: pseudoKey(r.id, 'start'),
            rsc: r.id,
            task: 'start',
            node: next,
            pseudo: true,
            runnable: true,
            reason: `${r.id} keeps running on ${next} once its unexpected copies stopped`,
          })
        : addResourceAction(g, r, 'start', next, reason);
      for (const s of out.stops.values()) g.order(s, start, 'stop before start');
      for (const pr of out.probes) g.order(pr, start, 'probe before start');
    }
    if (p.blocked !== undefined) g.block(start, p.blocked);
    out.start = start;
    if (p.nextRole === 'Promoted') {
      const promote = addResourceAction(g, r, 'promote', next, `${r.id} is promoted on ${next}`);
      out.promote = promote;
      g.order(start, promote, 'start before promote');
      addMonitors(g, r, next, 'Promoted', promote, 'monitor after promote');
    } else addMonitors(g, r, next, p.nextRole, start, 'monitor after start');
    return out;
  }

  // Staying where it is: role changes and missing recurring monitors.
  if (p.next === null) return out;
  const node = p.next;
  const was = roleOn(node);
  const active = r.history.get(node)?.recurring ?? new Set<number>();
  const repromote = out.demotes.get(node);
  if (p.nextRole === 'Promoted' && (was !== 'Promoted' || repromote !== undefined)) {
    const promote = addResourceAction(g, r, 'promote', node, `${r.id} is promoted on ${node}`);
    out.promote = promote;
    g.order(repromote, promote, 'demote before promoting again');
    if (repromote === undefined) addCancels(g, r, node, was, 'Promoted', promote);
    addMonitors(g, r, node, 'Promoted', promote, 'monitor after promote');
  } else if (!out.demotes.has(node)) {
    addMonitors(g, r, node, p.nextRole, undefined, '', active);
  }
  return out;
}

/**
 * Monitors configured for role "Stopped" check that the resource is not running: they run on
 * every online node where it will not be, after the probe or stop there; where it starts, an
 * active one is cancelled first.
 */
function addStoppedMonitors(ws: WorkingSet, g: GraphBuilder, p: Plan, out: PrimitiveActions): void {
  const r = p.rsc;
  const ops = recurringMonitors(r, 'Stopped');
  if (ops.length === 0) return;
  const runsOn = p.blocked === undefined ? p.next : null;
  const probeOn = new Map(out.probes.map((id) => [g.get(id).node, id]));
  for (const n of ws.nodes) {
    if (!n.online || n.unclean) continue;
    const h = r.history.get(n.name);
    const active = h?.recurring ?? new Set<number>();
    const runningHere = h !== undefined && h.role !== 'Stopped';
    for (const op of ops) {
      if (n.name === runsOn) {
        if (!active.has(op.intervalMs) || runningHere) continue;
        const c = addResourceAction(
          g,
          r,
          'cancel',
          n.name,
          `${r.id} starts on ${n.name}: its stopped-role monitor there ends`,
          op.intervalMs,
        );
        g.order(c, out.start, 'cancel the stopped-role monitor before start');
        continue;
      }
      if (active.has(op.intervalMs) && !runningHere) continue;
      const m = addResourceAction(
        g,
        r,
        'monitor',
        n.name,
        `${r.id} is not to run on ${n.name}: a ${op.intervalMs / 1000}s monitor checks it stays stopped`,
        op.intervalMs,
      );
      g.order(probeOn.get(n.name), m, 'probe before the stopped-role monitor');
      g.order(out.stops.get(n.name), m, 'stop before the stopped-role monitor');
    }
  }
}

/** The resource itself is in maintenance (cluster-wide maintenance-mode leaves monitors be). */
function inMaintenance(r: WsResource): boolean {
  return isTrue(r.meta.get('maintenance'));
}

/**
 * Recurring monitors already active where the resource is: in maintenance they are all
 * cancelled; one no longer configured is cancelled; an unmanaged resource gets the configured
 * ones it lacks (it is still watched, just not acted on).
 */
function adjustMonitors(ws: WorkingSet, g: GraphBuilder, p: Plan): void {
  const r = p.rsc;
  if (r.orphan) return;
  const configured = new Set(
    r.ops
      .filter((o) => o.name === 'monitor' && o.intervalMs > 0 && o.enabled)
      .map((o) => o.intervalMs),
  );
  for (const n of p.current) {
    if (p.fencedNodes.includes(n)) continue;
    const node = ws.nodeByName.get(n);
    if (!node?.online || node.unclean) continue;
    const h = r.history.get(n);
    const active = h?.recurring ?? new Set<number>();
    const maintenance = inMaintenance(r);
    // Old histories (feature set < 3) keep unconfigured monitors; a failed one is always cancelled.
    const modern = Number(h?.lastStart?.featureSet?.split('.')[0] ?? 0) >= 3;
    const failed = h?.failedOp?.operation === 'monitor' ? h.failedOp.intervalMs : 0;
    const candidates = new Set(modern || maintenance ? active : []);
    if (failed > 0) candidates.add(failed);
    for (const interval of [...candidates].sort((a, b) => a - b)) {
      if (!maintenance && configured.has(interval)) continue;
      addResourceAction(
        g,
        r,
        'cancel',
        n,
        maintenance
          ? `${r.id} is in maintenance: its ${interval / 1000}s monitor on ${n} stops`
          : `the ${interval / 1000}s monitor of ${r.id} on ${n} is no longer configured`,
        interval,
      );
    }
    if (!p.frozen || maintenance || h === undefined || h.role === 'Stopped') continue;
    if (p.blockedFailure || h.failed || isManaged(ws, r) || ws.options.maintenanceMode) continue;
    // Seen running only by a monitor that checks it is stopped: not really running there.
    if (recurringMonitors(r, 'Stopped').some((o) => active.has(o.intervalMs))) continue;
    addMonitors(g, r, n, h.role, undefined, '', active);
  }
}
