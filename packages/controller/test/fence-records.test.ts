import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_FENCE_RECORDS,
  applyEntry,
  emptyCib,
  isConfigEntry,
  type Cib,
  type FenceRecord,
} from '@vigil/controller';
import { isVigilError } from '@vigil/base';

const meta = (wallMs: number) => ({ who: 'vigild', wallMs, term: 1 });

function record(i: number, over: Partial<FenceRecord> = {}): FenceRecord {
  return {
    target: `n${i % 3}`,
    action: 'reboot',
    ok: i % 2 === 0,
    reason: `request ${i}`,
    devices: i % 2 === 0 ? ['ipmi'] : [],
    attempts: [{ level: 1, device: 'ipmi', ok: i % 2 === 0, reason: 'r' }],
    dc: 'a',
    why: `node n${i % 3} is unclean`,
    startedWallMs: 1000 * i,
    completedWallMs: 1000 * i + 500,
    ...over,
  };
}

describe('fencing history and fence device monitors in the status section', () => {
  it('keeps the newest fencing records, in order, bounded; they are status, not configuration', () => {
    let cib: Cib = emptyCib();
    const n = MAX_FENCE_RECORDS + 7;
    for (let i = 0; i < n; i++)
      cib = applyEntry(cib, { op: 'fence-record', rec: record(i) }, meta(i));
    const kept = cib.status.fencing ?? [];
    assert.equal(kept.length, MAX_FENCE_RECORDS);
    assert.deepEqual(
      kept.map((r) => r.reason),
      Array.from({ length: MAX_FENCE_RECORDS }, (_, k) => `request ${n - MAX_FENCE_RECORDS + k}`),
    );
    assert.deepEqual(kept.at(-1), record(n - 1));
    assert.equal(cib.configVersion, 0);
    assert.equal(cib.history.length, 0);
    assert.equal(isConfigEntry({ op: 'fence-record', rec: record(1) }), false);
  });

  it('refuses a malformed record, changing nothing, and bounds its texts', () => {
    const cib = applyEntry(emptyCib(), { op: 'fence-record', rec: record(0) }, meta(1));
    for (const [over, what] of [
      [{ target: 'bad name' }, /target is not a node name/],
      [{ action: 'explode' }, /action 'explode'/],
      [{ dc: '' }, /dc is not a node name/],
      [{ startedWallMs: Number.NaN }, /startedWallMs/],
      [{ attempts: 'x' as unknown as FenceRecord['attempts'] }, /attempts/],
    ] as const) {
      assert.throws(
        () => applyEntry(cib, { op: 'fence-record', rec: record(2, over) }, meta(2)),
        (e: unknown) => isVigilError(e) && e.code === 'VGL_E_INVALID_INPUT' && what.test(e.message),
      );
    }
    const long = applyEntry(
      cib,
      { op: 'fence-record', rec: record(2, { reason: 'x'.repeat(10_000), why: 'y'.repeat(999) }) },
      meta(2),
    );
    const last = long.status.fencing?.at(-1);
    assert.ok(last !== undefined && last.reason.length <= 512 && last.why.length <= 512);
    assert.ok(last.reason.length > 0);
  });

  it("records a fence device's monitor result with when and which DC found it", () => {
    let cib = emptyCib();
    const set = (ok: boolean, reason: string, wallMs: number, dc = 'a'): void => {
      cib = applyEntry(
        cib,
        { op: 'fence-device-state', device: 'ipmi-a', ok, reason, dc },
        meta(wallMs),
      );
    };
    set(false, 'Failed: Unable to connect', 5000);
    assert.deepEqual(cib.status.fenceDevices?.['ipmi-a'], {
      ok: false,
      reason: 'Failed: Unable to connect',
      sinceWallMs: 5000,
      dc: 'a',
    });
    set(true, '', 9000, 'b');
    const after: Cib = cib;
    assert.deepEqual(after.status.fenceDevices?.['ipmi-a'], {
      ok: true,
      reason: '',
      sinceWallMs: 9000,
      dc: 'b',
    });
    assert.throws(
      () =>
        applyEntry(
          cib,
          { op: 'fence-device-state', device: '', ok: true, reason: '', dc: 'a' },
          meta(1),
        ),
      (e: unknown) => isVigilError(e) && e.code === 'VGL_E_INVALID_INPUT',
    );
    assert.equal(cib.configVersion, 0);
  });
});
