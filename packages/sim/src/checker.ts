import type { Entry, RawNode, SoftState } from '@vigil/raft';

/** FNV-1a, continued from `h`, over a 32-bit number. */
function mix(h: number, v: number): number {
  for (let i = 0; i < 4; i++) {
    h ^= (v >>> (8 * i)) & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The state machine's running digest after applying `e` on top of `h`. */
export function chainHash(h: number, e: Entry): number {
  h = mix(h, e.index);
  h = mix(h, e.term);
  if (e.kind === 'normal') {
    h = mix(h, 0);
    for (const b of e.data) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  } else {
    h = mix(h, e.change.type.length);
    for (let i = 0; i < e.change.id.length; i++)
      h = Math.imul(h ^ e.change.id.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}

export const INITIAL_HASH = 0x811c9dc5;

/**
 * Safety invariants, checked as the simulation runs:
 * - at most one leader per term (election safety);
 * - every node applies the same entry at each index, proven by a digest of the whole applied
 *   prefix (state machine safety: committed entries never change or disappear);
 * - a new leader holds every entry any node has applied (leader completeness);
 * - two logs that agree on an entry's term agree on everything before it (log matching);
 * - a read-index answer covers everything committed before the read began (linearizable reads).
 */
export class Checker {
  readonly violations: string[] = [];
  private readonly leaderOfTerm = new Map<number, string>();
  /** Digest of the applied prefix ending at each index, and the term of that entry. */
  private readonly chain = new Map<number, { hash: number; term: number }>();
  maxApplied = 0;

  constructor(private readonly onViolation: (v: string) => void = () => undefined) {}

  fail(v: string): void {
    if (this.violations.length < 100) this.violations.push(v);
    this.onViolation(v);
  }

  onSoftState(id: string, s: SoftState, node: RawNode): void {
    if (s.role !== 'leader') return;
    const prev = this.leaderOfTerm.get(s.term);
    if (prev !== undefined && prev !== id)
      this.fail(`two leaders in term ${s.term}: ${prev} and ${id}`);
    this.leaderOfTerm.set(s.term, id);
    const st = node.status();
    if (st.lastIndex < this.maxApplied) {
      this.fail(
        `leader ${id} (term ${s.term}) lacks committed entries: last ${st.lastIndex} < applied ${this.maxApplied}`,
      );
      return;
    }
    for (let i = Math.max(st.firstIndex, 1); i <= this.maxApplied; i++) {
      const e = node.entryAt(i);
      const c = this.chain.get(i);
      if (e && c && e.term !== c.term) {
        this.fail(
          `leader ${id} (term ${s.term}) has term ${e.term} at committed index ${i}, expected ${c.term}`,
        );
        return;
      }
    }
  }

  /** A node applied an entry (or installed a snapshot) reaching digest `hash` at `index`. */
  onApplied(id: string, index: number, term: number, hash: number): void {
    const c = this.chain.get(index);
    if (c === undefined) {
      if (term >= 0) this.chain.set(index, { hash, term });
    } else if (c.hash !== hash) {
      this.fail(
        `${id} applied a different history at index ${index} (digest ${hash} vs ${c.hash})`,
      );
    }
    if (index > this.maxApplied) this.maxApplied = index;
  }

  knownTerm(index: number): number | undefined {
    return this.chain.get(index)?.term;
  }

  /** Log matching between two live nodes' in-memory logs. */
  checkLogMatching(aId: string, a: RawNode, bId: string, b: RawNode): void {
    const sa = a.status();
    const sb = b.status();
    const lo = Math.max(sa.firstIndex, sb.firstIndex);
    const hi = Math.min(sa.lastIndex, sb.lastIndex);
    let agreed = false;
    for (let i = hi; i >= lo; i--) {
      const ea = a.entryAt(i);
      const eb = b.entryAt(i);
      if (!ea || !eb) continue;
      if (ea.term === eb.term) {
        if (!sameEntry(ea, eb)) {
          this.fail(
            `log matching: ${aId} and ${bId} hold different entries at ${i} in term ${ea.term}`,
          );
          return;
        }
        agreed = true;
      } else if (agreed) {
        this.fail(`log matching: ${aId} and ${bId} agree at a later index but differ at ${i}`);
        return;
      }
    }
  }
}

function sameEntry(a: Entry, b: Entry): boolean {
  if (a.kind === 'normal' && b.kind === 'normal') {
    if (a.data.length !== b.data.length) return false;
    for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
    return true;
  }
  if (a.kind === 'conf' && b.kind === 'conf')
    return a.change.type === b.change.type && a.change.id === b.change.id;
  return false;
}
