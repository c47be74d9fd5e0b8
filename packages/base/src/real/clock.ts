import { setTimeout as sleepMs } from 'node:timers/promises';
import type { Clock, TimerHandle } from '../ports.js';

/** The real clock: `Date` for wall time, `performance.now()` for monotonic time. */
export class SystemClock implements Clock {
  wallMs(): number {
    return Date.now();
  }

  monotonicMs(): number {
    return performance.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t) };
  }

  sleep(delayMs: number): Promise<void> {
    return sleepMs(delayMs);
  }
}
