import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ticker } from '../src/ticker.js';
import { ManualClock } from './manual-clock.js';

/** A wall clock with whole milliseconds only, as `Date.now()`. */
class WholeMsWallClock extends ManualClock {
  override wallMs(): number {
    return Math.floor(super.wallMs());
  }
}

function run(batch: () => number) {
  const clock = new WholeMsWallClock(1000);
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
    clock.advanceTo(2000);
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
    clock.advanceTo(11_000);
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
    clock.advanceTo(1500);
    allowed = 1;
    const before = ticks.length;
    clock.advanceTo(1700);
    assert.ok(
      ticks.slice(before + 1).every((n) => n === 1),
      ticks.slice(before).join(','),
    );
  });

  it('a stalled process gets at most one tick beyond its batch, not the backlog', () => {
    const { clock, ticks } = run(() => 1);
    clock.advanceTo(1500);
    const before = ticks.length;
    clock.advanceTo(4000, 2000);
    assert.ok(Math.max(...ticks.slice(before)) <= 2, ticks.slice(before).join(','));
  });

  it('rounds fall on multiples of the period of wall time, whatever the monotonic origin', () => {
    // Two nodes: different monotonic origins and start times, one wall clock (NTP).
    const walls: number[][] = [];
    for (const [offset, start] of [
      [1_700_000_000_000.37, 1000],
      [1_700_000_000_000.37 - 5123.61, 6123.61 + 77],
    ] as const) {
      const clock = new WholeMsWallClock(start);
      clock.wallOffsetMs = offset;
      const rounds: number[] = [];
      const t = new Ticker(clock, 200, 25, {
        round: () => rounds.push(clock.wallMs()),
        ticks: () => undefined,
        batch: () => 8,
      });
      t.start();
      clock.advanceTo(start + 5000, 0.4);
      walls.push(rounds.slice(2));
    }
    for (const w of walls)
      assert.ok(
        w.every((x) => x % 200 <= 2),
        `rounds off the wall-clock phase: ${w.map((x) => x % 200).join(',')}`,
      );
    assert.ok(
      walls[0]!.some((x) => walls[1]!.includes(x)),
      'the two nodes share round times',
    );
  });

  it('batches of ticks end on rounds, so a leader heartbeat rides the round (late timers, whole-ms wall clock)', () => {
    const clock = new WholeMsWallClock(1000);
    clock.wallOffsetMs = 1_700_000_000_000.45;
    const events: string[] = [];
    const t = new Ticker(clock, 200, 25, {
      round: () => events.push('R'),
      ticks: (n) => events.push(`T${n}`),
      batch: () => 8,
    });
    t.start();
    clock.advanceTo(11_000, 0.3);
    const steady = events.slice(events.indexOf('T8')).join(' ');
    // Once the ticks are on the rounds' grid, every wake-up is a batch of 8 ticks and its round.
    assert.match(steady, /^(T8 R ?)+$/, steady);
    assert.ok(clock.wakeups <= 57, `${clock.wakeups} wake-ups for 10 s of 200 ms rounds`);
  });

  it('replan takes a larger batch at once (a follower heard its leader)', () => {
    let allowed = 2;
    const { clock, ticks, t } = run(() => allowed);
    clock.advanceTo(1500);
    const before = clock.wakeups;
    allowed = 4;
    t.replan();
    clock.advanceTo(2500);
    assert.ok(
      ticks.slice(-10).every((n) => n === 4),
      ticks.slice(-10).join(','),
    );
    assert.ok(
      clock.wakeups - before <= 21,
      `${clock.wakeups - before} wake-ups in 1 s of 50 ms rounds`,
    );
  });

  it('close stops every wake-up', () => {
    const { clock, ticks, t } = run(() => 1);
    clock.advanceTo(1100);
    t.close();
    const n = ticks.length;
    clock.advanceTo(5000);
    assert.equal(ticks.length, n);
  });
});
