/**
 * Phase 3, assign: places every resource on at most one node (clone instances each on one), by
 * score. Resources are placed in priority order; a resource's colocation primaries are placed
 * before it, and the preferences of resources colocated with it pull it along (influence).
 * Ties go to the node with fewer resources, then the node it already runs on, then node name.
 */
import { INFINITY, addScores, formatScore, parseScore } from '../score.js';
import type { ColocationConstraint, WorkingSet, WsNode, WsResource } from '../working-set.js';
import { activeNodes, primitivesOf } from '../working-set.js';
import { compareTiedNodes, consume, demand, placementStrategy, shortfall } from './utilization.js';
import { assignClone } from '../variants/clone.js';

export interface NodeScore {
  node: string;
  score: number;
}

interface ColocationIndex {
  readonly byDependent: Map<string, ColocationConstraint[]>;
  readonly byPrimary: Map<string, ColocationConstraint[]>;
}
const indexes = new WeakMap<WorkingSet, ColocationIndex>();
const KIND_RANK: Record<WsResource['kind'], number> = {
  primitive: 0,
  group: 1,
  clone: 2,
  bundle: 3,
};

/** Colocations by dependent and by primary id, built once per working set. */
export function colocationIndex(ws: WorkingSet): ColocationIndex {
  let ix = indexes.get(ws);
  if (ix) return ix;
  ix = { byDependent: new Map(), byPrimary: new Map() };
  for (const c of ws.colocations) {
    const d = ix.byDependent.get(c.dependent) ?? [];
    d.push(c);
    ix.byDependent.set(c.dependent, d);
    const p = ix.byPrimary.get(c.primary) ?? [];
    p.push(c);
    ix.byPrimary.set(c.primary, p);
  }
  // crm_simulate takes a resource's colocations in the order of the resource at the other end:
  // higher priority first, then bundles, clones (promotable first), groups, primitives, then by
  // id in byte order. This order decides which primary is placed first and which optional
  // colocation is dropped when it would leave no usable node.
  const rank = (id: string): WsResource | undefined => ws.byId.get(id);
  const cmp = (x: WsResource | undefined, y: WsResource | undefined): number => {
    if (!x || !y) return x ? -1 : y ? 1 : 0;
    return (
      priority(y) - priority(x) ||
      KIND_RANK[y.kind] - KIND_RANK[x.kind] ||
      Number(y.kind === 'clone' && y.promotable) - Number(x.kind === 'clone' && x.promotable) ||
      (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)
    );
  };
  for (const list of ix.byDependent.values())
    list.sort((a, b) => cmp(rank(a.primary), rank(b.primary)));
  for (const list of ix.byPrimary.values())
    list.sort((a, b) => cmp(rank(a.dependent), rank(b.dependent)));
  indexes.set(ws, ix);
  return ix;
}

export function stickiness(r: WsResource): number {
  return parseScore(r.meta.get('resource-stickiness') ?? r.meta.get('stickiness'), 0);
}

export function isManaged(ws: WorkingSet, r: WsResource): boolean {
  if (ws.options.maintenanceMode) return false;
  // An orphan (no longer configured) is left alone when stop-orphan-resources is off.
  if (r.orphan && !ws.options.stopOrphanResources) return false;
  const v = r.meta.get('is-managed');
  if (v !== undefined && ['false', 'no', 'off', '0'].includes(v.toLowerCase())) return false;
  const m = r.meta.get('maintenance');
  if (m !== undefined && ['true', 'yes', 'on', '1'].includes(m.toLowerCase())) return false;
  return true;
}

/** The node a placed resource ended up on (groups: their first member's; clones: undefined). */
export function nodesOf(r: WsResource): string[] {
  if (r.kind === 'clone') {
    const out = new Set<string>();
    for (const inst of r.children) for (const n of nodesOf(inst)) out.add(n);
    return [...out];
  }
  if (r.kind === 'group') {
    const first = r.children[0];
    return first?.assigned ? [first.assigned] : [];
  }
  return r.assigned ? [r.assigned] : [];
}

function sameAttr(ws: WorkingSet, a: string, b: string, attr: string): boolean {
  if (attr === '#uname') return a === b;
  const va = ws.nodeByName.get(a)?.attrs.get(attr);
  const vb = ws.nodeByName.get(b)?.attrs.get(attr);
  return va !== undefined && va === vb;
}

export function topOf(r: WsResource): WsResource {
  let t = r;
  while (t.parent) t = t.parent;
  return t;
}

