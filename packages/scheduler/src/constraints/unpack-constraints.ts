/**
 * Reads `<constraints>`: each kind is turned into the working set's plain constraint records by
 * its own module (location, colocation, order; tickets in ticket.ts). Resource sets are expanded
 * into pairwise constraints; rules are evaluated per node.
 */
import type { CibElement } from '../cib-tree.js';
import { elementChildren, firstChild } from '../cib-tree.js';
import type { WorkingSet } from '../working-set.js';
import { readTags, templateUsers } from './sets.js';
import { unpackLocation } from './location.js';
import { unpackColocation } from './colocation.js';
import { unpackOrder } from './order.js';

export function unpackConstraints(
  ws: WorkingSet,
  cfg: CibElement,
  byId: Map<string, CibElement>,
): void {
  const cons = firstChild(cfg, 'constraints');
  if (!cons) return;
  const tags = readTags(cfg);
  for (const [tpl, users] of templateUsers(ws, byId)) if (!tags.has(tpl)) tags.set(tpl, users);
  for (const c of elementChildren(cons)) {
    switch (c.name) {
      case 'rsc_location':
        unpackLocation(ws, c, byId, tags);
        break;
      case 'rsc_colocation':
        unpackColocation(ws, c, byId, tags);
        break;
      case 'rsc_order':
        unpackOrder(ws, c, byId, tags);
        break;
      default:
        break;
    }
  }
}
