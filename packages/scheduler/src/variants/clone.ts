/**
 * Clone variant: instances are spread over the allowed nodes, at most clone-node-max per node
 * and clone-max in all. Running instances keep their node when they still may run there; the
 * rest go to the nodes with the fewest instances, then the best score. Promotable clones then
 * promote up to promoted-max instances with the highest promotion scores.
 */
import { INFINITY, addScores, parseScore } from '../score.js';
import type { WorkingSet, WsResource } from '../working-set.js';
import { activeNodes, primitivesOf } from '../working-set.js';
import { ticketUsable } from '../constraints/ticket.js';
import { applyColocationsAsDependent, ownScores, place } from '../phases/assign.js';
import { influencePromotion } from './promotion-influence.js';

function instanceCurrent(inst: WsResource): string[] {
  if (inst.kind === 'group') {
    const first = inst.children[0];
    const all = inst.children.flatMap((m) => activeNodes(m));
    return first ? [...new Set(all)] : [];
  }
  return activeNodes(inst);
}

function instanceScores(
  ws: WorkingSet,
  c: WsResource,
  inst: WsResource,
  cloneScores: Map<string, number>,
): Map<string, number> {
  const s = ownScores(ws, inst);
  for (const [n, v] of cloneScores) {
    if (!s.has(n)) continue;
    const base = c.allowed.get(n) ?? 0;
    // cloneScores already contains the clone's own scores; add only what colocation added.
    s.set(n, addScores(s.get(n)!, v <= -INFINITY ? -INFINITY : v - base));
  }
  for (const n of [...s.keys()]) if (!cloneScores.has(n)) s.delete(n);
  return s;
}

function placeInstance(ws: WorkingSet, inst: WsResource, node: string | undefined): void {
  inst.assigned = node ?? null;
  if (inst.kind === 'primitive') {
    place(ws, inst, node);
    return;
  }
  let broken = node === undefined;
  for (const m of inst.children) {
    if (broken) {
      place(ws, m, undefined);
      continue;
    }
    const own = ownScores(ws, m);
    if ((own.get(node!) ?? -INFINITY) <= -INFINITY) {
      broken = true;
      place(ws, m, undefined);
    } else place(ws, m, node);
  }
  inst.nextRole = node === undefined ? 'Stopped' : 'Started';
}

export function assignClone(ws: WorkingSet, c: WsResource): void {
  const settings = c.clone!;
  const cloneScores = new Map(c.allowed);
  applyColocationsAsDependent(ws, c, cloneScores, (node, score, text) =>
    c.causes.push({ node, score, why: text }),
  );
  c.finalScores = cloneScores;
  const perNode = new Map<string, number>();
  const done = new Set<WsResource>();
  let placed = 0;
  const scoresOf = new Map<WsResource, Map<string, number>>();
  for (const inst of c.children) scoresOf.set(inst, instanceScores(ws, c, inst, cloneScores));
  // Running instances first: they keep their node if they may still run there.
  for (const inst of c.children) {
    const cur = instanceCurrent(inst);
    if (cur.length !== 1) continue;
    const n = cur[0]!;
    const s = scoresOf.get(inst)!.get(n);
    if (s === undefined || s < 0) continue;
    if ((perNode.get(n) ?? 0) >= settings.nodeMax || placed >= settings.max) continue;
    // Without any stickiness (explicitly 0) an instance does not hold on to its node when
    // another node it may use has fewer instances: the clone spreads out again.
    const st = inst.meta.get('resource-stickiness');
    if (st !== undefined && parseScore(st, 0) === 0) {
      const here = perNode.get(n) ?? 0;
      const fewer = [...scoresOf.get(inst)!].some(
        ([m, v]) => m !== n && v >= 0 && (perNode.get(m) ?? 0) < here,
      );
      if (fewer) continue;
    }
    // A node it may use that scores strictly higher (stickiness included) wins over staying.
    const better = [...scoresOf.get(inst)!].some(
      ([m, v]) => m !== n && v > s && (perNode.get(m) ?? 0) < settings.nodeMax,
    );
    if (better) continue;
    placeInstance(ws, inst, n);
    perNode.set(n, (perNode.get(n) ?? 0) + 1);
    done.add(inst);
    placed++;
  }
  // Healthy instances are placed before failed ones, which take what is left.
  const failed = (inst: WsResource): boolean =>
    primitivesOf(inst).some((p) => [...p.history.values()].some((h) => h.failed));
  const rest = c.children.filter((i) => !done.has(i));
  for (const inst of [...rest.filter((i) => !failed(i)), ...rest.filter(failed)]) {
    if (placed >= settings.max) {
      placeInstance(ws, inst, undefined);
      continue;
    }
    const s = scoresOf.get(inst)!;
    let best: string | undefined;
    let bk: [number, number, number, string] | undefined;
    for (const [n, v] of s) {
      if (v < 0) continue;
      const cnt = perNode.get(n) ?? 0;
      if (cnt >= settings.nodeMax) continue;
      const node = ws.nodeByName.get(n);
      if (!node) continue;
      const key: [number, number, number, string] = [cnt, -v, node.assignedCount, n];
      if (
        bk === undefined ||
        key[0] < bk[0] ||
        (key[0] === bk[0] &&
          (key[1] < bk[1] ||
            (key[1] === bk[1] && (key[2] < bk[2] || (key[2] === bk[2] && key[3] < bk[3])))))
      ) {
        best = n;
        bk = key;
      }
    }
    placeInstance(ws, inst, best);
    if (best !== undefined) {
      perNode.set(best, (perNode.get(best) ?? 0) + 1);
      placed++;
    }
  }
  c.assigned = null;
  if (c.promotable) choosePromoted(ws, c);
}

