import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock, TimerHandle } from '@vigil/base';
import { DEFAULT_DETECTOR, FailureDetector } from '../src/core/index.js';
import { DetectorChecks } from '../src/checks.js';

/** Timers fire only when the test advances time; `armed` counts live ones. */
class ManualClock implements Clock {
  now = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  wallMs(): number {
    return this.now;
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
  get armed(): number {
    return this.timers.filter((t) => t.live).length;
  }
  advance(to: number): void {
    for (;;) {
      const next = this.timers.filter((t) => t.live).sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > to) break;
      this.now = next.at;
      next.live = false;
      next.fn();
    }
    this.now = to;
  }
}

describe('DetectorChecks', () => {
  const intervalMs = 200;
  const cfg = { ...DEFAULT_DETECTOR, intervalMs, floorMs: 500, ceilingMs: 2000 };

  function steady(): { clock: ManualClock; fd: FailureDetector; checks: DetectorChecks } {
    const clock = new ManualClock();
    const fd = new FailureDetector(cfg, [{ id: 'b', links: 1 }]);
    const checks = new DetectorChecks(clock, fd, () => undefined);
    // Heartbeats from b arrive 1 ms after each of our rounds, as when both send on one phase.
    for (let t = 0; t <= 4000; t += intervalMs) {
      clock.advance(t);
      checks.round(t, intervalMs);
      clock.advance(t + 1);
      fd.heartbeat('b', 0, t + 1);
      checks.heartbeat();
    }
    return { clock, fd, checks };
  }

  it('a heartbeat that moves the deadline past the next round disarms the timer', () => {
    const { clock } = steady();
    assert.equal(clock.armed, 0, 'no timer waits at idle with heartbeats on time');
  });

  it('still fires at the deadline when the heartbeats stop', () => {
    const { clock, fd, checks } = steady();
    const events: string[] = [];
    const live = new DetectorChecks(clock, fd, (ev) =>
      events.push(...ev.map((e) => `${e.kind}:${'up' in e ? String(e.up) : ''}`)),
    );
    checks.close();
    // b is silent from 4001 on; rounds go on every 200 ms and the deadline timer fills the gaps.
    for (let t = 4200; t <= 5400; t += intervalMs) {
      clock.advance(t);
      live.round(t, intervalMs);
    }
    assert.ok(events.includes('member:false'), events.join(' '));
    assert.equal(fd.isMember('b'), false);
  });
});
