/**
 * Opt-in clusters (symmetric-cluster=false): a group's location enables its members.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { group, lines, prim, run, type CibSpec } from './fixture.js';

describe('a group in an opt-in cluster', () => {
  const spec = (constraints: string): CibSpec => ({
    props: { 'symmetric-cluster': 'false' },
    nodes: [{ name: 'n1' }, { name: 'n2' }],
    resources: group('g', [prim('a'), prim('b')]),
    constraints,
  });

  it('its members run where a location on the group enables it', () => {
    assert.deepEqual(
      run(spec('<rsc_location id="l1" rsc="g" node="n2" score="100"/>')),
      lines('* Start a ( n2 )', '* Start b ( n2 )'),
    );
  });

  it('without any location nothing runs', () => {
    assert.deepEqual(run(spec('')), lines());
  });
});
