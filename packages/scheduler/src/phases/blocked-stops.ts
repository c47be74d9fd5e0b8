/**
 * Stops that wait for a stop that can never run. A resource whose failure blocked it (on-fail=block,
 * or a failed stop that nothing can fence) stays where it is: its stop does not run. Whatever
 * must stop after it cannot stop either, so it stays too, and its stop is reported blocked.
 * "Must stop after" comes from mandatory orders: a symmetrical `A then B` (start) stops B
 * before A, an explicit `A stop then B stop` stops A before B, and a group stops its members
 * from the last to the first. Observed with crm_simulate 2.1.5 (unmanaged-stop-*, bug-5028).
 */
import type { WorkingSet, WsResource } from '../working-set.js';
import { primitivesOf } from '../working-set.js';
import type { Plan } from './actions.js';
import { stopsNow } from './order.js';

/** waiter primitive id → primitives whose stop must come first. */
function stopWaits(ws: WorkingSet): Map<string, WsResource[]> {
  const waits = new Map<string, WsResource[]>();
  const add = (waiter: WsResource, first: WsResource): void => {
    for (const w of primitivesOf(waiter)) {
      const list = waits.get(w.id) ?? [];
      list.push(...primitivesOf(first));
      waits.set(w.id, list);
    }
  };
  for (const o of ws.orders) {
    if (o.kind !== 'Mandatory') continue;
    const f = ws.byId.get(o.first);
    const t = ws.byId.get(o.then);
    if (!f || !t) continue;
    if (o.firstAction === 'start' && o.thenAction === 'start' && o.symmetrical) add(f, t);
    if (o.firstAction === 'stop' && o.thenAction === 'stop') add(t, f);
  }
  for (const g of ws.byId.values()) {
    if (g.kind !== 'group') continue;
    for (let i = 1; i < g.children.length; i++) add(g.children[i - 1]!, g.children[i]!);
  }
  return waits;
}

export function applyBlockedStops(ws: WorkingSet, plans: Map<string, Plan>): void {
  const waits = stopWaits(ws);
  if (waits.size === 0) return;
  const cannotStop = (p: Plan): boolean =>
    (p.blockedFailure && p.current.length > 0) || p.stopBlocked !== undefined;
  for (let round = 0; round < 50; round++) {
    let changed = false;
    for (const [id, firsts] of waits) {
      const w = plans.get(id);
      if (!w || w.frozen || w.stopBlocked !== undefined || !stopsNow(w)) continue;
      const blocker = firsts.find((f) => {
        const fp = plans.get(f.id);
        return fp !== undefined && cannotStop(fp);
      });
      if (!blocker) continue;
      w.stopBlocked = `unrunnable ${blocker.id} stop`;
      // It stays where it is, so it cannot start anywhere else.
      for (const n of w.current) if (!w.stuckNodes.includes(n)) w.stuckNodes.push(n);
      if (w.next !== null && !w.current.includes(w.next)) w.blocked ??= w.stopBlocked;
      changed = true;
    }
    if (!changed) break;
  }
}
