import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeDisk } from '@vigil/base/real';
import { RaftStorage, type Entry, type HardState, type Ready, type Snapshot } from '@vigil/raft';
import { voters } from './helpers.js';

const disk = new NodeDisk();

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-raft-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const entry = (index: number, term: number, text = `e${index}`): Entry => ({
  kind: 'normal',
  term,
  index,
  data: new TextEncoder().encode(text),
});

function ready(p: { entries?: Entry[]; hardState?: HardState; snapshot?: Snapshot }): Ready {
  return {
    entries: p.entries ?? [],
    committedEntries: [],
    messages: [],
    readStates: [],
    mustSync: true,
    ...(p.hardState ? { hardState: p.hardState } : {}),
    ...(p.snapshot ? { snapshot: p.snapshot } : {}),
  };
}

const range = (lo: number, hi: number, term: number): Entry[] =>
  Array.from({ length: hi - lo + 1 }, (_, i) => entry(lo + i, term));

/** A deterministic PRNG for choosing offsets (tests may not use Math.random either). */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

describe('raft storage on the real disk', () => {
  it('replays entries and hard state; a later entry replaces the suffix from its index', async () => {
    await withDir(async (dir) => {
      const s = await RaftStorage.open(disk, dir);
      assert.deepEqual(s.state, {
        hardState: { term: 0, vote: null, commit: 0 },
        snapshot: undefined,
        entries: [],
      });
      await s.persist(
        ready({ entries: range(1, 5, 1), hardState: { term: 1, vote: 'a', commit: 2 } }),
      );
      await s.persist(
        ready({ entries: [entry(4, 2, 'new4')], hardState: { term: 2, vote: null, commit: 3 } }),
      );
      const again = await RaftStorage.open(disk, dir);
      assert.deepEqual(again.state.hardState, { term: 2, vote: null, commit: 3 });
      assert.deepEqual(again.state.entries, [...range(1, 3, 1), entry(4, 2, 'new4')]);
      assert.equal(again.report.truncatedBytes, 0);
      const mode = (await stat(join(dir, (await readdir(dir))[0]!))).mode;
      assert.equal(mode & 0o077, 0, 'log files are private');
    });
  });

  it('rolls segments and drops those a snapshot covers', async () => {
    await withDir(async (dir) => {
      const s = await RaftStorage.open(disk, dir, { maxSegmentBytes: 512 });
      for (let i = 1; i <= 60; i++)
        await s.persist(
          ready({ entries: [entry(i, 1)], hardState: { term: 1, vote: null, commit: i } }),
        );
      const before = (await readdir(dir)).filter((n) => n.endsWith('.seg')).length;
      assert.ok(before > 3, `${before} segments`);
      const snap: Snapshot = {
        index: 50,
        term: 1,
        membership: voters('a', 'b'),
        data: new Uint8Array([9, 9]),
      };
      await s.saveSnapshot(snap);
      const after = (await readdir(dir)).filter((n) => n.endsWith('.seg')).length;
      assert.ok(after < before, `${after} < ${before}`);
      const again = await RaftStorage.open(disk, dir, { maxSegmentBytes: 512 });
      assert.deepEqual(again.state.snapshot, snap);
      assert.deepEqual(again.state.entries, range(51, 60, 1));
      assert.equal(again.state.hardState.commit, 60);
    });
  });

  it('an installed snapshot replaces the log, even when the crash came before its log marker', async () => {
    await withDir(async (dir) => {
      const s = await RaftStorage.open(disk, dir);
      await s.persist(
        ready({ entries: range(1, 8, 1), hardState: { term: 1, vote: null, commit: 2 } }),
      );
      const seg = join(
        dir,
        (await readdir(dir)).find((n) => n.endsWith('.seg'))!,
      );
      const sizeBefore = (await stat(seg)).size;
      const snap: Snapshot = {
        index: 20,
        term: 3,
        membership: voters('a'),
        data: new Uint8Array([1]),
      };
      await s.persist(ready({ snapshot: snap, hardState: { term: 3, vote: null, commit: 20 } }));
      await s.persist(ready({ entries: range(21, 22, 3) }));
      const a = await RaftStorage.open(disk, dir);
      assert.deepEqual(a.state.entries, range(21, 22, 3));
      // Crash before the marker: the log still ends with the old entries.
      await truncate(seg, sizeBefore);
      const b = await RaftStorage.open(disk, dir);
      assert.deepEqual(b.state.snapshot, snap);
      assert.deepEqual(b.state.entries, []);
    });
  });

  it('a torn tail at any offset is detected and truncated; what remains is a prefix', async () => {
    await withDir(async (dir) => {
      const s = await RaftStorage.open(disk, dir);
      const all = range(1, 30, 1);
      for (const e of all) await s.persist(ready({ entries: [e] }));
      const seg = join(
        dir,
        (await readdir(dir)).find((n) => n.endsWith('.seg'))!,
      );
      const full = await readFile(seg);
      const pick = rng(7);
      for (let trial = 0; trial < 40; trial++) {
        const cut = trial === 0 ? full.length - 1 : pick(full.length);
        await writeFile(seg, full.subarray(0, cut));
        const r = await RaftStorage.open(disk, dir);
        const got = r.state.entries;
        assert.deepEqual(got, all.slice(0, got.length), `cut at ${cut}`);
        assert.ok(
          r.report.truncatedBytes < 60,
          `cut at ${cut}: dropped ${r.report.truncatedBytes}`,
        );
        assert.equal(
          (await stat(seg)).size,
          cut - r.report.truncatedBytes,
          'the torn bytes are gone from the file',
        );
        const clean = await RaftStorage.open(disk, dir);
        assert.equal(clean.report.truncatedBytes, 0);
        assert.deepEqual(clean.state.entries, got);
      }
    });
  });

  it('a flipped byte in the last segment ends the log just before the damaged record', async () => {
    await withDir(async (dir) => {
      const s = await RaftStorage.open(disk, dir);
      const all = range(1, 30, 1);
      for (const e of all) await s.persist(ready({ entries: [e] }));
      const seg = join(
        dir,
        (await readdir(dir)).find((n) => n.endsWith('.seg'))!,
      );
      const full = await readFile(seg);
      const pick = rng(11);
      for (let trial = 0; trial < 40; trial++) {
        const at = pick(full.length);
        const bad = Buffer.from(full);
        bad[at] = bad[at]! ^ (1 << pick(8));
        await writeFile(seg, bad);
        const r = await RaftStorage.open(disk, dir);
        const got = r.state.entries;
        assert.deepEqual(got, all.slice(0, got.length), `flip at ${at}`);
        assert.ok(r.report.truncatedBytes > 0, `flip at ${at} was noticed`);
        assert.ok(got.length < all.length);
      }
    });
  });

  it('damage outside the tail, or a corrupt snapshot file, is refused with VGL_E_IO', async () => {
    await withDir(async (dir) => {
      const s = await RaftStorage.open(disk, dir, { maxSegmentBytes: 256 });
      for (const e of range(1, 20, 1)) await s.persist(ready({ entries: [e] }));
      const segs = (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
      assert.ok(segs.length >= 3);
      const first = join(dir, segs[0]!);
      const buf = await readFile(first);
      buf[buf.length - 3] = buf[buf.length - 3]! ^ 0xff;
      await writeFile(first, buf);
      await assert.rejects(RaftStorage.open(disk, dir, { maxSegmentBytes: 256 }), {
        code: 'VGL_E_IO',
      });
    });
    await withDir(async (dir) => {
      const s = await RaftStorage.open(disk, dir);
      await s.persist(ready({ entries: range(1, 5, 1) }));
      await s.saveSnapshot({
        index: 3,
        term: 1,
        membership: voters('a'),
        data: new Uint8Array(100),
      });
      const snap = join(
        dir,
        (await readdir(dir)).find((n) => n.endsWith('.snap'))!,
      );
      const buf = await readFile(snap);
      buf[50] = buf[50]! ^ 1;
      await writeFile(snap, buf);
      await assert.rejects(RaftStorage.open(disk, dir), { code: 'VGL_E_IO' });
    });
  });
});
