/**
 * Phase 5, order: applies ordering between actions. Mandatory orders (explicit ones and the
 * implicit ones inside groups) make a start unrunnable when what must start first cannot, and
 * force a restart of what runs after something that restarts. Repeats until nothing changes.
 */
import type { WorkingSet, WsResource } from '../working-set.js';
import { INFINITY } from '../score.js';
import { primitivesOf } from '../working-set.js';
import type { Plan } from './actions.js';
import { rewordGroupChains } from '../variants/group-chain.js';
import { applyBlockedStops } from './blocked-stops.js';
import { applyMigrationBlocks } from './migration-blocks.js';

interface Edge {
  /** The order constraint's id (none for a group's implicit chain). */
  readonly id?: string;
  /** Implicit order between consecutive group members. */
  readonly internal?: boolean;
  /** False for a one-or-more set (require-all=false): any one of the first resources will do. */
  readonly requireAll?: boolean;
  /** The one-or-more set the first resource comes from. */
  readonly firstSet?: string;
  readonly first: WsResource;
  readonly symmetrical: boolean;
  readonly firstAction: string;
  readonly then: WsResource;
  readonly thenAction: string;
}

/** Will the primitive be running after the transition (start runnable or staying put)? */
export function willRun(p: Plan): boolean {
  if (p.frozen) return p.current.length > 0 && !p.blockedFailure;
  return p.next !== null && p.blocked === undefined;
}

/** Does the primitive stop on a node it runs on (to move, restart, recover or stop)? */
export function stopsNow(p: Plan): boolean {
  if (p.frozen || p.current.length === 0) return false;
  if (p.next === null || p.blocked !== undefined) return true;
  return startsNow(p);
}

/** Does the primitive get a (runnable) start action? */
export function startsNow(p: Plan): boolean {
  if (p.frozen || p.next === null || p.blocked !== undefined) return false;
  if (p.restart !== undefined) return true;
  if (p.current.length !== 1) return true;
  if (p.current[0] !== p.next) return true;
  return p.failed;
}

function eventName(r: WsResource, action: string): string {
  if (r.kind === 'primitive') return `${r.id} ${action}`;
  const t =
    action === 'start'
      ? 'running'
      : action === 'stop'
        ? 'stopped'
        : action === 'promote'
          ? 'promoted'
          : action === 'demote'
            ? 'demoted'
            : action;
  return `${r.id} ${t}`;
}

function plansOf(r: WsResource, plans: Map<string, Plan>): Plan[] {
  return primitivesOf(r)
    .map((p) => plans.get(p.id))
    .filter((p): p is Plan => p !== undefined);
}

/**
 * For an order between two clones where the dependent one interleaves (primitive instances):
 * the first clone's instance placed on the same node as `tp`, if any.
 */
function interleavedPeer(e: Edge, tp: Plan, plans: Map<string, Plan>): Plan | undefined {
  if (e.first.kind !== 'clone' || e.then.kind !== 'clone' || e.requireAll === false)
    return undefined;
  if (e.then.clone?.interleave !== true) return undefined;
  if (tp.rsc.parent !== e.then || tp.rsc.kind !== 'primitive') return undefined;
  for (const inst of e.first.children) {
    if (inst.kind !== 'primitive') return undefined;
    const p = plans.get(inst.id);
    if (p && (p.next === tp.next || (p.next === null && p.current.includes(tp.next!)))) return p;
  }
  return undefined;
}

function cloneMin(c: WsResource): number {
  const v = Number.parseInt(c.meta.get('clone-min') ?? '0', 10);
  return Number.isNaN(v) ? 0 : v;
}

/** Instances of a clone that will be running after the transition. */
function runningInstances(c: WsResource, plans: Map<string, Plan>): number {
  let n = 0;
  for (const inst of c.children) {
    const ps = plansOf(inst, plans);
    if (ps.length > 0 && ps.every(willRun)) n++;
  }
  return n;
}