function promotionScore(
  ws: WorkingSet,
  c: WsResource,
  inst: WsResource,
  node: string,
): number | undefined {
  const n = ws.nodeByName.get(node);
  if (!n) return undefined;
  let total: number | undefined;
  // A group instance is promoted whole: with a member that cannot run, it cannot be promoted.
  if (inst.kind === 'group' && inst.children.some((m) => m.assigned !== node)) return undefined;
  for (const p of primitivesOf(inst)) {
    const base = p.id.replace(/:\d+$/, '');
    // An anonymous instance may be recorded here under another instance number: its
    // attribute carries the name the status section uses.
    const lrmId = p.history.get(node)?.lrmId;
    const v =
      n.attrs.get(`master-${base}`) ??
      n.attrs.get(`master-${p.id}`) ??
      (lrmId === undefined ? undefined : n.attrs.get(`master-${lrmId}`));
    if (v !== undefined) total = addScores(total ?? 0, parseScore(v, 0));
    const h = p.history.get(node);
    if (total === undefined && h?.role === 'Promoted') total = 0;
  }
  for (const t of ws.ticketConstraints) {
    if (t.rsc !== c.id || ticketUsable(ws, t.ticket)) continue;
    // loss-policy=freeze keeps a promoted instance promoted; nothing new is promoted.
    const promotedHere = primitivesOf(inst).some((p) => p.history.get(node)?.role === 'Promoted');
    if (t.lossPolicy === 'freeze' && promotedHere) continue;
    return undefined;
  }
  for (const l of ws.locations) {
    if (l.role !== 'Promoted') continue;
    if (l.rsc !== c.id && l.rsc !== inst.id.replace(/:\d+$/, '')) continue;
    const s = l.scores.get(node);
    if (s !== undefined) total = addScores(total ?? 0, s);
  }
  for (const col of ws.colocations) {
    if (col.dependent !== c.id || col.dependentRole !== 'Promoted') continue;
    const p = ws.byId.get(col.primary);
    if (!p) continue;
    const pn =
      p.kind === 'clone' && col.primaryRole === 'Promoted'
        ? p.children.filter((i) => i.nextRole === 'Promoted').map((i) => i.assigned)
        : [p.assigned ?? (p.kind === 'group' ? p.children[0]?.assigned : undefined)];
    const on = pn.includes(node);
    if (col.score >= INFINITY && !on) total = -INFINITY;
    else if (col.score <= -INFINITY && on) total = -INFINITY;
    else if (on && total !== undefined) total = addScores(total, col.score);
  }
  return total;
}

function choosePromoted(ws: WorkingSet, c: WsResource): void {
  const settings = c.clone!;
  const cands: { inst: WsResource; node: string; score: number; cur: boolean }[] = [];
  for (const inst of c.children) {
    const node = inst.assigned;
    if (node === undefined || node === null) continue;
    const sc = promotionScore(ws, c, inst, node);
    if (sc === undefined || sc < 0) continue;
    const cur = primitivesOf(inst).some((p) => p.history.get(node)?.role === 'Promoted');
    cands.push({ inst, node, score: sc, cur });
  }
  // The clone's node table and the resources that follow its promoted instances shift the
  // scores (a node holding several candidates is left as it is).
  const single = new Map<string, number>();
  for (const cand of cands)
    single.set(cand.node, single.has(cand.node) ? -INFINITY - 1 : cand.score);
  for (const [n, s] of single) if (s < -INFINITY) single.delete(n);
  const shifted = influencePromotion(ws, c, single);
  for (const cand of cands) {
    const s = shifted.get(cand.node);
    if (s === undefined) continue;
    const base = {
      score: cand.score,
      why: 'its promotion score (master attribute, Promoted-role constraints)',
    };
    cand.inst.promotion = { score: s.score, parts: [base, ...s.parts] };
    cand.score = s.score;
  }
  cands.sort(
    (a, b) =>
      b.score - a.score || (a.cur === b.cur ? 0 : a.cur ? -1 : 1) || a.inst.order - b.inst.order,
  );
  const perNode = new Map<string, number>();
  let count = 0;
  for (const cand of cands) {
    if (count >= settings.promotedMax) break;
    if ((perNode.get(cand.node) ?? 0) >= settings.promotedNodeMax) continue;
    perNode.set(cand.node, (perNode.get(cand.node) ?? 0) + 1);
    count++;
    cand.inst.nextRole = 'Promoted';
    for (const p of primitivesOf(cand.inst)) if (p.assigned) p.nextRole = 'Promoted';
  }
}
