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

  it('a recurring monitor that failed and then passed again (same call) counts as running', () => {
    // The failure is kept as a separate "last failure" entry of the same operation and call;
    // the operation's own entry has a later result, rc 0, so the resource is fine. With a
    // failcount at migration-threshold it must still leave the node.
    const monitor = (rc: number, id: string, lastRcChange: number): string =>
      op('A', {
        op: 'monitor',
        intervalMs: 10000,
        rc,
        call: 3,
        id,
        key: 'A_monitor_10000',
        lastRcChange,
      });
    const history = {
      A: [
        op('A', { op: 'start', call: 2 }),
        monitor(0, 'A_monitor_10000', 300),
        monitor(1, 'A_last_failure_0', 200),
      ],
    };
    const spec = (threshold: boolean) => ({
      nodes: [
        {
          name: 'n1',
          history,
          ...(threshold
            ? {
                transient: {
                  'fail-count-A#monitor_10000': '1',
                  'last-failure-A#monitor_10000': '200',
                },
              }
            : {}),
        },
        { name: 'n2', history: { A: [op('A', { op: 'monitor', rc: 7, call: 1 })] } },
      ],
      resources: prim('A', threshold ? { 'migration-threshold': '1' } : undefined),
    });
    assert.deepEqual(run(spec(false)), []);
    assert.deepEqual(run(spec(true)), lines('* Move A ( n1 -> n2 )'));
  });

  it('without an operation key the entries are separate operations, and the failure stands', () => {
    const history = {
      A: [
        op('A', { op: 'start', call: 2 }),
        op('A', { op: 'monitor', intervalMs: 10000, rc: 0, call: 3, lastRcChange: 300 }),
        op('A', {
          op: 'monitor',
          intervalMs: 10000,
          rc: 1,
          call: 3,
          id: 'A_last_failure_0',
          lastRcChange: 200,
        }),
      ],
    };
    const spec = { nodes: [{ name: 'n1', history }, { name: 'n2' }], resources: prim('A') };
    assert.deepEqual(run(spec), lines('* Recover A ( n1 )'));
  });
});
