/**
 * rsc_location: a score for a resource (or resources by pattern, tag or set) on nodes, given
 * directly for one node or by rules evaluated against each node's attributes now.
 */
import type { CibElement } from '../cib-tree.js';
import { elementChildren } from '../cib-tree.js';
import { evalRule } from '../rules.js';
import { addScores, parseScore } from '../score.js';
import type { WorkingSet } from '../working-set.js';
import { parseRole } from '../phases/unpack.js';
import { expandTag, readSets } from './sets.js';

export function unpackLocation(
  ws: WorkingSet,
  c: CibElement,
  byId: Map<string, CibElement>,
  tags: Map<string, string[]>,
): void {
  const id = c.attrs.id ?? '';
  let rscs: string[] = [];
  if (c.attrs.rsc !== undefined) rscs = expandTag(c.attrs.rsc, tags);
  else if (c.attrs['rsc-pattern'] !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(c.attrs['rsc-pattern']);
    } catch {
      return;
    }
    rscs = ws.resources.filter((r) => re.test(r.id)).map((r) => r.id);
  } else {
    for (const s of readSets(c, byId, tags)) rscs.push(...s.ids);
  }
  // A role on the rules (all of them) makes the constraint role-specific too.
  const ruleRoles = elementChildren(c, 'rule').map((r) => parseRole(r.attrs.role));
  const role =
    parseRole(c.attrs.role) ??
    (ruleRoles.length > 0 && ruleRoles.every((r) => r !== undefined && r === ruleRoles[0])
      ? ruleRoles[0]
      : undefined);
  const discovery = c.attrs['resource-discovery'];
  const scores = new Map<string, number>();
  const rules = elementChildren(c, 'rule').map((r) =>
    r.attrs['id-ref'] !== undefined ? (byId.get(r.attrs['id-ref']) ?? r) : r,
  );
  if (c.attrs.node !== undefined) {
    if (!ws.nodeByName.has(c.attrs.node)) return;
    scores.set(c.attrs.node, parseScore(c.attrs.score, 0));
  } else if (rules.length > 0) {
    for (const node of ws.nodes) {
      let total: number | undefined;
      for (const rule of rules) {
        if (!evalRule(rule, { nodeAttrs: node.attrs, nowSec: ws.nowSec })) continue;
        let s: number;
        const sa = rule.attrs['score-attribute'];
        if (sa !== undefined) s = parseScore(node.attrs.get(sa), 0);
        else s = parseScore(rule.attrs.score, 0);
        total = total === undefined ? s : addScores(total, s);
      }
      if (total !== undefined) scores.set(node.name, total);
    }
  } else return;
  const roleForSets = role;
  for (const rsc of rscs) {
    ws.locations.push({
      id,
      rsc,
      scores,
      ...(roleForSets === undefined ? {} : { role: roleForSets }),
      ...(discovery === undefined ? {} : { discovery }),
    });
  }
}
