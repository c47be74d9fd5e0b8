import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyEntry,
  emptyCib,
  planTransition,
  type Cib,
  type CibEntry,
  type ClusterView,
  type OpRecord,
  type PrimitiveDef,
} from '@vigil/controller';

/**
 * A node's table after it restarted (a fencing, a crash) against the recorded history. The
 * demo found it: a clone instance `ping:0` recorded as started on `a` before `a` restarted
 * stayed "running" in the history, since the refresh probes the primitive `ping`, not the
 * instance. The scheduler then never restarted the instance, and `vigil status` said Stopped.
 */
const NODES = ['a', 'b', 'c'];
const view: ClusterView = {
  nodes: NODES,
  online: new Set(NODES),
  quorate: true,
  stonithEnabled: true,
  canFence: true,
  noQuorumPolicy: 'stop',
  dc: 'b',
};
const ping: PrimitiveDef = {
  kind: 'primitive',
  id: 'ping',
  class: 'ocf',
  provider: 'heartbeat',
  type: 'Dummy',
  params: {},
  meta: {},
  ops: [{ name: 'monitor', intervalMs: 5000, timeoutMs: 20_000 }],
};
let wall = 1_700_000_000_000;
function apply(c: Cib, ...es: CibEntry[]): Cib {
  for (const e of es) c = applyEntry(c, e, { who: 'test', wallMs: (wall += 1000), term: 1 });
  return c;
}
const rec = (op: string, rc: number, active: boolean): OpRecord => ({
  op,
  rc,
  active,
  failed: false,
  wallMs: wall,
  durationMs: 5,
  reason: '',
});

function runningEverywhere(): Cib {
  let c = apply(emptyCib(), {
    op: 'rsc-create',
    def: { kind: 'clone', id: 'ping-clone', meta: {}, child: ping },
  });
  c = apply(c, ...NODES.map((node): CibEntry => ({ op: 'node-state', node, state: 'member' })));
  NODES.forEach((node, i) => {
    c = apply(c, {
      op: 'op-result',
      node,
      rsc: `ping:${i}`,
      rec: rec('start', 0, true),
      countFailure: false,
    });
  });
  return c;
}

const startsOn = (c: Cib): string[] =>
  planTransition(c, view, 1_700_000_100, 1)
    .graph.actions.filter((a) => a.task === 'start' && !a.pseudo)
    .map((a) => a.node ?? '');

describe('status refresh against the recorded history', () => {
  it('settled: nothing to start', () => {
    assert.deepEqual(startsOn(runningEverywhere()), []);
  });

  it("a restarted node that probes the clone's primitive stopped: its old instance is stopped too, and restarted", () => {
    // a restarted: its table knows only its probe of `ping` (not running).
    const c = apply(runningEverywhere(), {
      op: 'node-lrm',
      node: 'a',
      ops: { ping: rec('probe', 7, false) },
    });
    assert.deepEqual(startsOn(c), ['a']);
  });

  it('a node that did not probe the primitive leaves the instance as recorded', () => {
    const c = apply(runningEverywhere(), { op: 'node-lrm', node: 'a', ops: {} });
    assert.deepEqual(startsOn(c), []);
  });

  it('a node whose table has the instance itself is taken at its word', () => {
    const c = apply(runningEverywhere(), {
      op: 'node-lrm',
      node: 'a',
      ops: { ping: rec('probe', 7, false), 'ping:0': rec('monitor_5000', 0, true) },
    });
    assert.deepEqual(startsOn(c), []);
  });
});
