/**
 * `clear_failcount`: a node's failcount for a resource is cleared when its failures expired
 * (failure-timeout passed since the last one, and the failure did not block the resource), or
 * when the resource restarts there for a definition change (between the stop and the start).
 */
import { parseInterval } from '../../rules.js';
import type { WorkingSet } from '../../working-set.js';
import type { Plan } from '../actions.js';
import type { GraphBuilder } from './builder.js';
import type { PrimitiveActions } from './primitive.js';

export function addClearFailcounts(
  ws: WorkingSet,
  g: GraphBuilder,
  prims: ReadonlyMap<string, PrimitiveActions>,
  plans: ReadonlyMap<string, Plan>,
): void {
  for (const [id, a] of prims) {
    const p = plans.get(id);
    const r = a.rsc;
    if (!p || p.frozen) continue;
    const timeoutMs = parseInterval(r.meta.get('failure-timeout'));
    for (const [node, fc] of r.failcounts) {
      if (fc.count <= 0) continue;
      const n = ws.nodeByName.get(node);
      if (!n?.online || n.unclean) continue;
      const expired =
        timeoutMs > 0 &&
        fc.lastFailure > 0 &&
        ws.nowSec * 1000 >= fc.lastFailure * 1000 + timeoutMs;
      const redefined = p.restart === 'resource definition change' && p.next === node;
      if (!expired && !redefined) continue;
      // Failcounts of an anonymous clone's instances are kept under the clone's primitive id.
      const anonymous = r.parent?.kind === 'clone' && r.parent.clone?.unique !== true;
      const name = anonymous ? r.id.replace(/:\d+$/, '') : r.id;
      const c = g.add({
        key: `clear_failcount_${name}@${node}`,
        rsc: name,
        primitive: r.id.replace(/:\d+$/, ''),
        task: 'clear_failcount',
        node,
        pseudo: false,
        runnable: true,
        reason: expired
          ? `the failures of ${r.id} on ${node} expired (failure-timeout ${timeoutMs / 1000}s)`
          : `${r.id} restarts on ${node} with a new definition: its old failures no longer count`,
      });
      if (redefined) {
        g.order(a.stops.get(node), c, 'clear the failcount once stopped');
        g.order(c, a.start, 'start with a clean failcount');
      }
    }
  }
}
