import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  clone,
  explainSpec,
  group,
  lines,
  prim,
  primUsing,
  probedStopped,
  run,
  started,
} from './fixture.js';

describe('placement-strategy and utilization', () => {
  const nodes = [{ name: 'n1' }, { name: 'n2' }];

  it('utilization: a node without enough free capacity is not eligible', () => {
    // R1 needs 2 cpu: only n2 has that. R2 then fits only on n1; R3 fits nowhere.
    const spec = {
      props: { 'placement-strategy': 'utilization' },
      nodes,
      capacity: { n1: { cpu: '1' }, n2: { cpu: '2' } },
      resources:
        primUsing('R1', { cpu: '2' }) +
        primUsing('R2', { cpu: '1' }) +
        primUsing('R3', { cpu: '1' }),
    };
    assert.deepEqual(run(spec), lines('* Start R1 ( n2 )', '* Start R2 ( n1 )'));
    const e = explainSpec(spec, 'R3');
    assert.ok(e);
    assert.equal(e.outcome, 'stay-stopped');
    assert.ok(e.text.includes('not enough free capacity'), e.text);
  });

  it('default: utilization is ignored', () => {
    const spec = {
      nodes,
      capacity: { n1: { cpu: '1' }, n2: { cpu: '2' } },
      resources:
        primUsing('R1', { cpu: '2' }) +
        primUsing('R2', { cpu: '1' }) +
        primUsing('R3', { cpu: '1' }),
    };
    assert.deepEqual(
      run(spec),
      lines('* Start R1 ( n1 )', '* Start R2 ( n2 )', '* Start R3 ( n1 )'),
    );
  });

  it('balanced: ties go to the node with the most free capacity', () => {
    const spec = {
      props: { 'placement-strategy': 'balanced' },
      nodes,
      capacity: { n1: { cpu: '1' }, n2: { cpu: '2' } },
      resources: primUsing('R1', { cpu: '1' }) + primUsing('R2', { cpu: '1' }),
    };
    // R1: n2 has more free; then both have 1 free, and n1 has fewer resources.
    assert.deepEqual(run(spec), lines('* Start R1 ( n2 )', '* Start R2 ( n1 )'));
  });

  it('minimal: resources pack onto the first node while it has room', () => {
    const spec = {
      props: { 'placement-strategy': 'minimal' },
      nodes,
      capacity: { n1: { cpu: '2' }, n2: { cpu: '2' } },
      resources: primUsing('R1', { cpu: '1' }) + primUsing('R2', { cpu: '1' }),
    };
    assert.deepEqual(run(spec), lines('* Start R1 ( n1 )', '* Start R2 ( n1 )'));
  });

  it('a running resource with a higher score where it runs is placed first, so it is not displaced', () => {
    // A (configured first, not running) prefers n2 a little; B runs on n2 with stickiness.
    // Both need the whole of a node. B keeps n2, and A takes n1.
    const spec = {
      props: { 'placement-strategy': 'utilization' },
      nodes: [
        { name: 'n1', history: { A: probedStopped('A'), B: probedStopped('B') } },
        { name: 'n2', history: { A: probedStopped('A'), B: started('B') } },
      ],
      capacity: { n1: { cpu: '1' }, n2: { cpu: '1' } },
      resources:
        primUsing('A', { cpu: '1' }) +
        primUsing('B', { cpu: '1' }, { 'resource-stickiness': '100' }),
      constraints: '<rsc_location id="A-likes-n2" rsc="A" node="n2" score="50"/>',
    };
    assert.deepEqual(run(spec), lines('* Start A ( n1 )'));
  });
});

describe('failcounts of anonymous clone instances', () => {
  it('a failcount recorded against any instance bans the clone from that node', () => {
    const spec = {
      nodes: [
        {
          name: 'n1',
          history: { X: started('X') },
          transient: { 'fail-count-X:1#monitor_10000': 'INFINITY' },
        },
        { name: 'n2', history: { X: started('X') } },
        { name: 'n3', history: { X: probedStopped('X') } },
      ],
      resources: clone('C', prim('X'), { 'clone-max': '2' }),
    };
    assert.deepEqual(run(spec), lines('* Move X:0 ( n1 -> n3 )'));
  });
});

describe('clone instances without stickiness', () => {
  const spec = (stickiness: string) => ({
    nodes: [
      { name: 'n1', history: { 'X:0': started('X:0'), 'X:1': started('X:1') } },
      { name: 'n2', history: { 'X:0': probedStopped('X:0'), 'X:1': probedStopped('X:1') } },
    ],
    resources: clone('C', prim('X'), {
      'globally-unique': 'true',
      'clone-max': '2',
      'clone-node-max': '2',
      'resource-stickiness': stickiness,
    }),
  });

  it('with stickiness 0 the clone spreads out again', () => {
    assert.deepEqual(run(spec('0')), lines('* Move X:1 ( n1 -> n2 )'));
  });

  it('with any stickiness the instances stay', () => {
    assert.deepEqual(run(spec('1')), []);
  });
});

describe('a running clone instance and a better node', () => {
  const spec = (stickiness: string) => ({
    nodes: [
      { name: 'n1', history: { X: started('X') } },
      { name: 'n2', history: { X: probedStopped('X') } },
    ],
    resources: clone('C', prim('X'), { 'clone-max': '1', 'resource-stickiness': stickiness }),
    constraints: '<rsc_location id="C-likes-n2" rsc="C" node="n2" score="50"/>',
  });

  it('moves there when its stickiness does not outweigh the preference', () => {
    assert.deepEqual(run(spec('0')), lines('* Move X:0 ( n1 -> n2 )'));
  });

  it('stays when it does', () => {
    assert.deepEqual(run(spec('100')), []);
  });
});

describe('explaining a group member', () => {
  it('shows the group table, where the whole group was placed', () => {
    const spec = {
      props: { 'placement-strategy': 'utilization' },
      nodes: [{ name: 'n1' }, { name: 'n2' }],
      capacity: { n1: { cpu: '1' }, n2: { cpu: '2' } },
      resources: group('G', [primUsing('M1', { cpu: '1' }), primUsing('M2', { cpu: '1' })]),
    };
    assert.deepEqual(run(spec), lines('* Start M1 ( n2 )', '* Start M2 ( n2 )'));
    const e = explainSpec(spec, 'M1');
    assert.ok(e);
    const n1 = e.nodes.find((n) => n.node === 'n1');
    assert.ok(n1 && n1.score < 0, e.text);
    assert.ok(
      n1.reasons.some((r) => r.text.includes('not enough free capacity')),
      e.text,
    );
  });
});
