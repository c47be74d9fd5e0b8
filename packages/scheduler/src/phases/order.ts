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
  /** Implicit order between consecutive group members. */
  readonly internal?: boolean;
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
  for (let round = 0; round < 50; round++) {
    let changed = false;
    for (const e of all) {
      if (e.firstAction !== 'start' && e.firstAction !== 'promote') continue;
      if (e.thenAction !== 'start' && e.thenAction !== 'promote') continue;
      const fp = plansOf(e.first, plans);
      if (fp.length === 0) continue;
      const isClone = e.first.kind === 'clone';
      const runs = isClone ? fp.some(willRun) : fp.every(willRun);
      const restarts = !isClone && e.symmetrical && fp.some((p) => startsNow(p) || stopsNow(p));
      // A restart required by an order on a group reaches its first member; the members' own
      // chain does the rest. An unrunnable start reaches every member.
      const first = e.then.kind === 'group' ? e.then.children[0] : e.then;
      for (const tp of plansOf(e.then, plans)) {
        const isFirst = first === undefined || tp.rsc === first || e.then.kind !== 'group';
        if (tp.frozen || tp.next === null) continue;
        if (!runs) {
          // An asymmetrical order never stops what already runs: only its start waits.
          const staying = tp.current.length === 1 && tp.current[0] === tp.next && !startsNow(tp);
          if (!e.symmetrical && staying) continue;
          if (tp.blocked === undefined) {
            const running = tp.current.length > 0;
            // A running dependent stops because what it needs stops too: "required" when that
            // is a group predecessor, or a primitive that was running while the dependent would
            // have stayed where it is; "unrunnable" otherwise.
            const firstWasUp =
              e.first.kind === 'primitive' && fp.every((p) => p.current.length > 0);
            const stays = tp.current.includes(tp.next);
            const word =
              running && (e.internal === true || (firstWasUp && stays)) ? 'required' : 'unrunnable';
            tp.blocked = `${word} ${eventName(e.first, e.firstAction)}`;
            if (isClone && tp.rsc.parent?.kind === 'clone' && tp.current.length === 0)
              tp.silent = true;
            changed = true;
          }
          continue;
        }
        if (
          isFirst &&
          restarts &&
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
