// Multiset difference of two Transition Summaries, ignoring whitespace inside lines (the corpus
// runner's rule) and line order.
import { normaliseSummary } from '@vigil/scheduler';

export interface SummaryDiff {
  /** Lines only in the first summary (with multiplicity). */
  readonly onlyA: string[];
  /** Lines only in the second summary (with multiplicity). */
  readonly onlyB: string[];
}

export function summaryDiff(a: readonly string[], b: readonly string[]): SummaryDiff {
  const count = new Map<string, number>();
  const trimmed = (ls: readonly string[]): { norm: string; raw: string }[] => {
    const raws = ls.map((l) => l.trim()).filter((l) => l !== '');
    const norms = normaliseSummary(raws);
    return raws.map((raw, i) => ({ raw, norm: norms[i]! }));
  };
  const la = trimmed(a);
  const lb = trimmed(b);
  for (const l of lb) count.set(l.norm, (count.get(l.norm) ?? 0) + 1);
  const onlyA: string[] = [];
  for (const l of la) {
    const c = count.get(l.norm) ?? 0;
    if (c > 0) count.set(l.norm, c - 1);
    else onlyA.push(l.raw);
  }
  const countA = new Map<string, number>();
  for (const l of la) countA.set(l.norm, (countA.get(l.norm) ?? 0) + 1);
  const onlyB: string[] = [];
  for (const l of lb) {
    const c = countA.get(l.norm) ?? 0;
    if (c > 0) countA.set(l.norm, c - 1);
    else onlyB.push(l.raw);
  }
  return { onlyA, onlyB };
}
