/**
 * Node-level actions: a node that asked to shut down gets `do_shutdown` once everything on it
 * has stopped (or demoted).
 */
import type { WorkingSet } from '../../working-set.js';
import type { GraphBuilder } from './builder.js';
import type { PrimitiveActions } from './primitive.js';

export function addShutdowns(
  ws: WorkingSet,
  g: GraphBuilder,
  prims: ReadonlyMap<string, PrimitiveActions>,
): void {
  for (const n of ws.nodes) {
    if (!n.shutdown || !n.online || n.unclean) continue;
    const id = g.add({
      key: `do_shutdown@${n.name}`,
      task: 'do_shutdown',
      node: n.name,
      pseudo: false,
      runnable: true,
      reason: `${n.name} asked to shut down`,
    });
    for (const a of prims.values()) {
      g.order(a.stops.get(n.name), id, `everything on ${n.name} stops before it shuts down`);
      g.order(a.demotes.get(n.name), id, `everything on ${n.name} demotes before it shuts down`);
      g.order(
        a.migrateTo !== undefined && a.rsc.history.has(n.name) ? a.migrateTo : undefined,
        id,
        `migrations off ${n.name} finish before it shuts down`,
      );
    }
  }
}

/**
 * With a placement strategy other than "default", each node gets `load_stopped_NODE`: what stops
 * there frees its capacity before anything starts there.
 */
export function addLoadStopped(
  ws: WorkingSet,
  g: GraphBuilder,
  prims: ReadonlyMap<string, PrimitiveActions>,
): void {
  if (ws.options.placementStrategy === 'default') return;
  const ids = new Map<string, number>();
  for (const n of [...ws.nodes].reverse()) {
    ids.set(
      n.name,
      g.add({
        key: `load_stopped_${n.name}`,
        task: 'load_stopped',
        node: n.name,
        pseudo: true,
        runnable: true,
        reason: `capacity freed on ${n.name} by what stops there`,
      }),
    );
  }
  for (const a of prims.values()) {
    for (const [n, s] of a.stops)
      g.order(s, ids.get(n), `${n}'s load is known once its stops are done`);
    const start = a.start === undefined ? undefined : g.get(a.start);
    if (start?.node !== undefined && !start.pseudo)
      g.order(ids.get(start.node), a.start, `start on ${start.node} once its capacity is freed`);
    const from = a.migrateFrom === undefined ? undefined : g.get(a.migrateFrom);
    if (from?.node !== undefined)
      g.order(
        ids.get(from.node),
        a.migrateFrom,
        `migrate to ${from.node} once its capacity is freed`,
      );
  }
}
