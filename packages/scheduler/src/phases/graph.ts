/**
 * Phase 6, build the graph: turns plans into actions (start, stop, promote, demote, monitor,
 * fence, pseudo actions of collectives) with ordering edges, each carrying its reason, and the
 * Transition Summary lines that describe the changes.
 */
import type { SummaryLine } from '../report/summary.js';
import type { WorkingSet, WsResource } from '../working-set.js';
import { parseScore } from '../score.js';
import type { ActionsResult, Plan } from './actions.js';
import { startsNow } from './order.js';

export interface GraphAction {
  readonly id: number;
  readonly key: string;
  readonly rsc?: string;
  readonly task: string;
  readonly node?: string;
  readonly pseudo: boolean;
  readonly runnable: boolean;
  readonly reason: string;
}

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
      if (p.next !== null) line('Stop', where, stuck ? 'blocked' : undefined);
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
    } else line(verb, `${from} -> ${next}`);
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
  const actions: GraphAction[] = [];
  const edges: GraphEdge[] = [];
  const add = (a: Omit<GraphAction, 'id'>): number => {
    const id = actions.length;
    actions.push({ id, ...a });
    return id;
  };
  const fenceIds = new Map<string, number>();
  for (const f of res.fences) {
    fenceIds.set(
      f.node,
      add({
        key: `stonith-${f.node}-${f.action}`,
        task: 'stonith',
        node: f.node,
        pseudo: false,
        runnable: true,
        reason: f.reason,
      }),
    );
  }
  for (const r of summaryOrder(ws)) {
    const p = res.plans.get(r.id);
    if (!p || p.frozen) continue;
    // Probes on online nodes without history.
    for (const n of ws.nodes) {
      if (!n.online || n.unclean) continue;
      if (r.history.has(n.name) || r.probedOn.has(n.name)) continue;
      add({
        key: `${r.id}_monitor_0@${n.name}`,
        rsc: r.id,
        task: 'monitor',
        node: n.name,
        pseudo: false,
        runnable: true,
        reason: `probe: no record of ${r.id} on ${n.name}`,
      });
    }
    const stops: number[] = [];
    const needStop = p.next === null || p.blocked !== undefined || startsNow(p);
    if (needStop) {
      for (const n of p.current) {
        if (p.next === n && !startsNow(p)) continue;
        const fenced = p.fencedNodes.includes(n);
        const sid = add({
          key: `${r.id}_stop_0@${n}`,
          rsc: r.id,
          task: 'stop',
          node: n,
          pseudo: fenced,
          runnable: true,
          reason: fenced
            ? `implied by fencing of ${n}`
            : p.failed
              ? `${r.id} failed on ${n}`
              : (p.stopReason ?? p.restart ?? 'it moves'),
        });
        stops.push(sid);
        const fid = fenceIds.get(n);
        if (fid !== undefined)
          edges.push({ before: fid, after: sid, why: 'stop implied by fencing' });
      }
    }
    if (p.next !== null && (startsNow(p) || p.blocked !== undefined)) {
      const st = add({
        key: `${r.id}_start_0@${p.next}`,
        rsc: r.id,
        task: 'start',
        node: p.next,
        pseudo: false,
        runnable: p.blocked === undefined,
        reason:
          p.blocked !== undefined
            ? `blocked: ${p.blocked}`
            : p.restart !== undefined
              ? `restart: ${p.restart}`
              : `placed on ${p.next}`,
      });
      for (const s of stops) edges.push({ before: s, after: st, why: 'stop before start' });
    }
  }
  return { actions, edges };
}
