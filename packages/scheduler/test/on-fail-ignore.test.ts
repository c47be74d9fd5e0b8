/**
 * on-fail=ignore: the failure is pretended away, and so is its failcount.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lines, op, prim, probedStopped, run, type CibSpec } from './fixture.js';

describe('on-fail=ignore', () => {
  // A's monitor on n1 found it not running (its last failure), then passed again; the failcount
  // (2) has reached migration-threshold (2).
  const mon = { op: 'monitor', intervalMs: 10000, call: 3, key: 'A_monitor_10000' };
  const spec = (onFail: string): CibSpec => ({
    nodes: [
      {
        name: 'n1',
        transient: { 'fail-count-A#monitor_10000': '2' },
        history: {
          A: [
            op('A', { op: 'start', call: 2 }),
            op('A', { ...mon, id: 'A_monitor_10000' }),
            op('A', { ...mon, id: 'A_last_failure_0', rc: 7 }),
          ],
        },
      },
      { name: 'n2', history: { A: probedStopped('A') } },
    ],
    resources: prim(
      'A',
      { 'migration-threshold': '2' },
      `<op id="A-mon" name="monitor" interval="10s"${onFail === '' ? '' : ` on-fail="${onFail}"`}/>`,
    ),
  });

  // (Without on-fail=ignore, the failcount alone would ban n1: see failureBan.)
  it('the resource stays: neither the failure nor its failcount count', () => {
    assert.deepEqual(run(spec('ignore')), lines());
  });
});