export function applyOrdering(ws: WorkingSet, plans: Map<string, Plan>): void {
  const edges: Edge[] = [];
  // An optional order between the same actions cancels a mandatory one (their flags merge).
  const optional = new Set(
    ws.orders
      .filter((o) => o.kind !== 'Mandatory')
      .map((o) => `${o.first}/${o.firstAction}/${o.then}/${o.thenAction}`),
  );
  for (const o of ws.orders) {
    if (o.kind !== 'Mandatory') continue;
    if (optional.has(`${o.first}/${o.firstAction}/${o.then}/${o.thenAction}`)) continue;
    const f = ws.byId.get(o.first);
    const t = ws.byId.get(o.then);
    if (!f || !t) continue;
    edges.push({
      id: o.id,
      requireAll: o.requireAll,
      ...(o.firstSet === undefined ? {} : { firstSet: o.firstSet }),
      first: f,
      firstAction: o.firstAction,
      then: t,
      thenAction: o.thenAction,
      symmetrical: o.symmetrical,
    });
  }
  const internal: Edge[] = [];
  for (const r of ws.byId.values()) {
    if (r.kind !== 'group') continue;
    for (let i = 1; i < r.children.length; i++) {
      internal.push({
        internal: true,
        symmetrical: true,
        first: r.children[i - 1]!,
        firstAction: 'start',
        then: r.children[i]!,
        thenAction: 'start',
      });
    }
  }
  const all = [...edges, ...internal];
  // One-or-more sets: the alternatives for the same dependent, any one of which will do.
  const alternatives = new Map<string, WsResource[]>();
  const altKey = (e: Edge): string => `${e.id ?? ''}\u0000${e.firstSet ?? ''}\u0000${e.then.id}`;
  for (const e of edges) {
    if (e.firstSet === undefined) continue;
    const list = alternatives.get(altKey(e)) ?? [];
    list.push(e.first);
    alternatives.set(altKey(e), list);
  }
  const anyRuns = (rs: WsResource[]): boolean =>
    rs.some((r) => {
      const ps = plansOf(r, plans);
      return ps.length > 0 && (r.kind === 'clone' ? ps.some(willRun) : ps.every(willRun));
    });
  for (let round = 0; round < 50; round++) {
    let changed = false;
    for (const e of all) {
      if (e.firstAction !== 'start' && e.firstAction !== 'promote') continue;
      if (e.thenAction !== 'start' && e.thenAction !== 'promote') continue;
      const fp = plansOf(e.first, plans);
      if (fp.length === 0) continue;
      if (e.firstSet !== undefined) {
        // A one-or-more set: the dependent waits only when none of the set runs.
        if (anyRuns(alternatives.get(altKey(e)) ?? [])) continue;
        for (const tp of plansOf(e.then, plans)) {
          if (tp.frozen || tp.next === null || tp.blocked !== undefined) continue;
          // An asymmetrical order never stops what already runs.
          const staying = tp.current.length === 1 && tp.current[0] === tp.next && !startsNow(tp);
          if (!e.symmetrical && staying) continue;
          tp.blocked = `unrunnable one-or-more:${e.firstSet}`;
          changed = true;
        }
        continue;
      }
      const isClone = e.first.kind === 'clone';
      // What is ordered after a clone needs one instance running whole (a group instance with
      // all its members), or clone-min of them.
      const min = isClone ? cloneMin(e.first) : 0;
      // clone-min, or require-all=false on the order: reported as the clone's one-or-more.
      const oneOrMore = isClone && (min > 0 || e.requireAll === false);
      const runs = !isClone
        ? fp.every(willRun)
        : runningInstances(e.first, plans) >= Math.max(min, 1);
      // Something it needs is stopped (and perhaps started) again: it restarts too. For a clone,
      // an instance on the dependent's own node that stops because of an order of its own counts
      // (crm_simulate: clone-interleave-2); one that stops for its own placement, or elsewhere,
      // does not (clone_min_stop_one, rsc-sets-clone).
      const restarts = !isClone && e.symmetrical && fp.some((p) => startsNow(p) || stopsNow(p));
      const cloneStopsOn = (nodes: readonly string[]): boolean =>
        isClone &&
        e.symmetrical &&
        e.then.kind === 'primitive' &&
        fp.some(
          (p) =>
            !p.frozen &&
            p.blocked !== undefined &&
            stopsNow(p) &&
            p.current.some((n) => nodes.includes(n)),
        );
      // A restart required by an order on a group reaches its first member; the members' own
      // chain does the rest. An unrunnable start reaches every member.
      const first = e.then.kind === 'group' ? e.then.children[0] : e.then;
      for (const tp of plansOf(e.then, plans)) {
        const isFirst = first === undefined || tp.rsc === first || e.then.kind !== 'group';
        if (tp.frozen || tp.next === null) continue;
        // An order on the promotion concerns only instances that are to be promoted.
        if (e.thenAction === 'promote' && tp.nextRole !== 'Promoted') continue;
        // Interleaved clones: an instance needs only the first clone's instance on its node.
        const peer = oneOrMore ? undefined : interleavedPeer(e, tp, plans);
        if (peer !== undefined && !willRun(peer)) {
          const staying = tp.current.length === 1 && tp.current[0] === tp.next && !startsNow(tp);
          if ((e.symmetrical || !staying) && tp.blocked === undefined) {
            // Running, behind an instance stopped by an order of its own: the start it
            // required. Behind one that stops for its own placement, crm_simulate gives no reason
            // (an empty one). Otherwise the start that cannot run.
            const running = tp.current.length > 0 && peer.current.length > 0;
            tp.blocked =
              running && peer.blocked === undefined
                ? ''
                : `${running ? 'required' : 'unrunnable'} ${peer.rsc.id} start`;
            // Not running, behind an instance that gets no summary line: no line either.
            if (peer.silent === true && tp.current.length === 0) tp.silent = true;
            changed = true;
          }
          continue;
        }
        if (peer !== undefined) continue;
        if (!runs) {
          // An asymmetrical order never stops what already runs: only its start waits.
          const staying = tp.current.length === 1 && tp.current[0] === tp.next && !startsNow(tp);
          if (!e.symmetrical && staying) continue;
          if (tp.blocked === undefined) {
            const running = tp.current.length > 0;
            // A running dependent stops because what it needs stops too: "required" when that
            // is a group predecessor, or (while the dependent would have stayed where it is) a
            // primitive that was running or a running clone stopped by an order of its own;
            // "unrunnable" otherwise.
            // For a clone: its running instances all stop because of an order themselves.
            const up = fp.filter((p) => p.current.length > 0);
            const firstWasUp =
              e.first.kind === 'primitive'
                ? fp.every((p) => p.current.length > 0)
                : isClone && up.length > 0 && up.every((p) => p.blocked !== undefined);
            const stays = tp.current.includes(tp.next);
            const word =
              running && (e.internal === true || (firstWasUp && stays)) ? 'required' : 'unrunnable';
            tp.blocked = oneOrMore
              ? `unrunnable clone-one-or-more:${e.id ?? e.first.id}`
              : `${word} ${eventName(e.first, e.firstAction)}`;
            if (!oneOrMore && isClone && tp.rsc.parent?.kind === 'clone' && tp.current.length === 0)
              tp.silent = true;
            changed = true;
          }
          continue;
        }
        if (
          isFirst &&
          (restarts || cloneStopsOn(tp.current)) &&
          tp.restart === undefined &&
          !startsNow(tp) &&
          tp.current.length === 1 &&
          tp.current[0] === tp.next
        ) {
          tp.restart = `required ${eventName(e.first, e.firstAction)}`;
          changed = true;
        }
      }
    }
    // A resource that must run with another cannot start where that one's start is blocked.
    for (const c of ws.colocations) {
      if (c.score < INFINITY) continue;
      const prim = ws.byId.get(c.primary);
      const dep = ws.byId.get(c.dependent);
      if (prim?.kind !== 'primitive' || dep?.kind !== 'primitive') continue;
      const pp = plans.get(prim.id);
      const dp = plans.get(dep.id);
      if (!pp || !dp || dp.frozen || dp.next === null || dp.blocked !== undefined) continue;
      if (pp.blocked !== undefined && pp.next === dp.next) {
        dp.blocked = `colocation with ${prim.id}`;
        changed = true;
      }
    }
    if (!changed) break;
  }
  rewordGroupChains(ws, plans);
  applyBlockedStops(ws, plans);
  applyMigrationBlocks(ws, plans);
}
