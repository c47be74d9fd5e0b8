/**
 * Orders after clones: clone-min, interleave and require-all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clone, group, lines, prim, probedStopped, run, started, type CibSpec } from './fixture.js';

describe('clone-min', () => {
  // Clone C may run only on n1 (one instance); F must run on n1 and is ordered after C.
  const spec = (min: string): CibSpec => ({
    nodes: ['n1', 'n2', 'n3'].map((name) => ({
      name,
      history: { c: probedStopped('c'), F: probedStopped('F') },
    })),
    resources: clone('C', prim('c'), { 'clone-min': min }) + prim('F'),
    constraints:
      '<rsc_location id="l2" rsc="C" node="n2" score="-INFINITY"/>' +
      '<rsc_location id="l3" rsc="C" node="n3" score="-INFINITY"/>' +
      '<rsc_location id="lf" rsc="F" node="n1" score="INFINITY"/>' +
      '<rsc_order id="o1" first="C" then="F" kind="Mandatory"/>',
  });

  it('fewer instances than clone-min: what follows the clone cannot start', () => {
    assert.deepEqual(
      run(spec('2')),
      lines(
        '* Start c:0 ( n1 )',
        '* Start F ( n1 ) due to unrunnable clone-one-or-more:o1 (blocked)',
      ),
    );
  });

  it('enough instances: it starts', () => {
    assert.deepEqual(run(spec('1')), lines('* Start c:0 ( n1 )', '* Start F ( n1 )'));
  });
});

describe('interleaved clones', () => {
  // C1 and C2 run on n1 and n2; C1 may no longer run on n1. C2 is ordered after C1.
  const spec = (meta: Record<string, string>, order = ''): CibSpec => ({
    nodes: ['n1', 'n2'].map((name) => ({
      name,
      history: { c1: started('c1'), c2: started('c2') },
    })),
    resources: clone('C1', prim('c1')) + clone('C2', prim('c2'), meta),
    constraints:
      '<rsc_location id="l1" rsc="C1" node="n1" score="-INFINITY"/>' +
      (order === '' ? '<rsc_order id="o1" first="C1" then="C2" kind="Mandatory"/>' : order),
  });

  it('without interleave, an instance of C1 anywhere is enough', () => {
    assert.deepEqual(run(spec({})), lines('* Stop c1:0 ( n1 ) due to node availability'));
  });

  it('with interleave, each instance of C2 needs the instance of C1 on its node', () => {
    assert.deepEqual(
      run(spec({ interleave: 'true' })),
      lines('* Stop c1:0 ( n1 ) due to node availability', '* Stop c2:0 ( n1 )'),
    );
  });

  it('with require-all=false, any instance of C1 is enough again', () => {
    const order = '<rsc_order id="o1" first="C1" then="C2" kind="Mandatory" require-all="false"/>';
    assert.deepEqual(
      run(spec({ interleave: 'true' }, order)),
      lines('* Stop c1:0 ( n1 ) due to node availability'),
    );
  });
});

describe('a clone of groups before a resource', () => {
  it('counts as running only with a whole group instance running', () => {
    // C clones group g (g1, g2); g2 is disabled, so no instance runs whole and V, ordered after
    // C, cannot start (while g1 starts).
    const spec: CibSpec = {
      nodes: [{ name: 'n1', history: {} }],
      resources:
        clone('C', group('g', [prim('g1'), prim('g2', { 'target-role': 'Stopped' })])) + prim('V'),
      constraints: '<rsc_order id="o1" first="C" then="V" kind="Mandatory"/>',
    };
    assert.deepEqual(
      run(spec),
      lines('* Start g1:0 ( n1 )', '* Start V ( n1 ) due to unrunnable C running (blocked)'),
    );
  });
});

describe('one-or-more sets (require-all=false)', () => {
  // B and C (a one-or-more set) before D.
  const spec = (disabled: string[]): CibSpec => ({
    nodes: [{ name: 'n1', history: {} }],
    resources: ['B', 'C', 'D']
      .map((id) => prim(id, disabled.includes(id) ? { 'target-role': 'Stopped' } : {}))
      .join(''),
    constraints:
      '<rsc_order id="o1"><resource_set id="set1" require-all="false"><resource_ref id="B"/><resource_ref id="C"/></resource_set>' +
      '<resource_set id="set2"><resource_ref id="D"/></resource_set></rsc_order>',
  });

  it('one member running is enough', () => {
    assert.deepEqual(run(spec(['C'])), lines('* Start B ( n1 )', '* Start D ( n1 )'));
  });

  it('with none running, the dependent waits for the set', () => {
    assert.deepEqual(
      run(spec(['B', 'C'])),
      lines('* Start D ( n1 ) due to unrunnable one-or-more:set1 (blocked)'),
    );
  });

  it('require-all=false after a clone that cannot run names the clone one-or-more', () => {
    const s: CibSpec = {
      nodes: [{ name: 'n1', history: {} }],
      resources: clone('A', prim('a'), { 'target-role': 'Stopped' }) + clone('B', prim('b')),
      constraints: '<rsc_order id="o1" first="A" then="B" kind="Mandatory" require-all="false"/>',
    };
    assert.deepEqual(
      run(s),
      lines('* Start b:0 ( n1 ) due to unrunnable clone-one-or-more:o1 (blocked)'),
    );
  });
});
