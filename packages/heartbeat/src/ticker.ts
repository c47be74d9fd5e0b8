import type { Clock, TimerHandle } from '@vigil/base';

export interface TickerHooks {
  /** A heartbeat round, due at `dueMs`. */
  readonly round: (dueMs: number) => void;
  /** `n` Raft ticks are due now. */
  readonly ticks: (n: number) => void;
  /**
   * How many Raft ticks may be delivered at once next time without stepping over a timeout the
   * core might reach in between (1 = every tick on time).
   */
  readonly batch: () => number;
}

/**
 * One timer for the node's periodic work: heartbeat rounds every `roundMs`, and Raft ticks every
 * `tickMs`, delivered in batches when `batch` allows (a leader between its heartbeats, a
 * follower far from its election timeout). Rounds and batches share wake-ups when they fall
 * together (a batch of 4 ticks of 25 ms lands on every other 50 ms round), so an idle node
 * wakes about once per heartbeat round instead of once per tick and per round.
 *
 * Ticks are counted from elapsed time: after a stall (the process was stopped or starved) at
 * most one tick beyond the batch is delivered; the rest are dropped, not caught up.
 */
export class Ticker {
  private timer: TimerHandle | undefined;
  private nextRoundMs: number;
  private tickBaseMs: number;
  private nextTickMs: number;
  private plannedBatch = 1;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly roundMs: number,
    private readonly tickMs: number,
    private readonly hooks: TickerHooks,
  ) {
    const now = clock.monotonicMs();
    this.nextRoundMs = now + roundMs;
    this.tickBaseMs = now;
    this.nextTickMs = now + tickMs;
  }

  start(): void {
    this.arm(this.clock.monotonicMs());
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Timers may fire up to 1 ms early against the monotonic clock; this much early is on time. */
  private static readonly SLACK_MS = 1;

  private wake(): void {
    this.timer = undefined;
    if (this.closed) return;
    const now = this.clock.monotonicMs();
    if (now + Ticker.SLACK_MS >= this.nextTickMs) this.deliverTicks(now);
    if (now + Ticker.SLACK_MS >= this.nextRoundMs) {
      const due = this.nextRoundMs;
      // A late round starts the next period from now: no burst of rounds after a stall.
      this.nextRoundMs = Math.max(due + this.roundMs, now + this.roundMs / 2);
      this.hooks.round(due);
    }
    this.arm(this.clock.monotonicMs());
  }

  private deliverTicks(now: number): void {
    const elapsed = Math.floor((now + Ticker.SLACK_MS - this.tickBaseMs) / this.tickMs);
    const n = Math.min(elapsed, this.plannedBatch + 1);
    this.tickBaseMs = n < elapsed ? now : this.tickBaseMs + n * this.tickMs;
    if (n > 0) this.hooks.ticks(n);
    this.plannedBatch = this.aligned(Math.max(1, Math.floor(this.hooks.batch())));
    this.nextTickMs = this.tickBaseMs + this.plannedBatch * this.tickMs;
  }

  /** The largest batch up to `max` that ends on a round's wake-up, or `max` if none does. */
  private aligned(max: number): number {
    for (let b = max; b > 1; b--) {
      const off = (this.tickBaseMs + b * this.tickMs - this.nextRoundMs) % this.roundMs;
      const d = off < 0 ? off + this.roundMs : off;
      if (d <= Ticker.SLACK_MS || this.roundMs - d <= Ticker.SLACK_MS) return b;
    }
    return max;
  }

  private arm(now: number): void {
    if (this.closed) return; // a hook may have closed the node
    const at = Math.min(this.nextRoundMs, this.nextTickMs);
    this.timer = this.clock.setTimer(Math.max(0, Math.ceil(at - now)), () => this.wake());
  }
}
