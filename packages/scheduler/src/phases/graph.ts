/**
 * Phase 6, build the graph: turns plans into actions (start, stop, promote, demote, monitor,
 * fence, pseudo actions of collectives) with ordering edges, each carrying its reason, and the
 * Transition Summary lines that describe the changes.
 */
import type { SummaryLine } from '../report/summary.js';
import type { WorkingSet, WsResource } from '../working-set.js';
import { parseScore } from '../score.js';
import type { ActionsResult, Plan } from './actions.js';
import { GraphBuilder } from './graph/builder.js';
import { buildPrimitive, type PrimitiveActions } from './graph/primitive.js';
import { Collectives } from './graph/collective.js';
import { applyOrderConstraints } from './graph/orders.js';
import { addLoadStopped, addShutdowns } from './graph/nodes.js';
import { probePlan } from './graph/probes.js';
import { addNotifications } from './graph/notify.js';
import { addClearFailcounts } from './graph/failcounts.js';
import { addOrphanDeletes } from './graph/orphans.js';

/** One action of the transition (see docs/graph-contract.md: the controller executes these). */
export interface GraphAction {
  /** Index in actions[]. */
  readonly id: number;
  /** Unique in the graph: "db:1_monitor_10000@node2", "grp_running_0". */
  readonly key: string;
  /** Resource as Pacemaker names it ("web", clone instance "db:1"); absent for stonith. */
  readonly rsc?: string;
  /** Id of the configured primitive that runs it ("db:1" → "db"); absent for pseudo and stonith. */
  readonly primitive?: string;
  /** start stop monitor cancel promote demote notify migrate_to migrate_from stonith do_shutdown
   * clear_failcount; pseudo: start stop running stopped promote promoted demote demoted … */
  readonly task: string;
  /** monitor: 0 = probe, > 0 = recurring monitor; cancel: the recurring monitor to cancel. */
  readonly intervalMs?: number;
  /** Monitor of a promotable resource: the role this monitor checks. */
  readonly role?: 'Promoted' | 'Unpromoted';
  /** From the op definition; absent = the executor's default. */
  readonly timeoutMs?: number;
  /** Where it runs (stonith: the target). */
  readonly node?: string;
  /** Completes as soon as its inputs are complete; nothing is executed. */
  readonly pseudo: boolean;
  /** False: blocked, never execute it, nor anything after it. */
  readonly runnable: boolean;
  /** Plain sentence, shown by `vigil explain` and logged by the controller. */
  readonly reason: string;
  /** Extra CRM_meta_* values the agent must see, names without the prefix. */
  readonly meta?: Record<string, string>;
}

/** `after` may start only once `before` completed. */
export interface GraphEdge {
  readonly before: number;
  readonly after: number;
  readonly why: string;
}

export interface TransitionGraph {
  readonly actions: GraphAction[];
  readonly edges: GraphEdge[];
}

function roleWord(role: string): string {
  return role;
}

