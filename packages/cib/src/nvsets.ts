/**
 * Evaluating nvpair sets (`instance_attributes`, `meta_attributes`, `utilization`,
 * `cluster_property_set`, defaults) into name → value maps, as Pacemaker Explained describes:
 *
 * - Sets whose rules do not all pass are skipped.
 * - Sets are taken in descending `score` order (INFINITY first); equal scores keep document
 *   order. With `firstId`, the set of that id comes before all others (Pacemaker does this for
 *   `cib-bootstrap-options` among cluster property sets).
 * - The first value found for a name wins: a later set, or a later nvpair of the same name in
 *   the same set, does not override it.
 * - `id-ref`s on sets and nvpairs are resolved through the index; unresolvable ones are skipped
 *   (the reader already rejected them when the CIB was read).
 */
import type { NvSet } from './model/types.js';
import type { CibIndex } from './cib-index.js';
import { evaluateRule, type RuleContext } from './rules.js';
import { scoreValue } from './scores.js';

export interface NvSetOptions {
  /** Resolves id-refs; without it, referencing sets and nvpairs are skipped. */
  index?: CibIndex;
  /** A set id evaluated before all others (e.g. `cib-bootstrap-options`). */
  firstId?: string;
}

/** The sets in evaluation order (id-refs resolved), before rules are applied. */
export function orderNvSets(sets: readonly NvSet[], options: NvSetOptions = {}): NvSet[] {
  const resolved: { set: NvSet; score: number; pos: number }[] = [];
  sets.forEach((s, pos) => {
    const r = s.idRef === undefined ? s : options.index?.resolveNvSet(s);
    if (r === undefined) return;
    const score =
      r.id !== undefined && r.id === options.firstId ? Infinity : (scoreValue(r.score ?? '0') ?? 0);
    resolved.push({ set: r, score, pos });
  });
  resolved.sort((a, b) => b.score - a.score || a.pos - b.pos);
  return resolved.map((x) => x.set);
}

/** Evaluates sets into a map of name → value (see the module comment for the order rules). */
export function evaluateNvSets(
  sets: readonly NvSet[],
  ctx: RuleContext = {},
  options: NvSetOptions = {},
): Map<string, string> {
  const out = new Map<string, string>();
  const c: RuleContext =
    ctx.resolve === undefined && options.index
      ? { ...ctx, resolve: options.index.resolveRule }
      : ctx;
  for (const s of orderNvSets(sets, options)) {
    if (!s.rules.every((r) => evaluateRule(r, c))) continue;
    for (const p of s.nvpairs) {
      const r = p.idRef === undefined ? p : options.index?.resolveNvPair(p);
      if (r?.name === undefined || r.value === undefined) continue;
      if (!out.has(r.name)) out.set(r.name, r.value);
    }
  }
  return out;
}
