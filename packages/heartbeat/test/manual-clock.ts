import type { Clock, TimerHandle } from '@vigil/base';

/**
 * A hand-driven clock for unit tests: timers fire only when the test moves time on, each at its
 * own time, in time order (timers set meanwhile too). Wall time is monotonic time plus
 * `wallOffsetMs`.
 */
export class ManualClock implements Clock {
  wallOffsetMs = 0;
  /** Timers fired so far: each is a wake-up of the code under test. */
  wakeups = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];

  constructor(public now = 0) {}

  wallMs(): number {
    return this.now + this.wallOffsetMs;
  }
  monotonicMs(): number {
    return this.now;
  }
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const t = { at: this.now + delayMs, fn, live: true };
    this.timers.push(t);
    return { cancel: () => (t.live = false) };
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
  /** Timers armed and not yet fired or cancelled. */
  get armed(): number {
    return this.timers.filter((t) => t.live).length;
  }
  /** Runs every timer due up to `toMs`; `lateMs` delays each firing, as a busy process would. */
  advanceTo(toMs: number, lateMs = 0): void {
    for (;;) {
      this.timers = this.timers.filter((t) => t.live);
      const next = this.timers.sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > toMs) break;
      this.now = Math.max(this.now, next.at + lateMs);
      next.live = false;
      this.wakeups++;
      next.fn();
    }
    this.now = Math.max(this.now, toMs);
  }
  /** Moves time on by `ms`. */
  advance(ms: number): void {
    this.advanceTo(this.now + ms);
  }
}
