import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyEntry,
  emptyCib,
  explainResource,
  planTransition,
  schedulerCib,
  type Cib,
  type CibEntry,
  type ClusterView,
} from '@vigil/controller';
import type { NvSet } from '@vigil/cib';

/**
 * vigild's DC fences with its own fencer (the cluster file's devices and the CIB's stonith
 * primitives), not through stonith resources the scheduler places: the scheduler input says
 * whether any device exists, and with fencing enabled and none, nothing is started (as in
 * Pacemaker). Permanent node attributes and utilization reach the scheduler's nodes section.
 */
const NODES = ['a', 'b'];

function cib(...extra: CibEntry[]): Cib {
  let c = emptyCib();
  const es: CibEntry[] = [
    ...NODES.map((node): CibEntry => ({ op: 'node-state', node, state: 'member' })),
    {
      op: 'rsc-create',
      def: {
        kind: 'primitive',
        id: 'r',
        class: 'ocf',
        provider: 'heartbeat',
        type: 'Dummy',
        params: {},
        meta: {},
        ops: [],
      },
    },
    ...extra,
  ];
  for (const e of es) c = applyEntry(c, e, { who: 't', wallMs: 1000, term: 1 });
  return c;
}

function view(fenceDevices: string[], stonithEnabled = true): ClusterView {
  return {
    nodes: NODES,
    online: new Set(NODES),
    quorate: true,
    stonithEnabled,
    noQuorumPolicy: 'stop',
    dc: 'a',
    canFence: fenceDevices.length > 0,
    fenceDevices,
  };
}

const tasks = (c: Cib, v: ClusterView): string[] =>
  planTransition(c, v, 1_700_000_000, 1)
    .graph.actions.filter((a) => !a.pseudo && a.runnable)
    .map((a) => a.task);

describe('scheduler input: fencing devices and node attributes', () => {
  it('fencing enabled: probes and starts only when the configuration has a fence device', () => {
    assert.ok(!tasks(cib(), view([])).includes('start'));
    const e = explainResource(cib(), view([]), 1_700_000_000, 'r');
    assert.match(e?.text ?? '', /no fencing device/);
    assert.ok(tasks(cib(), view(['fence-vigil'])).includes('start'));
    // Without fencing no device is needed.
    assert.ok(tasks(cib(), view([], false)).includes('start'));
  });

  it('permanent node attributes and utilization reach the nodes section; standby wins', () => {
    const c = cib(
      { op: 'node-attr', node: 'a', name: 'rack', value: 'r1', scope: 'forever' },
      { op: 'node-attr', node: 'a', name: 'standby', value: 'off', scope: 'forever' },
      { op: 'node-attr', node: 'a', name: 'cpu', value: '8', scope: 'utilization' },
      { op: 'node-set', node: 'a', standby: true },
    );
    const nodeA = schedulerCib(c, view(['f'])).configuration.nodes.find((n) => n.uname === 'a');
    const pairs = (sets: readonly NvSet[]): Record<string, string | undefined> =>
      Object.fromEntries(
        sets.flatMap((x) =>
          x.nvpairs.map((p): [string, string | undefined] => [p.name ?? '', p.value]),
        ),
      );
    assert.deepEqual(pairs(nodeA?.instanceAttributes ?? []), { rack: 'r1', standby: 'on' });
    assert.deepEqual(pairs(nodeA?.utilization ?? []), { cpu: '8' });
  });
});
