/**
 * rsc_order: what must happen before what (Mandatory, Optional or Serialize), pairwise or
 * through resource sets.
 */
import type { CibElement } from '../cib-tree.js';
import { parseScore } from '../score.js';
import type { OrderKind, WorkingSet } from '../working-set.js';
import { expandTag, readSets } from './sets.js';

/**
 * The deprecated meta attribute restart-type=restart: the resource restarts whenever something
 * ordered before it restarts, even through an optional order (which then binds like a mandatory one).
 */
function restartsWithDependencies(ws: WorkingSet, id: string): boolean {
  return ws.byId.get(id)?.meta.get('restart-type')?.toLowerCase() === 'restart';
}

function orderKind(c: CibElement): OrderKind {
  const kind = c.attrs.kind;
  if (kind === 'Optional' || kind === 'Serialize' || kind === 'Mandatory') return kind;
  if (kind !== undefined) return 'Mandatory';
  const score = c.attrs.score;
  if (score !== undefined && parseScore(score, 0) === 0) return 'Optional';
  return 'Mandatory';
}

export function unpackOrder(
  ws: WorkingSet,
  c: CibElement,
  byId: Map<string, CibElement>,
  tags: Map<string, string[]>,
): void {
  const id = c.attrs.id ?? '';
  const kind = orderKind(c);
  const symmetrical = (c.attrs.symmetrical ?? (kind === 'Serialize' ? 'false' : 'true')) === 'true';
  const add = (
    first: string,
    fa: string,
    then: string,
    ta: string,
    requireAll = true,
    firstSet?: string,
  ): void => {
    ws.orders.push({
      ...(firstSet === undefined ? {} : { firstSet }),
      id,
      first,
      firstAction: fa,
      then,
      thenAction: ta,
      kind: kind === 'Optional' && restartsWithDependencies(ws, then) ? 'Mandatory' : kind,
      symmetrical,
      requireAll,
    });
  };
  if (c.attrs.first !== undefined && c.attrs.then !== undefined) {
    const fa = c.attrs['first-action'] ?? 'start';
    const ta = c.attrs['then-action'] ?? fa;
    // require-all=false: any one instance of a first clone is enough.
    const requireAll = (c.attrs['require-all'] ?? 'true') !== 'false';
    for (const f of expandTag(c.attrs.first, tags))
      for (const t of expandTag(c.attrs.then, tags)) add(f, fa, t, ta, requireAll);
    return;
  }
  const sets = readSets(c, byId, tags);
  for (const s of sets) {
    if (!s.sequential) continue;
    const a = s.action ?? 'start';
    for (let i = 1; i < s.ids.length; i++) add(s.ids[i - 1]!, a, s.ids[i]!, a);
  }
  for (let k = 0; k + 1 < sets.length; k++) {
    const a = sets[k]!;
    const b = sets[k + 1]!;
    // A one-or-more set (require-all=false) offers every member as an alternative.
    const firsts = a.sequential && a.requireAll ? a.ids.slice(-1) : a.ids;
    const thens = b.sequential ? b.ids.slice(0, 1) : b.ids;
    for (const f of firsts)
      for (const t of thens)
        add(
          f,
          a.action ?? 'start',
          t,
          b.action ?? 'start',
          a.requireAll,
          a.requireAll ? undefined : a.id,
        );
  }
}
