import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_DETECTOR,
  FailureDetector,
  quorumOf,
  type DetectorEvent,
} from '@vigil/heartbeat/core';

const TICK_MS = 10;

/** Drives a detector: heartbeats from `peer` on the given links every interval, ticks every 10 ms. */
function drive(
  fd: FailureDetector,
  fromMs: number,
  toMs: number,
  beats: (t: number) => { peer: string; link: number }[],
): DetectorEvent[] {
  const out: DetectorEvent[] = [];
  for (let t = fromMs; t < toMs; t += TICK_MS) {
    for (const b of beats(t)) out.push(...fd.heartbeat(b.peer, b.link, t));
    out.push(...fd.tick(t));
  }
  return out;
}

describe('FailureDetector', () => {
  it('brings a peer up on its first heartbeat and detects silence within [floor, ceiling]', () => {
    const fd = new FailureDetector(DEFAULT_DETECTOR, [{ id: 'b', links: 1 }]);
    const every50 = (t: number) => (t % 50 === 0 ? [{ peer: 'b', link: 0 }] : []);
    const ev = drive(fd, 0, 5000, every50);
    assert.deepEqual(
      ev.map((e) => `${e.kind}:${'up' in e ? e.up : ''}`),
      ['link:true', 'member:true'],
    );
    const down = drive(fd, 5000, 8000, () => []);
    const linkDown = down.find((e) => e.kind === 'link');
    assert.ok(linkDown?.kind === 'link' && !linkDown.up);
    assert.ok(linkDown.silentMs >= DEFAULT_DETECTOR.floorMs, `${linkDown.silentMs}`);
    assert.ok(linkDown.silentMs <= DEFAULT_DETECTOR.ceilingMs + TICK_MS);
    assert.ok(
      down.some((e) => e.kind === 'late'),
      'a late warning precedes the verdict',
    );
    const lateIdx = down.findIndex((e) => e.kind === 'late');
    assert.ok(lateIdx < down.indexOf(linkDown));
    assert.ok(down.some((e) => e.kind === 'member' && !e.up));
    assert.equal(fd.isMember('b'), false);
  });

  it('losing one of two links is a link event, not a membership change', () => {
    const fd = new FailureDetector(DEFAULT_DETECTOR, [{ id: 'b', links: 2 }]);
    const both = (t: number) => (t % 50 === 0 ? [0, 1].map((link) => ({ peer: 'b', link })) : []);
    drive(fd, 0, 3000, both);
    const onlyLink1 = (t: number) => (t % 50 === 0 ? [{ peer: 'b', link: 1 }] : []);
    const ev = drive(fd, 3000, 6000, onlyLink1);
    assert.deepEqual(
      ev
        .filter((e) => e.kind !== 'late')
        .map((e) => JSON.stringify([e.kind, 'link' in e ? e.link : -1, 'up' in e ? e.up : null])),
      [JSON.stringify(['link', 0, false])],
    );
    assert.equal(fd.isMember('b'), true);
    assert.equal(fd.linkState('b', 0), 'down');
    // The link comes back: a link-up event, still no membership change.
    const back = drive(fd, 6000, 6100, both);
    assert.deepEqual(
      back.map((e) => e.kind),
      ['link'],
    );
  });

  it('forgives silence the detector slept through (its own process stalled)', () => {
    const fd = new FailureDetector(DEFAULT_DETECTOR, [{ id: 'b', links: 1 }]);
    drive(fd, 0, 2000, (t) => (t % 50 === 0 ? [{ peer: 'b', link: 0 }] : []));
    // No tick for 2 s (SIGSTOP), then a tick before the queued packets are read.
    const ev = fd.tick(4000);
    assert.deepEqual(ev, []);
    assert.equal(fd.stallCount, 1);
    assert.deepEqual(fd.heartbeat('b', 0, 4001), []);
    assert.equal(fd.isMember('b'), true);
  });

  it('warns of a late heartbeat no earlier than warnFloorMs of silence (warntime), then declares it down', () => {
    for (const warnFloorMs of [300, 400]) {
      const cfg = { ...DEFAULT_DETECTOR, intervalMs: 100, floorMs: 450, warnFloorMs };
      const fd = new FailureDetector(cfg, [{ id: 'b', links: 1 }]);
      for (let t = 0; t <= 3000; t += 100) {
        fd.heartbeat('b', 0, t);
        fd.tick(t, t);
      }
      let lateAt: number | undefined;
      for (let t = 3001; t <= 3600; t += 1) {
        const ev = fd.tick(t, t);
        if (lateAt === undefined && ev.some((e) => e.kind === 'late')) lateAt = t - 3000;
      }
      assert.ok(lateAt !== undefined, `no late warning with warnFloorMs ${warnFloorMs}`);
      assert.ok(
        lateAt >= warnFloorMs && lateAt <= warnFloorMs + 5,
        `late after ${lateAt} ms (warntime ${warnFloorMs})`,
      );
      assert.equal(fd.isMember('b'), false);
    }
  });

  it('a receiver whose ticks are always late still detects a dead peer, only later', () => {
    const fd = new FailureDetector(DEFAULT_DETECTOR, [{ id: 'b', links: 1 }]);
    drive(fd, 0, 2000, (t) => (t % 50 === 0 ? [{ peer: 'b', link: 0 }] : []));
    let downAt = -1;
    for (let t = 2000; t < 20_000 && downAt < 0; t += 60) {
      if (fd.tick(t).some((e) => e.kind === 'member' && !e.up)) downAt = t;
    }
    assert.ok(downAt > 2000, 'detected despite 60 ms tick gaps');
    assert.ok(downAt - 2000 > DEFAULT_DETECTOR.floorMs, 'later than a punctual receiver would');
  });

  it('property: heartbeats with jitter up to 80 ms and delays never cause a false positive', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 50, maxLength: 400 }),
        (jitters) => {
          const fd = new FailureDetector(DEFAULT_DETECTOR, [{ id: 'b', links: 1 }]);
          const arrivals = jitters.map((j, i) => i * 50 + j).sort((x, y) => x - y);
          let k = 0;
          const end = arrivals[arrivals.length - 1]!;
          const ev = drive(fd, 0, end + 1, (t) => {
            const out: { peer: string; link: number }[] = [];
            while (k < arrivals.length && arrivals[k]! <= t) {
              out.push({ peer: 'b', link: 0 });
              k++;
            }
            return out;
          });
          assert.ok(!ev.some((e) => (e.kind === 'link' || e.kind === 'member') && !e.up));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('adapts: a jittery link gets a later deadline than a steady one, within the ceiling', () => {
    const steady = new FailureDetector(DEFAULT_DETECTOR, [{ id: 'b', links: 1 }]);
    drive(steady, 0, 5000, (t) => (t % 50 === 0 ? [{ peer: 'b', link: 0 }] : []));
    const jittery = new FailureDetector(DEFAULT_DETECTOR, [{ id: 'b', links: 1 }]);
    drive(jittery, 0, 5000, (t) =>
      t % 200 === 0 || t % 200 === 20 ? [{ peer: 'b', link: 0 }] : [],
    );
    const d1 = steady.view()[0]!.links[0]!.deadlineMs;
    const d2 = jittery.view()[0]!.links[0]!.deadlineMs;
    assert.ok(d2 > d1, `${d2} > ${d1}`);
    assert.ok(d2 <= DEFAULT_DETECTOR.ceilingMs);
    assert.ok(d1 >= DEFAULT_DETECTOR.floorMs);
  });

  it('nextCheckMs: checking only at the times it names gives the warning, then the verdict on time', () => {
    const fd = new FailureDetector(DEFAULT_DETECTOR, [{ id: 'b', links: 2 }]);
    assert.equal(fd.nextCheckMs(), undefined, 'no link up: nothing to check');
    drive(fd, 0, 3000, (t) => (t % 50 === 0 ? [0, 1].map((link) => ({ peer: 'b', link })) : []));
    const last = 2950;
    // Link 1 goes quiet earlier than link 0: its deadlines come first.
    fd.heartbeat('b', 0, 3000);
    const kinds: string[] = [];
    let t = 3000;
    let downAt = -1;
    for (let i = 0; i < 20 && fd.isMember('b'); i++) {
      const next = fd.nextCheckMs();
      assert.ok(next !== undefined && next > t, `${next} after ${t}`);
      t = next;
      for (const e of fd.tick(t, t)) {
        kinds.push(`${e.kind}${'link' in e ? e.link : ''}`);
        if (e.kind === 'link' && !e.up && e.link === 0) downAt = t;
      }
    }
    // Warnings come about 120 ms into a silence, verdicts at the 400 ms floor.
    assert.deepEqual(kinds, ['late1', 'late0', 'link1', 'link0', 'member']);
    assert.equal(fd.nextCheckMs(), undefined);
    assert.equal(fd.stallCount, 0, 'checks that run when due are no stall');
    const deadline = downAt - 3000;
    assert.ok(deadline >= DEFAULT_DETECTOR.floorMs && deadline <= DEFAULT_DETECTOR.floorMs + 1);
    assert.ok(last + DEFAULT_DETECTOR.floorMs < downAt);
  });

  it('a check that runs long after it was due is a stall and forgiven; one on time is not', () => {
    const fd = new FailureDetector(DEFAULT_DETECTOR, [{ id: 'b', links: 1 }]);
    for (let t = 0; t <= 2000; t += 50) {
      fd.heartbeat('b', 0, t);
      assert.deepEqual(fd.tick(t + 1, t + 1), []);
    }
    assert.equal(fd.stallCount, 0, '50 ms between checks due 50 ms apart');
    // Due at 2051, run at 4000 (SIGSTOP): no verdict before the queued packets are read.
    assert.deepEqual(fd.tick(4000, 2051), []);
    assert.equal(fd.stallCount, 1);
    assert.deepEqual(fd.heartbeat('b', 0, 4001), []);
    assert.equal(fd.isMember('b'), true);
  });

  it('refuses an inconsistent configuration', () => {
    assert.throws(
      () => new FailureDetector({ ...DEFAULT_DETECTOR, floorMs: 5000 }, []),
      /floorMs must not exceed ceilingMs/,
    );
  });
});

describe('quorumOf', () => {
  it('counts voters and witnesses, not learners; needs a strict majority', () => {
    const members = [
      { id: 'a', role: 'voter' as const },
      { id: 'b', role: 'voter' as const },
      { id: 'w', role: 'witness' as const },
      { id: 'l', role: 'learner' as const },
    ];
    const q = (live: string[]) => quorumOf(members, (id) => live.includes(id));
    assert.equal(q(['a', 'w']).hasQuorum, true);
    assert.equal(q(['a', 'l']).hasQuorum, false);
    assert.equal(q(['a', 'b', 'w']).votes, 3);
    assert.equal(q([]).needed, 2);
    assert.equal(quorumOf([], () => true).hasQuorum, false);
    fc.assert(
      fc.property(fc.subarray(['a', 'b', 'c', 'd', 'e']), (live) => {
        const five = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, role: 'voter' as const }));
        assert.equal(quorumOf(five, (id) => live.includes(id)).hasQuorum, live.length >= 3);
      }),
    );
  });
});