/** Applies colocations in which `r` is the dependent to a score table. */
export function applyColocationsAsDependent(
  ws: WorkingSet,
  r: WsResource,
  scores: Map<string, number>,
  why: (node: string, score: number, text: string) => void,
): void {
  for (const c of colocationIndex(ws).byDependent.get(r.id) ?? []) {
    if (c.dependentRole === 'Promoted' || c.primaryRole === 'Promoted') {
      if (c.dependentRole === 'Promoted' && c.primaryRole !== 'Promoted') continue;
    }
    const p = ws.byId.get(c.primary);
    if (!p) continue;
    // A colocation loop: the primary waits for this resource, so this side is skipped.
    if (p.assigning || topOf(p).assigning) continue;
    assignResource(ws, p);
    applyOneColocation(ws, c, p, scores, why);
  }
}

function applyOneColocation(
  ws: WorkingSet,
  c: ColocationConstraint,
  p: WsResource,
  scores: Map<string, number>,
  why: (node: string, score: number, text: string) => void,
): void {
  let pNodes = nodesOf(p);
  if ((c.primaryRole === 'Promoted' || c.primaryRole === 'Unpromoted') && p.kind === 'clone') {
    // With a role: only the nodes where an instance will have that role.
    const role = c.primaryRole;
    pNodes = p.children
      .filter((i) => i.nextRole === role || (role === 'Unpromoted' && i.nextRole === 'Started'))
      .flatMap((i) => nodesOf(i));
  }
  if (c.score >= INFINITY) {
    for (const n of scores.keys()) {
      if (!pNodes.some((pn) => sameAttr(ws, n, pn, c.nodeAttribute))) {
        scores.set(n, -INFINITY);
        why(
          n,
          -INFINITY,
          pNodes.length === 0
            ? `it must run with ${p.id} (${c.id}), which is not running anywhere`
            : `it must run with ${p.id} (${c.id}), which is not on this node`,
        );
      }
    }
  } else if (c.score <= -INFINITY) {
    for (const n of scores.keys()) {
      if (pNodes.some((pn) => sameAttr(ws, n, pn, c.nodeAttribute))) {
        scores.set(n, -INFINITY);
        why(n, -INFINITY, `it must not run with ${p.id} (${c.id})`);
      }
    }
  } else if (c.score !== 0) {
    // An optional colocation that would leave no usable node is rolled back.
    const before = new Map(scores);
    const hits: string[] = [];
    for (const n of scores.keys()) {
      if (pNodes.some((pn) => sameAttr(ws, n, pn, c.nodeAttribute))) {
        scores.set(n, addScores(scores.get(n)!, c.score));
        hits.push(n);
      }
    }
    const usable = (m: Map<string, number>): boolean => [...m.values()].some((v) => v >= 0);
    if (usable(before) && !usable(scores)) {
      for (const [n, v] of before) scores.set(n, v);
    } else {
      for (const n of hits)
        why(n, c.score, `colocation ${c.id} with ${p.id} (${formatScore(c.score)})`);
    }
  }
}

/**
 * Adds the preferences of unassigned resources that must follow `r` (influence). A dependent's
 * own scores come in scaled by the colocation score (a tiny pull still counts as ±1); the
 * resources that in turn follow that dependent come in at their own colocation's strength, not
 * scaled again (only the sign carries over). A group dependent counts as its first member, which
 * the next member follows with INFINITY, and so on down the group. Each dependent's part,
 * together with what follows it, is dropped when it would leave no usable node.
 *
 * With `clamp` (how a clone's node table and its promotion scores take the pull), a pull may not
 * turn a score negative: a positive score falls to 1 at worst and a score of 0 stays 0.
 */
export function applyDependentInfluence(
  ws: WorkingSet,
  r: WsResource,
  scores: Map<string, number>,
  seen: Set<string> = new Set(),
  sign: 1 | -1 = 1,
  clamp = false,
): void {
  if (seen.has(r.id)) return;
  seen.add(r.id);
  addDependents(ws, r, scores, seen, sign, clamp);
}

function addDependents(
  ws: WorkingSet,
  r: WsResource,
  scores: Map<string, number>,
  seen: Set<string>,
  sign: 1 | -1,
  clamp: boolean,
): void {
  for (const c of colocationIndex(ws).byPrimary.get(r.id) ?? []) {
    if (!c.influence || c.score === 0) continue;
    const d = ws.byId.get(c.dependent);
    if (!d || d.assigned !== undefined) continue;
    addDependentPull(ws, d, scores, (sign * c.score) / INFINITY, seen, clamp);
  }
}

/**
 * Adds one dependent's pull at factor `f` (its colocation score over INFINITY), with what follows
 * it; `seen` holds the resources already counted.
 */
