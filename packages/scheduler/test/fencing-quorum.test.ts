import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clone, explainSpec, lines, op, prim, probedStopped, run, started } from './fixture.js';

const FENCING = { 'stonith-enabled': 'true' };

describe('nodes that left while still running something', () => {
  const spec = (props: Record<string, string>, extra = '') => ({
    props,
    nodes: [
      { name: 'n1', history: { A: probedStopped('A') } },
      // n2 left cleanly, yet its history says B is still running there.
      {
        name: 'n2',
        state: 'offline' as const,
        history: { C: probedStopped('C'), B: started('B') },
      },
    ],
    resources: prim('A') + prim('B') + extra,
  });

  it('with fencing, the node is fenced first, naming the active resource', () => {
    assert.deepEqual(
      run(spec(FENCING, prim('fence1'))),
      lines(
        "* Fence (reboot) n2 'B is thought to be active there'",
        '* Start A ( n1 )',
        '* Move B ( n2 -> n1 )',
        '* Start fence1 ( n1 )',
      ),
    );
  });

  it('without fencing, what it ran counts as stopped', () => {
    assert.deepEqual(run(spec({})), lines('* Start A ( n1 )', '* Start B ( n1 )'));
  });

  it('fencing is listed from the last configured node to the first', () => {
    const out = run({
      props: FENCING,
      nodes: [{ name: 'b', state: 'lost' }, { name: 'n1' }, { name: 'a', state: 'lost' }],
      resources: prim('fence1'),
    });
    assert.deepEqual(
      out,
      lines(
        "* Fence (reboot) a 'peer is no longer part of the cluster'",
        "* Fence (reboot) b 'peer is no longer part of the cluster'",
        '* Start fence1 ( n1 )',
      ),
    );
  });

  it('a node the membership never recorded is fenced as unseen', () => {
    const out = run({
      props: FENCING,
      nodes: [{ name: 'n1' }, { name: 'n2', state: 'unseen' }],
      resources: prim('fence1'),
    });
    assert.deepEqual(
      out,
      lines("* Fence (reboot) n2 'peer has not been seen by the cluster'", '* Start fence1 ( n1 )'),
    );
  });
});

describe('unclean nodes that cannot be fenced (no quorum)', () => {
  const spec = (policy: string) => ({
    quorum: false,
    props: { ...FENCING, 'no-quorum-policy': policy },
    nodes: [
      { name: 'n1', history: { A: started('A') } },
      { name: 'n2', state: 'lost' as const, history: { B: started('B') } },
      { name: 'n3' },
    ],
    resources: prim('A') + prim('B') + prim('C', undefined) + prim('fence1'),
    constraints: '<rsc_location id="C-ban" rsc="C" node="n1" score="-INFINITY"/>',
  });

  it('no-quorum-policy=stop: the stop on the unclean node is reported blocked', () => {
    assert.deepEqual(
      run(spec('stop')),
      lines(
        '* Stop A ( n1 ) due to no quorum',
        '* Stop B ( n2 ) due to no quorum (blocked)',
        '* Start C ( n3 ) due to no quorum (blocked)',
        '* Start fence1 ( n1 ) due to no quorum (blocked)',
      ),
    );
  });

  it('no-quorum-policy=freeze: B would move, but it cannot leave n2', () => {
    const out = run(spec('freeze'));
    assert.deepEqual(
      out,
      lines(
        '* Stop B ( n2 ) blocked',
        '* Start C ( n3 ) due to quorum freeze (blocked)',
        '* Start fence1 ( n1 ) due to quorum freeze (blocked)',
      ),
    );
  });

  it('a failed stop on such a node blocks the resource altogether', () => {
    const s = spec('stop');
    const failedStop = [op('B', { op: 'start', call: 2 }), op('B', { op: 'stop', rc: 1, call: 3 })];
    const out = run({
      ...s,
      nodes: [s.nodes[0]!, { ...s.nodes[1]!, history: { B: failedStop } }, s.nodes[2]!],
    });
    assert.ok(
      out.every((l) => !l.includes('StopB')),
      out.join('\n'),
    );
  });
});

describe('fencing enabled without any fencing device', () => {
  const spec = {
    props: FENCING,
    nodes: [{ name: 'n1', attrs: { standby: 'on' }, history: { A: started('A') } }, { name: 'n2' }],
    resources: prim('A') + prim('B'),
  };

  it('the cluster starts and stops nothing', () => {
    assert.deepEqual(run(spec), []);
    const e = explainSpec(spec, 'A');
    assert.ok(e);
    assert.equal(e.outcome, 'frozen');
    assert.ok(e.text.includes('no fencing device'), e.text);
  });

  it('a watchdog counts as a fencing device', () => {
    assert.deepEqual(
      run({ ...spec, props: { ...FENCING, 'have-watchdog': 'true' } }),
      lines('* Move A ( n1 -> n2 )', '* Start B ( n2 )'),
    );
  });
});

describe('clone instances after a failure', () => {
  it('healthy instances are placed first; the failed one takes what is left', () => {
    // X:0 failed to stop on n2 (fenced). X:1 (fresh) gets the first free node, n1; the
    // failed X:0 is recovered on the remaining node, n3.
    const failedStop = [op('X', { op: 'start', call: 2 }), op('X', { op: 'stop', rc: 1, call: 3 })];
    const out = run({
      props: FENCING,
      nodes: [
        { name: 'n1', history: { fence1: probedStopped('fence1') } },
        { name: 'n2', history: { X: failedStop } },
        { name: 'n3', history: { X: probedStopped('X') } },
      ],
      resources: clone('C', prim('X'), { 'clone-max': '2' }) + prim('fence1'),
    });
    assert.deepEqual(
      out,
      lines(
        "* Fence (reboot) n2 'X:0 failed there'",
        '* Recover X:0 ( n2 -> n3 )',
        '* Start X:1 ( n1 )',
        '* Start fence1 ( n1 )',
      ),
    );
  });
});

describe('a stop that failed with on-fail=block, on a node that is lost', () => {
  const stopBlock = '<op id="A-stop" name="stop" interval="0" on-fail="block"/>';
  const failedStop = [op('A', { op: 'start', call: 2 }), op('A', { op: 'stop', rc: 1, call: 3 })];
  const spec = (quorum: boolean) => ({
    quorum,
    props: { ...FENCING, 'no-quorum-policy': 'freeze' },
    nodes: [
      { name: 'n1', state: 'lost' as const, history: { A: failedStop } },
      { name: 'n2', history: { A: probedStopped('A') } },
    ],
    resources: prim('A', undefined, stopBlock) + prim('fence1'),
  });

  it('fencing the node ends the block: the resource simply moves', () => {
    assert.deepEqual(
      run(spec(true)),
      lines(
        "* Fence (reboot) n1 'peer is no longer part of the cluster'",
        '* Move A ( n1 -> n2 )',
        '* Start fence1 ( n2 )',
      ),
    );
  });

  it('when the node cannot be fenced, its stop there is reported blocked', () => {
    assert.deepEqual(
      run(spec(false)),
      lines('* Stop A ( n1 ) blocked', '* Start fence1 ( n2 ) due to quorum freeze (blocked)'),
    );
  });
});
