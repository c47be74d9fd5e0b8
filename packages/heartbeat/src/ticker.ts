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
 *
 * Rounds fall on multiples of `roundMs` of wall-clock time (the time only sets the phase; every
 * delay is measured on the monotonic clock). Nodes whose clocks agree to within a millisecond or
 * so (NTP) then send their rounds together, and each one's peers' packets arrive while it is
 * still awake from its own round: a node sleeps and wakes about once per round instead of once
 * per peer and per round. Wake-ups, not bytes, are what an idle node's CPU is made of. Clocks
 * that disagree only cost those extra wake-ups back; nothing depends on the phase.
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
    this.nextRoundMs = now + this.untilPhase();
    this.tickBaseMs = this.gridAtOrBefore(now);
    this.nextTickMs = this.tickBaseMs + tickMs;
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
  /** How far the rounds may drift from the wall-clock phase before they are moved back to it. */
  private static readonly PHASE_SLACK_MS = 3;

  private wake(): void {
    this.timer = undefined;
    if (this.closed) return;
    const now = this.clock.monotonicMs();
    if (now + Ticker.SLACK_MS >= this.nextTickMs) this.deliverTicks(now);
    if (now + Ticker.SLACK_MS >= this.nextRoundMs) {
      const due = this.nextRoundMs;
      // Rounds stay exactly one period apart on the monotonic clock while that agrees with the
      // wall-clock phase to within PHASE_SLACK_MS (the wall clock has whole ms only); otherwise
      // (a stall, a stepped or slewed wall clock) they move to the next phase at least half a
      // period away, without a burst of rounds to catch up, and the ticks move with them.
      const byGrid = due + this.roundMs;
      const byPhase = now + this.untilPhase();
      if (Math.abs(byPhase - byGrid) <= Ticker.PHASE_SLACK_MS) this.nextRoundMs = byGrid;
      else {
        this.nextRoundMs = byPhase;
        this.tickBaseMs = this.gridAtOrBefore(this.tickBaseMs);
        this.nextTickMs = this.tickBaseMs + this.plannedBatch * this.tickMs;
      }
      this.hooks.round(due);
    }
    this.arm(this.clock.monotonicMs());
  }

  /**
   * Plans the next batch of ticks again, now: what `batch` answers has changed (a message from
   * the leader moved a follower's election timeout away, or the role changed).
   */
  replan(): void {
    if (this.closed) return;
    const b = this.aligned(Math.max(1, Math.floor(this.hooks.batch())));
    if (b === this.plannedBatch) return;
    this.plannedBatch = b;
    this.nextTickMs = this.tickBaseMs + b * this.tickMs;
    this.timer?.cancel();
    this.arm(this.clock.monotonicMs());
  }

  private deliverTicks(now: number): void {
    const elapsed = Math.floor((now + Ticker.SLACK_MS - this.tickBaseMs) / this.tickMs);
    const n = Math.min(elapsed, this.plannedBatch + 1);
    this.tickBaseMs = n < elapsed ? this.gridAtOrBefore(now) : this.tickBaseMs + n * this.tickMs;
    if (n > 0) this.hooks.ticks(n);
    this.plannedBatch = this.aligned(Math.max(1, Math.floor(this.hooks.batch())));
    this.nextTickMs = this.tickBaseMs + this.plannedBatch * this.tickMs;
  }

  /**
   * The latest point at or before `t` of the tick grid that passes through the next round, so
   * that batches of ticks can end exactly on rounds (when `roundMs` is a multiple of `tickMs`).
   */
  private gridAtOrBefore(t: number): number {
    const k = (this.nextRoundMs - t) / this.tickMs;
    // On the grid already, up to float rounding: wall times near 1.7e12 ms carry ~1e-4 ms.
    if (Math.abs(k - Math.round(k)) * this.tickMs < 0.05) return t;
    return this.nextRoundMs - Math.ceil(k) * this.tickMs;
  }

  /** Delay from now to the next multiple of `roundMs` of wall time at least half a round away. */
  private untilPhase(): number {
    const wall = this.clock.wallMs();
    const off = wall % this.roundMs;
    const d = this.roundMs - (off < 0 ? off + this.roundMs : off);
    return d < this.roundMs / 2 ? d + this.roundMs : d;
  }

  /** The largest batch up to `max` that ends on a round's wake-up, or `max` if none does. */
  private aligned(max: number): number {
    for (let b = max; b >= 1; b--) {
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
