/**
 * How a promotable clone's node table and the resources that must run with its promoted
 * instances shift the promotion scores. Observed with crm_simulate 2.1.5 (--show-scores), one
 * rule at a time on small CIBs:
 *
 * 1. The clone's node table (its own location scores, plus the pull of every resource colocated
 *    with it that has influence, whatever the role) is added to the promotion score of the
 *    instance on each node. A pull may not turn that table negative (see `clamp` in
 *    `addDependentPull`).
 * 2. The resources colocated with the clone's Promoted role pull once more, scaled by their
 *    colocation score, together with what in turn follows them (a group's dependents count twice,
 *    as in placement). A pull that would turn a promotion score negative leaves it at 1 when it was
 *    positive; a pull that would leave no node at 0 or more is dropped.
 * 3. An instance whose promotion score is already negative (it may not be promoted) is untouched.
 */
import { addScores, formatScore } from '../score.js';
import type { WorkingSet, WsResource } from '../working-set.js';
import { INFINITY } from '../score.js';
import { addDependentPull, colocationIndex } from '../phases/assign.js';

/** A promotion score with the parts that made it, for `vigil explain`. */
export interface PromotionScore {
  readonly score: number;
  readonly parts: { readonly score: number; readonly why: string }[];
}

/** The clone's node table: its own scores plus the non-negative pull of every dependent. */
function cloneTable(ws: WorkingSet, c: WsResource): Map<string, number> {
  const table = new Map(c.allowed);
  const seen = new Set([c.id]);
  for (const col of colocationIndex(ws).byPrimary.get(c.id) ?? []) {
    if (!col.influence || col.score === 0) continue;
    const d = ws.byId.get(col.dependent);
    if (!d || d.assigned !== undefined) continue;
    addDependentPull(ws, d, table, col.score / INFINITY, seen, true);
  }
  return table;
}

/**
 * Adds the influence of rules 1–3 to `base` (node → promotion score of the instance placed there;
 * negative entries are left alone) and returns each node's new score with its parts.
 */
export function influencePromotion(
  ws: WorkingSet,
  c: WsResource,
  base: ReadonlyMap<string, number>,
): Map<string, PromotionScore> {
  const out = new Map<string, PromotionScore>();
  const table = cloneTable(ws, c);
  const work = new Map<string, number>();
  for (const [n, s] of base) {
    if (s < 0) {
      out.set(n, { score: s, parts: [] });
      continue;
    }
    work.set(n, addScores(s, table.get(n) ?? 0));
  }
  const afterTable = new Map(work);
  const promotedDeps: string[] = [];
  const seen = new Set([c.id]);
  for (const col of colocationIndex(ws).byPrimary.get(c.id) ?? []) {
    if (col.primaryRole !== 'Promoted' || !col.influence || col.score === 0) continue;
    const d = ws.byId.get(col.dependent);
    if (!d || d.assigned !== undefined) continue;
    promotedDeps.push(`${d.id} (${col.id}, ${formatScore(col.score)})`);
    addDependentPull(ws, d, work, col.score / INFINITY, seen, true);
  }
  for (const [n, s] of work) {
    const parts: { score: number; why: string }[] = [];
    const own = c.allowed.get(n) ?? 0;
    const pulled = (table.get(n) ?? 0) - own;
    if (own !== 0) parts.push({ score: own, why: `the node scores of ${c.id} here` });
    if (pulled !== 0)
      parts.push({ score: pulled, why: `the pull of resources colocated with ${c.id}` });
    const promoted = s - afterTable.get(n)!;
    if (promoted !== 0)
      parts.push({
        score: promoted,
        why:
          s === 1 && promoted < 0
            ? `resources that must run with the promoted ${c.id} cannot run here or prefer other nodes (${promotedDeps.join(', ')}); a pull lowers a positive score to 1 at most`
            : `the pull of resources that must run with the promoted ${c.id}: ${promotedDeps.join(', ')}`,
      });
    out.set(n, { score: s, parts });
  }
  return out;
}
