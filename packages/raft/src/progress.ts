import type { MemberRole, NodeId } from './types.js';

/** The leader's view of one peer's replication. */
export class Progress {
  match = 0;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot' = 'probe';
  /** Probe state: one append was sent; wait for a response or heartbeat response. */
  paused = false;
  /** Snapshot state: the snapshot index sent, and ticks since (resent after a timeout). */
  pendingSnapshot = 0;
  snapshotTicks = 0;
  /**
   * Non-zero for a peer removed from the membership: the index of the conf entry that removed
   * it. The leader keeps replicating to it until it has that entry, so it learns it is out.
   */
  removedAt = 0;
  /** Leader ticks since the peer last answered (any response). */
  silentTicks = 0;
  /** Last index of each append in flight, oldest first (replicate state). */
  inflight: number[] = [];

  constructor(
    readonly id: NodeId,
    public role: MemberRole,
    next: number,
  ) {
    this.next = next;
  }

  becomeProbe(): void {
    this.state = 'probe';
    this.paused = false;
    this.inflight = [];
    this.next = Math.max(this.next, this.match + 1);
    if (this.pendingSnapshot > 0) {
      this.next = Math.max(this.match, this.pendingSnapshot) + 1;
      this.pendingSnapshot = 0;
    }
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.paused = false;
    this.inflight = [];
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.inflight = [];
    this.pendingSnapshot = index;
    this.snapshotTicks = 0;
  }

  /** A success response up to `index`. Returns whether it made progress. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.paused = false;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflight.length > 0 && this.inflight[0]! <= index) this.inflight.shift();
    return updated;
  }

  /** A rejection at `rejected` with the follower's hint. Returns false when it is stale. */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1, 1);
    this.paused = false;
    return true;
  }

  isPaused(maxInflight: number): boolean {
    if (this.state === 'probe') return this.paused;
    if (this.state === 'snapshot') return true;
    return this.inflight.length >= maxInflight;
  }
}
