import { assert } from '@vigil/base';
import type { Entry, Snapshot } from './types.js';

/** Approximate encoded size of an entry, for batching and the uncommitted-bytes bound. */
export function entryBytes(e: Entry): number {
  return e.kind === 'normal' ? 24 + e.data.length : 32 + e.change.id.length;
}

/**
 * The in-memory log: a base (the snapshot's index and term, or 0/0) and the entries after it.
 * `stable` is the last index the shell has persisted; entries after it are handed out in Ready.
 */
export class RaftLog {
  snapshot: Snapshot | undefined;
  baseIndex = 0;
  baseTerm = 0;
  entries: Entry[] = [];
  stable = 0;
  commit = 0;
  /** Last index handed to the application in a Ready (applied once advanced). */
  applying = 0;
  applied = 0;
  /** A snapshot received from the leader, to persist and install in the next Ready. */
  pendingSnapshot: Snapshot | undefined;

  lastIndex(): number {
    return this.baseIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  firstIndex(): number {
    return this.baseIndex + 1;
  }

  /** The term at `i`, or undefined when `i` is compacted away or beyond the log. */
  term(i: number): number | undefined {
    if (i === this.baseIndex) return this.baseTerm;
    if (i < this.baseIndex || i > this.lastIndex()) return undefined;
    return this.entries[i - this.baseIndex - 1]!.term;
  }

  entry(i: number): Entry | undefined {
    if (i <= this.baseIndex || i > this.lastIndex()) return undefined;
    return this.entries[i - this.baseIndex - 1];
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** Raft's election restriction: is (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, hi] with at most `maxBytes` (but at least one entry when lo ≤ hi). */
  slice(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    assert(lo > this.baseIndex, `slice from ${lo} below base ${this.baseIndex}`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i <= Math.min(hi, this.lastIndex()); i++) {
      const e = this.entries[i - this.baseIndex - 1]!;
      bytes += entryBytes(e);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /** Appends entries, replacing any conflicting suffix. Returns the first replaced index or -1. */
  append(es: readonly Entry[]): number {
    if (es.length === 0) return -1;
    const first = es[0]!.index;
    assert(
      first > this.baseIndex && first <= this.lastIndex() + 1,
      `append at ${first} leaves a gap`,
    );
    assert(first > this.commit, `append at ${first} would overwrite committed ${this.commit}`);
    let truncated = -1;
    if (first <= this.lastIndex()) {
      this.entries.length = first - this.baseIndex - 1;
      truncated = first;
      this.stable = Math.min(this.stable, first - 1);
    }
    for (const e of es) this.entries.push(e);
    return truncated;
  }

  /**
   * Follower side of AppendEntries: if the log has (prevIndex, prevTerm), appends the entries
   * that are new (skipping those already present with the same term) and returns the index of
   * the last entry of the request; otherwise undefined. `truncated` reports a replaced suffix.
   */
  maybeAppend(
    prevIndex: number,
    prevTerm: number,
    es: readonly Entry[],
  ): { last: number; truncated: number } | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    let k = 0;
    while (k < es.length) {
      const e = es[k]!;
      if (e.index <= this.baseIndex || this.matchTerm(e.index, e.term)) k++;
      else break;
    }
    const truncated = k < es.length ? this.append(es.slice(k)) : -1;
    return { last: prevIndex + es.length, truncated };
  }

  commitTo(i: number): boolean {
    const target = Math.min(i, this.lastIndex());
    if (target <= this.commit) return false;
    this.commit = target;
    return true;
  }

  /**
   * The last index ≤ `index` whose term is ≤ `term` (the follower's rejection hint: the leader
   * can skip every entry of a term the follower does not share).
   */
  conflictHint(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.baseIndex) {
      const t = this.term(i)!;
      if (t <= term) break;
      i--;
    }
    return i;
  }

  /** Drops entries up to `s.index` (a snapshot of our own applied state). */
  compact(s: Snapshot): void {
    assert(s.index > this.baseIndex && s.index <= this.applied, `compact to ${s.index}`);
    this.entries = this.entries.slice(s.index - this.baseIndex);
    this.baseIndex = s.index;
    this.baseTerm = s.term;
    this.snapshot = s;
  }

  /** Replaces the whole log with a snapshot from the leader. */
  restore(s: Snapshot): void {
    this.entries = [];
    this.baseIndex = s.index;
    this.baseTerm = s.term;
    this.snapshot = s;
    this.pendingSnapshot = s;
    this.commit = s.index;
    this.stable = s.index;
    this.applying = Math.max(this.applying, s.index);
  }

  /** Committed entries not yet handed out, at most `maxBytes` (at least one). */
  nextCommitted(maxBytes: number): Entry[] {
    const hi = Math.min(this.commit, this.lastIndex());
    if (this.pendingSnapshot || hi <= this.applying) return [];
    return this.slice(this.applying + 1, hi, maxBytes);
  }
}
