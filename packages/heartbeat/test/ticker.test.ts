import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock, TimerHandle } from '@vigil/base';
import { Ticker } from '../src/ticker.js';

/** A manual clock: timers fire only when the test advances time. */
class ManualClock implements Clock {
  now = 1000;
  wakeups = 0;
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
  /** Runs every timer due up to `to`, in time order; `late` delays each firing. */
  advance(to: number, late = 0): void {
    for (;;) {
      this.timers = this.timers.filter((t) => t.live);
      const next = this.timers.sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > to) break;
      this.now = Math.max(this.now, next.at + late);
      next.live = false;
      this.wakeups++;
      next.fn();
    }
    this.now = Math.max(this.now, to);
  }
}

function run(batch: () => number) {
  const clock = new ManualClock();
  const rounds: number[] = [];
  const ticks: number[] = [];
  const t = new Ticker(clock, 50, 25, {
    round: (due) => rounds.push(due),
    ticks: (n) => ticks.push(n),
    batch,
  });
  t.start();
  return { clock, rounds, ticks, t };
}

describe('Ticker', () => {
  it('delivers every tick and every round on time; rounds ride on tick wake-ups', () => {
    const { clock, rounds, ticks } = run(() => 1);
    clock.advance(2000);
    assert.equal(
      ticks.reduce((a, b) => a + b, 0),
      40,
    );
    assert.deepEqual(
      rounds,
      Array.from({ length: 20 }, (_, i) => 1050 + 50 * i),
    );
    assert.equal(clock.wakeups, 40, 'one wake-up per tick, none extra for rounds');
  });

  it('batches ticks when allowed: one wake-up per round, the same number of ticks', () => {
    const { clock, rounds, ticks } = run(() => 4);
    clock.advance(11_000);
    const total = ticks.reduce((a, b) => a + b, 0);
    // A batch is delivered when its last tick is due: at most 3 ticks are still to come.
    assert.ok(total >= 397 && total <= 400, `${total} ticks in 10 s of 25 ms`);
    assert.ok(
      ticks.slice(2).every((n) => n === 4),
      ticks.join(','),
    );
    assert.equal(rounds.length, 200);
    assert.ok(clock.wakeups <= 201, `${clock.wakeups} wake-ups for 200 rounds`);
  });

  it('goes back to single ticks as soon as the batch allows no more', () => {
    let allowed = 4;
    const { clock, ticks } = run(() => allowed);
    clock.advance(1500);
    allowed = 1;
    const before = ticks.length;
    clock.advance(1700);
    assert.ok(
      ticks.slice(before + 1).every((n) => n === 1),
      ticks.slice(before).join(','),
    );
  });

  it('a stalled process gets at most one tick beyond its batch, not the backlog', () => {
    const { clock, ticks } = run(() => 1);
    clock.advance(1500);
    const before = ticks.length;
    clock.advance(4000, 2000);
    assert.ok(Math.max(...ticks.slice(before)) <= 2, ticks.slice(before).join(','));
  });

  it('close stops every wake-up', () => {
    const { clock, ticks, t } = run(() => 1);
    clock.advance(1100);
    t.close();
    const n = ticks.length;
    clock.advance(5000);
    assert.equal(ticks.length, n);
  });
});
