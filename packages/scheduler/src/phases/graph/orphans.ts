/**
 * A resource left in the status section but no longer configured (an orphan) has its history
 * deleted from every node that records it, once it is stopped there (`delete`: the controller
 * forgets it in that node's executor and status).
 */
import type { WorkingSet } from '../../working-set.js';
import type { GraphBuilder } from './builder.js';
import { type PrimitiveActions, addResourceAction } from './primitive.js';

export function addOrphanDeletes(
  ws: WorkingSet,
  g: GraphBuilder,
  prims: ReadonlyMap<string, PrimitiveActions>,
): void {
  if (!ws.options.stopOrphanResources) return;
  for (const a of prims.values()) {
    const r = a.rsc;
    if (!r.orphan || r.kind !== 'primitive') continue;
    for (const [node, st] of r.history) {
      const n = ws.nodeByName.get(node);
      // A remote node's executor is reached through its connection: left to its own rules.
      if (!n?.online || n.unclean || n.type !== 'member') continue;
      const stop = a.stops.get(node);
      if (stop === undefined && (st.role !== 'Stopped' || st.failed)) continue;
      const d = addResourceAction(
        g,
        r,
        'delete',
        node,
        `${r.id} is no longer configured: forget it on ${node}`,
      );
      g.order(stop, d, 'stopped before its history is deleted');
    }
  }
}
