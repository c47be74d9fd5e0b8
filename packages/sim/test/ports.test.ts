import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RaftStorage, type Entry, type Ready } from '@vigil/raft';
import { SimClock, SimDisk, SimRandom, SimWorld } from '@vigil/sim';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined =>
  b ? new TextDecoder().decode(b) : undefined;

describe('SimRandom', () => {
  it('is a pure function of its seed, and forks are independent streams', () => {
    const a = new SimRandom(42);
    const b = new SimRandom(42);
    const xs = Array.from({ length: 100 }, () => a.u32());
    assert.deepEqual(
      Array.from({ length: 100 }, () => b.u32()),
      xs,
    );
    assert.notDeepEqual(
      Array.from({ length: 100 }, () => new SimRandom(43).u32()),
      xs,
    );
    assert.notEqual(new SimRandom(42).fork('net').u32(), new SimRandom(42).fork('disk').u32());
  });

  it('int, float and bytes stay in range and cover it roughly evenly', () => {
    const r = new SimRandom(7);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const v = r.int(0, 10);
      assert.ok(Number.isInteger(v) && v >= 0 && v < 10);
      counts[v]!++;
      const f = r.float();
      assert.ok(f >= 0 && f < 1);
    }
    for (const c of counts) assert.ok(c > 1700 && c < 2300, `bucket ${c}`);
    assert.equal(r.bytes(33).length, 33);
    assert.throws(() => r.int(5, 5), RangeError);
  });
});

describe('SimClock', () => {
  it('runs timers in virtual time, at each clock own rate', async () => {
    const w = new SimWorld();
    const exact = new SimClock(w, 1);
    const fast = new SimClock(w, 1.25, 100);
    const fired: string[] = [];
    exact.setTimer(100, () => {
      fired.push(`exact@${w.nowMs}`);
    });
    fast.setTimer(100, () => {
      fired.push(`fast@${w.nowMs}`);
    });
    const h = exact.setTimer(50, () => {
      fired.push('cancelled');
    });
    h.cancel();
    void exact.sleep(30).then(() => fired.push(`slept@${w.nowMs}`));
    await w.run(1000);
    assert.deepEqual(fired, ['slept@30', 'fast@80', 'exact@100']);
    assert.equal(fast.monotonicMs(), 100 + 1000 * 1.25);
    assert.equal(exact.wallMs() - exact.monotonicMs(), 1_700_000_000_000);
  });
});

describe('SimDisk', () => {
  it('a crash keeps synced content and durable names, drops the rest', async () => {
    const d = new SimDisk();
    await d.mkdirp('/x');
    await d.write('/x/a', enc('synced'));
    await d.sync('/x/a');
    await d.syncDir('/x');
    await d.append('/x/a', enc('+lost'));
    await d.write('/x/b', enc('never synced'));
    await d.sync('/x/b'); // content synced, but its name never was
    await d.write('/x/c.tmp', enc('renamed'));
    await d.sync('/x/c.tmp');
    await d.rename('/x/c.tmp', '/x/c');
    assert.equal(dec(await d.read('/x/c')), 'renamed');
    // Always drop torn tails for this check: a seed whose first draw says "no tear".
    let seed = 0;
    while (new SimRandom(seed).float() < 0.5) seed++;
    d.crash(new SimRandom(seed));
    assert.equal(dec(await d.read('/x/a')), 'synced');
    assert.equal(await d.read('/x/b'), undefined);
    assert.equal(await d.read('/x/c'), undefined);
    assert.deepEqual(await d.list('/x'), ['a']);
  });

  it('a crash may tear an unsynced append at any byte, never beyond what was written', async () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const d = new SimDisk();
      await d.mkdirp('/x');
      await d.write('/x/log', enc('base'));
      await d.sync('/x/log');
      await d.syncDir('/x');
      await d.append('/x/log', enc('0123456789'));
      d.crash(new SimRandom(seed));
      const got = (await d.read('/x/log'))!;
      assert.ok(got.length >= 4 && got.length <= 14);
      assert.equal(dec(got.subarray(0, 4)), 'base');
      seen.add(got.length);
    }
    assert.ok(seen.size >= 8, `tears at ${[...seen].join(',')}`);
  });

  it('an armed crash point throws before the operation takes effect', async () => {
    const d = new SimDisk();
    await d.mkdirp('/x');
    d.armCrash(1);
    await d.write('/x/a', enc('one'));
    await assert.rejects(d.sync('/x/a'), { name: 'SimCrash' });
    await d.sync('/x/a');
  });

  it('RaftStorage on SimDisk: whatever the crash point, synced state survives and the rest is a clean prefix', async () => {
    const entry = (i: number): Entry => ({ kind: 'normal', term: 1, index: i, data: enc(`e${i}`) });
    for (let seed = 0; seed < 60; seed++) {
      const d = new SimDisk();
      const rng = new SimRandom(seed);
      let s = await RaftStorage.open(d, '/r', { maxSegmentBytes: 300 });
      let durable = 0;
      let written = 0;
      d.armCrash(rng.int(0, 120));
      try {
        for (let i = 1; i <= 40; i++) {
          const sync = rng.chance(0.5);
          const rd: Ready = {
            entries: [entry(i)],
            committedEntries: [],
            messages: [],
            readStates: [],
            mustSync: sync,
            hardState: { term: 1, vote: null, commit: i },
          };
          await s.persist(rd);
          written = i;
          if (sync) durable = i;
        }
      } catch (e) {
        assert.equal((e as Error).name, 'SimCrash');
      }
      d.crash(rng);
      s = await RaftStorage.open(d, '/r', { maxSegmentBytes: 300 });
      const got = s.state.entries;
      assert.ok(
        got.length >= durable && got.length <= written + 1,
        `seed ${seed}: ${got.length} vs ${durable}..${written}`,
      );
      got.forEach((e, i) => assert.deepEqual(e, entry(i + 1)));
      assert.ok(s.state.hardState.commit <= got.length + 1);
    }
  });
});