export function addDependentPull(
  ws: WorkingSet,
  d: WsResource,
  scores: Map<string, number>,
  f: number,
  seen: Set<string>,
  clamp = false,
): void {
  const next: 1 | -1 = f < 0 ? -1 : 1;
  if (d.kind !== 'group' || d.children.length === 0) {
    mergeLevel(scores, ownScores(ws, d), f, clamp, (work) =>
      applyDependentInfluence(ws, d, work, seen, next, clamp),
    );
    return;
  }
  const members = d.children;
  const chain = (i: number, work: Map<string, number>): void => {
    if (i >= members.length) return;
    const m = members[i]!;
    mergeLevel(work, ownScores(ws, m), next, clamp, (w) => {
      chain(i + 1, w);
      applyDependentInfluence(ws, m, w, seen, next, clamp);
    });
  };
  const first = new Map(d.allowed);
  for (const [n, s] of ownScores(ws, members[0]!))
    if (first.has(n)) first.set(n, addScores(first.get(n)!, s));
  mergeLevel(scores, first, f, clamp, (work) => {
    chain(1, work);
    applyDependentInfluence(ws, members[0]!, work, seen, next, clamp);
    // Resources colocated with the group follow it and its first member: crm_simulate counts
    // their preferences twice here, but only while the group itself is being placed (it is
    // placed first, by priority, or for a dependent of its own); otherwise not at all.
    if (!d.assigning || seen.has(d.id)) return;
    seen.add(d.id);
    addDependents(ws, d, work, seen, next, clamp);
    addDependents(ws, d, work, seen, next, clamp);
  });
}

/**
 * Adds `own` at factor `f`, then what `nested` adds; keeps the result unless it leaves no usable
 * node (judged before clamping: a pull that would leave every node negative is dropped whole).
 */
function mergeLevel(
  scores: Map<string, number>,
  own: Map<string, number>,
  f: number,
  clamp: boolean,
  nested: (work: Map<string, number>) => void,
): void {
  const work = new Map(scores);
  const usable = addScaled(work, own, f, clamp);
  if (usable) nested(work);
  if (clamp ? usable : usableTable(work) || !usableTable(scores))
    for (const [n, v] of work) scores.set(n, v);
}

function usableTable(m: Map<string, number>): boolean {
  for (const v of m.values()) if (v >= 0) return true;
  return false;
}

/**
 * Adds `from` scaled by `f` (|f| ≤ 1) into `scores`, on the nodes `scores` already has; with
 * `clamp`, a sum below 0 leaves a positive score at 1 and any other score as it was. Returns
 * whether some node's unclamped sum is 0 or more.
 */
function addScaled(
  scores: Map<string, number>,
  from: Map<string, number>,
  f: number,
  clamp = false,
): boolean {
  let usable = false;
  for (const [n, cur] of scores) {
    const s = from.get(n);
    let sum = cur;
    if (s !== undefined && cur > -INFINITY) {
      if (s <= -INFINITY) {
        // A ban passes whole through a mandatory colocation, scaled through an optional one.
        // (An anti-colocation does not pass a ban on.)
        if (f > 0) sum = f >= 1 ? -INFINITY : addScores(cur, -Math.round(f * INFINITY));
      } else {
        // A scaled preference keeps its sign: a tiny pull still counts as 1.
        const v = (s >= INFINITY ? INFINITY : s) * f;
        const add = v > 0 ? Math.max(1, Math.trunc(v)) : v < 0 ? Math.min(-1, Math.trunc(v)) : 0;
        sum = addScores(cur, add);
      }
    }
    if (sum >= 0) usable = true;
    scores.set(n, clamp && sum < 0 && sum !== cur ? (cur > 0 ? 1 : cur) : sum);
  }
  return usable;
}

/** A resource's own node scores plus stickiness on the node it runs on. */
export function ownScores(ws: WorkingSet, r: WsResource): Map<string, number> {
  if (r.kind === 'group') {
    const out = new Map(r.allowed);
    mergeMembers(ws, r, out);
    return out;
  }
  if (r.kind === 'clone') return new Map(r.allowed);
  // A primitive being placed: its table so far (stickiness and the colocations applied yet).
  if (r.assigning && r.finalScores) return new Map(r.finalScores);
  const out = new Map(r.allowed);
  const st = stickiness(r);
  if (st !== 0 && isManaged(ws, r)) {
    for (const n of activeNodes(r)) {
      if (out.has(n)) out.set(n, addScores(out.get(n)!, st));
    }
  }
  return out;
}