function summaryFor(p: Plan): SummaryLine[] {
  const id = p.rsc.id;
  if (p.frozen || p.silent === true) return [];
  const out: SummaryLine[] = [];
  const line = (verb: Parameters<typeof mk>[0], details: string, reason?: string): void => {
    out.push(mk(verb, details, reason));
  };
  const mk = (
    verb:
      | 'Start'
      | 'Stop'
      | 'Move'
      | 'Recover'
      | 'Restart'
      | 'Migrate'
      | 'Promote'
      | 'Demote'
      | 'Re-promote',
    details: string,
    reason?: string,
  ): SummaryLine => ({
    kind: 'resource',
    verb,
    rsc: id,
    details,
    ...(reason === undefined ? {} : { reason }),
  });
  const promotable = p.rsc.promotable;
  const cur = p.current;
  const blockedReason = p.blocked === undefined ? undefined : `due to ${p.blocked} (blocked)`;
  if (cur.length === 0) {
    if (p.next === null) return out;
    if (promotable && p.nextRole === 'Promoted')
      line('Promote', `Stopped -> Promoted ${p.next}`, blockedReason);
    else line('Start', p.next, blockedReason);
    return out;
  }
  // Active on an unclean node that cannot be fenced: its stop there cannot run.
  if (p.stuckNodes.length > 0 && (p.next === null || !p.stuckNodes.includes(p.next))) {
    for (const n of cur) {
      const role = p.rsc.history.get(n)?.role;
      const where = promotable && role !== undefined && role !== 'Stopped' ? `${role} ${n}` : n;
      const stuck = p.stuckNodes.includes(n);
      if (p.next !== null)
        line(
          'Stop',
          where,
          !stuck
            ? undefined
            : p.stopBlocked !== undefined
              ? `due to ${p.stopBlocked} (blocked)`
              : 'blocked',
        );
      else
        line(
          'Stop',
          where,
          `due to ${p.stopReason ?? 'node availability'}${stuck ? ' (blocked)' : ''}`,
        );
    }
    return out;
  }
  // Will it stop (no node, or its start cannot run)?
  if (p.next === null || p.blocked !== undefined) {
    const reason =
      p.blocked !== undefined
        ? `due to ${p.blocked}`
        : `due to ${p.stopReason ?? 'node availability'}`;
    for (const n of cur) {
      const role = p.rsc.history.get(n)?.role;
      line(
        'Stop',
        promotable && role !== undefined && role !== 'Stopped' ? `${roleWord(role)} ${n}` : n,
        reason,
      );
    }
    return out;
  }
  const next = p.next;
  if (cur.length > 1) {
    if (p.multiplyActive === true && p.failed && cur.includes(next))
      line('Recover', next, 'due to being multiply active');
    else if (cur.includes(next)) line('Restart', next);
    else line('Move', `${cur[0]!} -> ${next}`);
    return out;
  }
  const from = cur[0]!;
  if (from !== next) {
    const verb = p.failed
      ? 'Recover'
      : ['true', '1', 'yes', 'on'].includes(p.rsc.meta.get('allow-migrate')?.toLowerCase() ?? '')
        ? 'Migrate'
        : 'Move';
    if (promotable && (p.currentRole === 'Promoted' || p.nextRole === 'Promoted')) {
      if (p.currentRole === p.nextRole) line(verb, `${from} -> ${next} ${p.nextRole}`);
      else line(verb, `${p.currentRole} ${from} -> ${p.nextRole} ${next}`);
    } else if (verb === 'Migrate' && p.migrationBlocked !== undefined)
      line('Move', `${from} -> ${next}`, `due to ${p.migrationBlocked}`);
    else line(verb, `${from} -> ${next}`);
    return out;
  }
  if (p.failed) {
    line('Recover', promotable && p.currentRole === 'Promoted' ? `Promoted ${next}` : next);
    return out;
  }
  if (p.restart !== undefined) {
    if (promotable && p.currentRole === 'Promoted' && p.nextRole === 'Promoted')
      line('Re-promote', `Promoted ${next}`, `due to ${p.restart}`);
    else
      line(
        'Restart',
        promotable && p.nextRole === 'Promoted' ? `Promoted ${next}` : next,
        p.restart === '' ? undefined : `due to ${p.restart}`,
      );
    return out;
  }
  if (promotable && p.currentRole !== p.nextRole) {
    if (p.nextRole === 'Promoted') line('Promote', `${p.currentRole} -> Promoted ${next}`);
    else if (p.currentRole === 'Promoted') line('Demote', `Promoted -> ${p.nextRole} ${next}`);
  }
  return out;
}

function summaryOrder(ws: WorkingSet): WsResource[] {
  const out: WsResource[] = [];
  const walk = (r: WsResource): void => {
    if (r.kind === 'primitive') out.push(r);
    for (const c of r.children) walk(c);
  };
  const prio = (r: WsResource): number => parseScore(r.meta.get('priority'), 0);
  const top = [...ws.resources].sort((a, b) => prio(b) - prio(a) || a.order - b.order);
  for (const r of top) walk(r);
  return out;
}

export function buildSummary(ws: WorkingSet, res: ActionsResult): SummaryLine[] {
  const out: SummaryLine[] = [];
  for (const f of res.fences)
    out.push({ kind: 'fence', node: f.node, action: f.action, reason: f.reason });
  for (const r of summaryOrder(ws)) {
    const p = res.plans.get(r.id);
    if (p) out.push(...summaryFor(p));
  }
  return out;
}

export function buildGraph(ws: WorkingSet, res: ActionsResult): TransitionGraph {
  const g = new GraphBuilder();
  const fenceIds = new Map<string, number>();
  let prevFence: number | undefined;
  for (const f of res.fences) {
    const id = g.add({
      key: `stonith-${f.node}-${f.action}`,
      task: 'stonith',
      node: f.node,
      pseudo: false,
      runnable: true,
      reason: f.reason,
      meta: { stonith_action: f.action },
    });
    fenceIds.set(f.node, id);
    // One fencing at a time (concurrent-fencing is off by default).
    g.order(prevFence, id, 'fence one node at a time');
    prevFence = id;
  }
  const prims = new Map<string, PrimitiveActions>();
  const probes = probePlan(ws, res.plans);
  for (const r of summaryOrder(ws)) {
    const p = res.plans.get(r.id);
    if (!p) continue;
    prims.set(r.id, buildPrimitive(ws, g, p, fenceIds, probes.get(r.id) ?? []));
  }
  const col = new Collectives(g, prims);
  for (const o of ws.orders) {
    if (o.kind === 'Mandatory' && o.firstAction === 'start') col.firstOfStartOrder.add(o.first);
    if (!o.requireAll) col.oneOrMore.add(o.first);
  }
  for (const r of ws.resources) col.build(r);
  const names = ws.nodes.filter((n) => n.online && !n.unclean).map((n) => n.name);
  for (const r of ws.byId.values()) addNotifications(r, g, col, prims, res.plans, names);
  applyOrderConstraints(ws, g, col, res.plans);
  addShutdowns(ws, g, prims);
  addClearFailcounts(ws, g, prims, res.plans);
  addOrphanDeletes(ws, g, prims);
  addLoadStopped(ws, g, prims);
  return g.finish();
}
