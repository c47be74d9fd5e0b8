import type { Clock, TimerHandle } from '@vigil/base';
import type { DetectorEvent, FailureDetector } from './core/index.js';

/**
 * Runs the failure detector's checks on its deadlines instead of a fast periodic tick: a check
 * rides on every heartbeat round (`periodic`), and a one-shot timer is armed only when some link
 * would be reported (late, or down) before the next round. At idle, with heartbeats arriving,
 * that timer is never armed, so detection costs no wake-ups of its own; after a crash it fires
 * at the exact deadline, as a 10 ms tick would within 10 ms.
 *
 * Every check passes the detector the time it was due, so a check that ran late because this
 * process stalled is forgiven (see `FailureDetector.tick`).
 */
export class DetectorChecks {
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private nextRoundMs = Infinity;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly fd: FailureDetector,
    private readonly onEvents: (events: DetectorEvent[]) => void,
  ) {}

  /** A heartbeat round's check, due at `dueMs`; the next round is due `periodMs` from now. */
  round(dueMs: number, periodMs: number): void {
    const now = this.clock.monotonicMs();
    this.nextRoundMs = now + periodMs;
    this.check(now, dueMs);
  }

  /**
   * A heartbeat arrived: the deadline the timer waits for may have moved past the next round
   * (heartbeats sent on the same round as ours arrive just after it), and then the timer goes.
   */
  heartbeat(): void {
    if (this.timer === undefined) return;
    const next = this.fd.nextCheckMs();
    if (next !== undefined && next < this.nextRoundMs && next <= this.timerAt) return;
    this.timer.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
    this.arm(this.clock.monotonicMs());
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private check(now: number, dueMs: number): void {
    if (this.closed) return;
    this.onEvents(this.fd.tick(now, dueMs));
    this.arm(now);
  }

  /** Arms the one-shot timer for the detector's next deadline if it comes before the next round. */
  private arm(now: number): void {
    if (this.closed) return;
    const next = this.fd.nextCheckMs();
    if (next === undefined || next >= this.nextRoundMs || next >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = next;
    this.timer = this.clock.setTimer(Math.max(0, Math.ceil(next - now)), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.check(this.clock.monotonicMs(), next);
    });
  }
}
