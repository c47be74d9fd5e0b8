/**
 * rsc_colocation: a dependent placed relative to a primary (with roles and a node attribute),
 * pairwise or through resource sets.
 */
import type { CibElement } from '../cib-tree.js';
import { parseScore } from '../score.js';
import type { Role, WorkingSet } from '../working-set.js';
import { parseRole } from '../phases/unpack.js';
import { expandTag, readSets } from './sets.js';

export function unpackColocation(
  ws: WorkingSet,
  c: CibElement,
  byId: Map<string, CibElement>,
  tags: Map<string, string[]>,
): void {
  const id = c.attrs.id ?? '';
  const score = parseScore(c.attrs.score, 0);
  const nodeAttribute = c.attrs['node-attribute'] ?? '#uname';
  const influence = (c.attrs.influence ?? 'true') === 'true';
  const add = (dep: string, prim: string, dr?: Role, pr?: Role): void => {
    if (dep === prim) return;
    ws.colocations.push({
      id,
      dependent: dep,
      primary: prim,
      score,
      nodeAttribute,
      influence,
      ...(dr === undefined ? {} : { dependentRole: dr }),
      ...(pr === undefined ? {} : { primaryRole: pr }),
    });
  };
  if (c.attrs.rsc !== undefined && c.attrs['with-rsc'] !== undefined) {
    for (const d of expandTag(c.attrs.rsc, tags))
      for (const p of expandTag(c.attrs['with-rsc'], tags))
        add(d, p, parseRole(c.attrs['rsc-role']), parseRole(c.attrs['with-rsc-role']));
    return;
  }
  const sets = readSets(c, byId, tags);
  for (const s of sets) {
    if (!s.sequential) continue;
    for (let i = 1; i < s.ids.length; i++) {
      if (s.listed) add(s.ids[i - 1]!, s.ids[i]!, s.role, s.role);
      else add(s.ids[i]!, s.ids[i - 1]!, s.role, s.role);
    }
  }
  for (let k = 0; k + 1 < sets.length; k++) {
    const a = sets[k]!;
    const b = sets[k + 1]!;
    // Each set is placed after (and depends on) the next one.
    const prims = b.sequential ? b.ids.slice(-1) : b.ids;
    const deps = a.sequential ? a.ids.slice(0, 1) : a.ids;
    for (const d of deps) for (const p of prims) add(d, p, a.role, b.role);
  }
}
