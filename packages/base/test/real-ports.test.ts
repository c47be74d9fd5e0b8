import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeDisk, SystemClock, SystemRandom } from '@vigil/base/real';

describe('real ports', () => {
  it('NodeDisk writes, appends, truncates, syncs, renames and reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-disk-'));
    try {
      const d = new NodeDisk();
      const p = join(dir, 'log');
      assert.equal(await d.read(p), undefined);
      await d.write(p, new TextEncoder().encode('abc'));
      await d.append(p, new TextEncoder().encode('def'));
      await d.sync(p);
      await d.truncate(p, 4);
      assert.equal(new TextDecoder().decode(await d.read(p)), 'abcd');
      await d.writeAtomic(join(dir, 'snap'), new Uint8Array([1, 2, 3]));
      assert.deepEqual([...((await d.read(join(dir, 'snap'))) ?? [])], [1, 2, 3]);
      assert.equal((await stat(join(dir, 'snap'))).mode & 0o077, 0, 'state files are private');
      assert.deepEqual(await d.list(dir), ['log', 'snap']);
      await assert.rejects(d.rename(join(dir, 'nope'), join(dir, 'x')), { code: 'VGL_E_IO' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('SystemClock timers fire and can be cancelled; monotonic time advances', async () => {
    const c = new SystemClock();
    const t0 = c.monotonicMs();
    let fired = 0;
    c.setTimer(5, () => fired++);
    const h = c.setTimer(5, () => (fired += 100));
    h.cancel();
    await c.sleep(30);
    assert.equal(fired, 1);
    assert.ok(c.monotonicMs() > t0);
  });

  it('SystemRandom stays within bounds', () => {
    const r = new SystemRandom();
    for (let i = 0; i < 1000; i++) {
      const v = r.int(3, 7);
      assert.ok(v >= 3 && v < 7);
      const f = r.float();
      assert.ok(f >= 0 && f < 1);
    }
    assert.equal(r.bytes(16).length, 16);
  });
});
