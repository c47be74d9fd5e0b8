import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { group, lines, op, prim, run } from './fixture.js';

describe('operation history', () => {
  it('a recurring monitor that was expected to find the resource stopped, and did, means stopped', () => {
    // B is unmanaged; its monitor (expected rc 7) says it is not running, so it counts as
    // stopped. Being unmanaged it cannot be started, so C, after it in the group, must stop.
    const history = {
      A: [op('A', { op: 'start', call: 2 })],
      B: [
        op('B', { op: 'start', call: 2 }),
        op('B', { op: 'monitor', intervalMs: 5000, rc: 7, target: 7, call: 3 }),
      ],
      C: [op('C', { op: 'start', call: 2 })],
    };
    const spec = {
      nodes: [{ name: 'n1', history }, { name: 'n2' }],
      resources: group('g', [prim('A'), prim('B', { 'is-managed': 'false' }), prim('C')]),
    };
    assert.deepEqual(run(spec), lines('* Stop C ( n1 ) due to node availability'));
  });

  it('the same monitor result against an expected rc 0 is a failure to recover', () => {
    const history = {
      A: [
        op('A', { op: 'start', call: 2 }),
        op('A', { op: 'monitor', intervalMs: 5000, rc: 7, call: 3 }),
      ],
    };
    const spec = { nodes: [{ name: 'n1', history }, { name: 'n2' }], resources: prim('A') };
    assert.deepEqual(run(spec), lines('* Recover A ( n1 )'));
  });
});