/**
 * Picks the best node from a score table; undefined when no node has a score ≥ 0. Ties go by the
 * placement strategy (fewer resources placed, or more free capacity), then to a node it already
 * runs on, then by node name.
 */
export function bestNode(
  ws: WorkingSet,
  scores: Map<string, number>,
  current: readonly string[],
): string | undefined {
  let best: WsNode | undefined;
  let bestScore = 0;
  for (const [n, s] of scores) {
    if (s < 0) continue;
    const node = ws.nodeByName.get(n);
    if (!node) continue;
    if (best === undefined || s > bestScore) {
      best = node;
      bestScore = s;
      continue;
    }
    if (s < bestScore) continue;
    const c =
      compareTiedNodes(ws, node, best) ||
      (current.includes(n) ? 0 : 1) - (current.includes(best.name) ? 0 : 1) ||
      (n < best.name ? -1 : 1);
    if (c < 0) best = node;
  }
  return best?.name;
}

/**
 * Under a placement strategy other than default, nodes without enough free capacity for `r`
 * (a group: all its members) are not eligible.
 */
export function excludeFullNodes(
  ws: WorkingSet,
  r: WsResource,
  scores: Map<string, number>,
  why: (node: string, score: number, text: string) => void,
): void {
  if (placementStrategy(ws) === 'default') return;
  const need = demand(r);
  if (need.size === 0) return;
  for (const [n, v] of scores) {
    if (v <= -INFINITY) continue;
    const short = shortfall(ws, n, need);
    if (short.length === 0) continue;
    scores.set(n, -INFINITY);
    why(n, -INFINITY, `not enough free capacity here (${short.join(', ')})`);
  }
}

export function assignPrimitive(ws: WorkingSet, r: WsResource): void {
  const scores = ownScores(ws, r);
  // Visible while the primaries are placed: they see the colocations applied so far.
  r.finalScores = scores;
  applyColocationsAsDependent(ws, r, scores, (node, score, text) =>
    r.causes.push({ node, score, why: text }),
  );
  applyDependentInfluence(ws, r, scores);
  excludeFullNodes(ws, r, scores, (node, score, text) => r.causes.push({ node, score, why: text }));
  r.finalScores = scores;
  const current = activeNodes(r);
  let node = bestNode(ws, scores, current);
  // A sticky resource keeps its node when that node ties with the best.
  const cur = current.length === 1 ? current[0]! : undefined;
  if (
    node !== undefined &&
    cur !== undefined &&
    stickiness(r) > 0 &&
    (scores.get(cur) ?? -1) > 0 &&
    (scores.get(cur) ?? -1) >= (scores.get(node) ?? 0)
  )
    node = cur;
  place(ws, r, node);
}

export function place(ws: WorkingSet, r: WsResource, node: string | undefined): void {
  if (node === undefined) {
    r.assigned = null;
    r.nextRole = 'Stopped';
    return;
  }
  r.assigned = node;
  r.nextRole = r.promotable ? 'Unpromoted' : 'Started';
  const n = ws.nodeByName.get(node);
  if (n) n.assignedCount++;
  consume(ws, r, node);
}

/** Merges the members' own scores into a group's table; later members are rolled back if they would leave no usable node. */
function mergeMembers(ws: WorkingSet, g: WsResource, out: Map<string, number>): void {
  const usable = (m: Map<string, number>): boolean => [...m.values()].some((v) => v >= 0);
  g.children.forEach((m, i) => {
    const before = new Map(out);
    for (const [n, s] of ownScores(ws, m)) {
      if (!out.has(n)) continue;
      out.set(n, addScores(out.get(n)!, s));
    }
    if (i > 0 && usable(before) && !usable(out)) for (const [n, v] of before) out.set(n, v);
  });
}

