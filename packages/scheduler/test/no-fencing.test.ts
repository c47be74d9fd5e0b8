/**
 * stonith-enabled=false: a node that is down uncleanly cannot be fenced, so what it ran is taken
 * to be stopped and may run elsewhere at once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lines, prim, probedStopped, run, scheduleSpec, started, type CibSpec } from './fixture.js';

const spec = (state: 'lost' | 'process-down', props: Record<string, string> = {}): CibSpec => ({
  props,
  nodes: [
    { name: 'n1', history: { A: probedStopped('A') } },
    { name: 'n2', state, history: { A: started('A') } },
  ],
  resources: prim('A') + prim('fence1'),
});

describe('a node down uncleanly without fencing', () => {
  it('left the membership: it counts as offline and its resource starts elsewhere', () => {
    const t = scheduleSpec(spec('lost'));
    assert.equal(t.ws.nodeByName.get('n2')!.unclean, false);
    assert.deepEqual(run(spec('lost')), lines('* Start A ( n1 )', '* Start fence1 ( n1 )'));
  });

  it('cluster process gone: still unclean, yet its resource starts elsewhere', () => {
    const t = scheduleSpec(spec('process-down'));
    assert.equal(t.ws.nodeByName.get('n2')!.unclean, true);
    assert.deepEqual(run(spec('process-down')), lines('* Start A ( n1 )', '* Start fence1 ( n1 )'));
  });

  it('with fencing, the node is fenced and the resource moves', () => {
    assert.deepEqual(
      run(spec('lost', { 'stonith-enabled': 'true' })),
      lines(
        "* Fence (reboot) n2 'peer is no longer part of the cluster'",
        '* Move A ( n2 -> n1 )',
        '* Start fence1 ( n1 )',
      ),
    );
  });
});
