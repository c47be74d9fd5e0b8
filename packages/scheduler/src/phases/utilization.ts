/**
 * Placement strategy (cluster option `placement-strategy`), part of the assign phase. Nodes offer
 * capacities and primitives need them (`<utilization>` name/value pairs, integers):
 * - default: utilization is ignored;
 * - utilization: a node is eligible only with enough free capacity; ties go to the node with
 *   fewer resources placed on it;
 * - balanced: eligible as above; ties go to the node with the most free capacity;
 * - minimal: eligible as above; ties go to the first node, so resources pack onto few nodes.
 * Free capacity is what the node offers minus what the resources placed on it so far need.
 */
import type { WorkingSet, WsNode, WsResource } from '../working-set.js';
import { primitivesOf } from '../working-set.js';

export type PlacementStrategy = 'default' | 'utilization' | 'balanced' | 'minimal';

export function placementStrategy(ws: WorkingSet): PlacementStrategy {
  const s = ws.options.placementStrategy.toLowerCase();
  return s === 'utilization' || s === 'balanced' || s === 'minimal' ? s : 'default';
}

function numbers(m: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of m) {
    const n = Number.parseInt(v, 10);
    if (!Number.isNaN(n)) out.set(k, n);
  }
  return out;
}

/** Free capacity per node, by attribute: what is left after this run's placements. */
const ledgers = new WeakMap<WorkingSet, Map<string, Map<string, number>>>();

function ledger(ws: WorkingSet): Map<string, Map<string, number>> {
  let l = ledgers.get(ws);
  if (l) return l;
  l = new Map(ws.nodes.map((n) => [n.name, numbers(n.utilization)]));
  ledgers.set(ws, l);
  return l;
}

/** What a resource needs in all: a primitive its own, a group or clone instance its members' sum. */
export function demand(r: WsResource): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of primitivesOf(r)) {
    for (const [k, v] of numbers(p.utilization)) out.set(k, (out.get(k) ?? 0) + v);
  }
  return out;
}

/** Attributes the node lacks enough of for `need` (empty: it fits). */
export function shortfall(ws: WorkingSet, node: string, need: Map<string, number>): string[] {
  if (placementStrategy(ws) === 'default') return [];
  const free = ledger(ws).get(node) ?? new Map<string, number>();
  const out: string[] = [];
  for (const [k, v] of need) if (v > 0 && (free.get(k) ?? 0) < v) out.push(k);
  return out;
}

/** Records that a primitive now uses its capacities on the node. */
export function consume(ws: WorkingSet, r: WsResource, node: string): void {
  if (placementStrategy(ws) === 'default' || r.kind !== 'primitive') return;
  const free = ledger(ws).get(node);
  if (!free) return;
  for (const [k, v] of numbers(r.utilization)) free.set(k, (free.get(k) ?? 0) - v);
}

/**
 * Compares the free capacity of two nodes: negative when `a` has more. With several
 * attributes, the node ahead in more of them has more.
 */
export function compareFreeCapacity(ws: WorkingSet, a: string, b: string): number {
  const fa = ledger(ws).get(a) ?? new Map<string, number>();
  const fb = ledger(ws).get(b) ?? new Map<string, number>();
  let score = 0;
  for (const k of new Set([...fa.keys(), ...fb.keys()])) {
    const x = fa.get(k) ?? 0;
    const y = fb.get(k) ?? 0;
    if (x > y) score--;
    else if (x < y) score++;
  }
  return score;
}

/**
 * Order of nodes with equal scores under the strategy: negative when `a` is preferred. The
 * caller breaks remaining ties (whether it already runs there, then name).
 */
export function compareTiedNodes(ws: WorkingSet, a: WsNode, b: WsNode): number {
  switch (placementStrategy(ws)) {
    case 'minimal':
      return 0;
    case 'balanced':
      return compareFreeCapacity(ws, a.name, b.name) || a.assignedCount - b.assignedCount;
    case 'default':
    case 'utilization':
      return a.assignedCount - b.assignedCount;
  }
}
