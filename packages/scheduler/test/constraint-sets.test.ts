import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lines, prim, run } from './fixture.js';

describe('colocation sets', () => {
  // B is disabled. In a set {A B C} each member goes with the one before it (B with A, C with
  // B), so A may run and C may not; ordering="listed" turns the chain round (A with B, B with C).
  const spec = (ordering: string) => ({
    nodes: [{ name: 'n1' }, { name: 'n2' }],
    resources: prim('A') + prim('B', { 'target-role': 'Stopped' }) + prim('C'),
    constraints:
      `<rsc_colocation id="abc" score="INFINITY"><resource_set id="abc-set"${ordering}>` +
      '<resource_ref id="A"/><resource_ref id="B"/><resource_ref id="C"/>' +
      '</resource_set></rsc_colocation>',
  });

  it('each member is placed with the one before it', () => {
    assert.deepEqual(run(spec('')), lines('* Start A ( n1 )'));
  });

  it('ordering="listed": each member is placed with the one after it', () => {
    assert.deepEqual(run(spec(' ordering="listed"')), lines('* Start C ( n1 )'));
  });
});
