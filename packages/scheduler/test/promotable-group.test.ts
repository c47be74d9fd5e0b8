/**
 * Promotable clones of groups: an instance is promoted whole.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clone, group, prim, scheduleSpec, type CibSpec } from './fixture.js';

describe('promotable clone of a group', () => {
  // Clone P of group g (s1, s2), one instance per node; s1's promotion score is higher on n1.
  // With s2 disabled, each instance runs only s1.
  const spec = (disabled: boolean): CibSpec => ({
    nodes: [
      { name: 'n1', transient: { 'master-s1': '100' } },
      { name: 'n2', transient: { 'master-s1': '5' } },
    ],
    resources: clone(
      'P',
      group('g', [prim('s1'), prim('s2', disabled ? { 'target-role': 'Stopped' } : {})]),
      {
        promotable: 'true',
        'clone-max': '2',
        'promoted-max': '1',
      },
    ),
  });
  const promoted = (s: CibSpec): string[] =>
    scheduleSpec(s)
      .ws.byId.get('P')!
      .children.filter((i) => i.nextRole === 'Promoted')
      .map((i) => i.assigned!);

  it('the instance with the higher promotion score is promoted', () => {
    assert.deepEqual(promoted(spec(false)), ['n1']);
  });

  it('an instance with a member that does not run is not promoted', () => {
    assert.deepEqual(promoted(spec(true)), []);
  });
});
