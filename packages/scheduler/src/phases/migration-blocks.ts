/**
 * Live migration needs what a resource is ordered after to stay up: a resource that would
 * migrate, ordered (mandatory, symmetrical `A then B` naming it, or a group's member after the
 * one before it) after something that is stopped and started again in this transition (moved or
 * restarted, not migrated), moves by stop and start instead. (A clone instance that only stops,
 * or an order on a group, does not stop it.) crm_simulate reports it as `Move B (…) due to unrunnable A stop`. Observed with
 * crm_simulate 2.1.5 (5-am-then-bm-a-not-migratable, 7-migrate-group-one-unmigratable,
 * 11-a-then-bm-b-move-a-clone-starting).
 */
import type { WorkingSet, WsResource } from '../working-set.js';
import { primitivesOf } from '../working-set.js';
import type { Plan } from './actions.js';
import { startsNow, stopsNow } from './order.js';

function allowsMigration(r: WsResource): boolean {
  return ['true', '1', 'yes', 'on', 'y'].includes(r.meta.get('allow-migrate')?.toLowerCase() ?? '');
}

/** Would move from one node to another by live migration, as far as its own state goes. */
export function wouldMigrate(p: Plan): boolean {
  return (
    allowsMigration(p.rsc) &&
    !p.failed &&
    p.restart === undefined &&
    p.blocked === undefined &&
    p.next !== null &&
    p.current.length === 1 &&
    p.current[0] !== p.next &&
    p.migrationBlocked === undefined
  );
}

export function applyMigrationBlocks(ws: WorkingSet, plans: Map<string, Plan>): void {
  // then primitive id → resources it is started after.
  const after = new Map<string, WsResource[]>();
  const add = (first: WsResource, then: WsResource): void => {
    for (const t of primitivesOf(then)) {
      const list = after.get(t.id) ?? [];
      list.push(first);
      after.set(t.id, list);
    }
  };
  for (const o of ws.orders) {
    if (o.kind !== 'Mandatory' || !o.symmetrical) continue;
    if (o.firstAction !== 'start' || o.thenAction !== 'start') continue;
    const f = ws.byId.get(o.first);
    const t = ws.byId.get(o.then);
    // An order on a group or clone reaches its members through its own start and stop, which
    // do not keep them from migrating.
    if (f && t?.kind === 'primitive') add(f, t);
  }
  for (const g of ws.byId.values()) {
    if (g.kind !== 'group') continue;
    for (let i = 1; i < g.children.length; i++) add(g.children[i - 1]!, g.children[i]!);
  }
  if (after.size === 0) return;
  // Stopped and started again (moved or restarted), not migrated.
  const stopsWithoutMigrating = (r: WsResource): boolean =>
    primitivesOf(r).some((x) => {
      const p = plans.get(x.id);
      return p !== undefined && !p.frozen && stopsNow(p) && startsNow(p) && !wouldMigrate(p);
    });
  for (let round = 0; round < 50; round++) {
    let changed = false;
    for (const [id, firsts] of after) {
      const p = plans.get(id);
      if (!p || p.frozen || !wouldMigrate(p)) continue;
      const f = firsts.find(stopsWithoutMigrating);
      if (!f) continue;
      p.migrationBlocked = `unrunnable ${f.id} stop`;
      changed = true;
    }
    if (!changed) break;
  }
}
