import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DETECTOR, FailureDetector } from '../src/core/index.js';
import { DetectorChecks } from '../src/checks.js';
import { ManualClock } from './manual-clock.js';

describe('DetectorChecks', () => {
  const intervalMs = 200;
  const cfg = { ...DEFAULT_DETECTOR, intervalMs, floorMs: 500, ceilingMs: 2000 };

  function steady(): { clock: ManualClock; fd: FailureDetector; checks: DetectorChecks } {
    const clock = new ManualClock();
    const fd = new FailureDetector(cfg, [{ id: 'b', links: 1 }]);
    const checks = new DetectorChecks(clock, fd, () => undefined);
    // Heartbeats from b arrive 1 ms after each of our rounds, as when both send on one phase.
    for (let t = 0; t <= 4000; t += intervalMs) {
      clock.advanceTo(t);
      checks.round(t, intervalMs);
      clock.advanceTo(t + 1);
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
      clock.advanceTo(t);
      live.round(t, intervalMs);
    }
    assert.ok(events.includes('member:false'), events.join(' '));
    assert.equal(fd.isMember('b'), false);
  });
});