export function assignGroup(ws: WorkingSet, g: WsResource): void {
  const scores = new Map(g.allowed);
  applyColocationsAsDependent(ws, g, scores, (node, score, text) =>
    g.causes.push({ node, score, why: text }),
  );
  for (const m of g.children) {
    // Colocations of members with resources outside the group bind the whole group.
    applyColocationsAsDependent(ws, m, scores, (node, score, text) =>
      m.causes.push({ node, score, why: text }),
    );
  }
  mergeMembers(ws, g, scores);
  applyDependentInfluence(ws, g, scores);
  excludeFullNodes(ws, g, scores, (node, score, text) => g.causes.push({ node, score, why: text }));
  g.finalScores = scores;
  const current = g.children.flatMap((m) => activeNodes(m));
  const node = bestNode(ws, scores, current);
  g.assigned = node ?? null;
  let broken = node === undefined;
  for (const m of g.children) {
    if (m.assigned !== undefined) continue;
    if (broken) {
      place(ws, m, undefined);
      continue;
    }
    if (!isManaged(ws, m)) {
      assignUnmanaged(ws, m);
      if (m.assigned !== node) broken = true;
      continue;
    }
    const own = ownScores(ws, m);
    // In an opt-in cluster a member is enabled where its group is (the group's locations).
    if (!own.has(node!) && !ws.options.symmetric && g.allowed.has(node!)) own.set(node!, 0);
    applyColocationsAsDependent(ws, m, own, () => undefined);
    m.finalScores = own;
    if ((own.get(node!) ?? -INFINITY) <= -INFINITY || !own.has(node!)) {
      broken = true;
      place(ws, m, undefined);
    } else place(ws, m, node);
  }
  g.nextRole = node === undefined ? 'Stopped' : 'Started';
}

/** Unmanaged resources stay where they are (a failed, not-running one stays stopped). */
function assignUnmanaged(ws: WorkingSet, r: WsResource): void {
  const cur = activeNodes(r).filter((n) => r.history.get(n)?.notRunning !== true);
  r.assigned = cur[0] ?? null;
  r.nextRole = cur.length > 0 ? (r.history.get(cur[0]!)?.role ?? 'Started') : 'Stopped';
  if (r.assigned) {
    const n = ws.nodeByName.get(r.assigned);
    if (n) n.assignedCount++;
  }
}

export function assignResource(ws: WorkingSet, r: WsResource): void {
  if (r.assigned !== undefined || r.assigning) return;
  if (r.kind === 'primitive' && !isManaged(ws, r)) {
    assignUnmanaged(ws, r);
    return;
  }
  if (r.orphan) {
    // No longer configured: it may not run anywhere, so an active one stops.
    r.unassignedReason = 'it is no longer in the configuration';
    place(ws, r, undefined);
    return;
  }
  r.assigning = true;
  switch (r.kind) {
    case 'primitive':
      assignPrimitive(ws, r);
      break;
    case 'group':
      assignGroup(ws, r);
      break;
    case 'clone':
      assignClone(ws, r);
      break;
    case 'bundle':
      r.assigned = null;
      break;
  }
  r.assigning = false;
}

function priority(r: WsResource): number {
  return parseScore(r.meta.get('priority'), 0);
}

/**
 * With a placement strategy, resources of equal priority are placed in this order: the one with
 * the highest score on the node it runs on first (so running resources are not shuffled), then
 * the one with the highest score anywhere, then configuration order.
 */
function strategyOrder(ws: WorkingSet, r: WsResource): [number, number] {
  const own = ownScores(ws, r);
  // A node where something it must run with may not run counts as banned.
  const deps = [r, ...(r.kind === 'group' ? r.children : [])];
  for (const d of deps) {
    for (const c of colocationIndex(ws).byDependent.get(d.id) ?? []) {
      const p = ws.byId.get(c.primary);
      if (!p || c.score < INFINITY) continue;
      for (const n of own.keys()) if (bannedFor(p, n)) own.set(n, -INFINITY);
    }
  }
  const cur = r.kind === 'clone' ? [] : primitivesOf(r).flatMap((p) => activeNodes(p));
  const onCurrent = cur.length > 0 ? (own.get(cur[0]!) ?? -INFINITY) : -INFINITY - 1;
  let best = -INFINITY - 1;
  for (const v of own.values()) best = Math.max(best, v);
  return [onCurrent, best];
}

/** The resource (a clone: every instance; a group: its first member) may not run on the node. */
function bannedFor(r: WsResource, node: string): boolean {
  if ((r.allowed.get(node) ?? -INFINITY) <= -INFINITY) return true;
  if (r.kind === 'clone')
    return r.children.every((i) => primitivesOf(i).some((p) => bannedFor(p, node)));
  if (r.kind === 'group') return r.children[0] !== undefined && bannedFor(r.children[0], node);
  return false;
}

export function assignAll(ws: WorkingSet): void {
  let order = [...ws.resources].sort((a, b) => priority(b) - priority(a) || a.order - b.order);
  if (placementStrategy(ws) !== 'default') {
    const keys = new Map(order.map((r) => [r, strategyOrder(ws, r)]));
    order = order.sort((a, b) => {
      const ka = keys.get(a)!;
      const kb = keys.get(b)!;
      return priority(b) - priority(a) || kb[0] - ka[0] || kb[1] - ka[1] || a.order - b.order;
    });
  }
  for (const r of order) assignResource(ws, r);
}
