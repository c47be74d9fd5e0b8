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
