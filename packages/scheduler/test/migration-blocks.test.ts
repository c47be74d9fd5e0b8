/**
 * A resource that would migrate moves by stop and start when something it is started after is
 * moved (src/phases/migration-blocks.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  explainSpec,
  group,
  lines,
  prim,
  probedStopped,
  run,
  started,
  type CibSpec,
} from './fixture.js';

const MIGRATE = { 'allow-migrate': 'true' };

describe('migration behind a move', () => {
  // A (not migratable) runs on n1 and must go to n2; B (migratable) runs on n2 and must go to n1.
  const spec = (order: boolean): CibSpec => ({
    nodes: [
      { name: 'n1', history: { A: started('A'), B: probedStopped('B') } },
      { name: 'n2', history: { A: probedStopped('A'), B: started('B') } },
    ],
    resources: prim('A') + prim('B', MIGRATE),
    constraints:
      '<rsc_location id="la" rsc="A" node="n2" score="INFINITY"/>' +
      '<rsc_location id="lb" rsc="B" node="n1" score="INFINITY"/>' +
      (order ? '<rsc_order id="o1" first="A" then="B" kind="Mandatory"/>' : ''),
  });

  it('on its own, the migratable resource migrates', () => {
    assert.deepEqual(run(spec(false)), lines('* Move A ( n1 -> n2 )', '* Migrate B ( n2 -> n1 )'));
  });

  it('started after a resource that moves, it moves too, naming the stop it waits for', () => {
    assert.deepEqual(
      run(spec(true)),
      lines('* Move A ( n1 -> n2 )', '* Move B ( n2 -> n1 ) due to unrunnable A stop'),
    );
    const why = explainSpec(spec(true), 'B')!;
    assert.ok(why.reasons.some((r) => r.text === 'no live migration: unrunnable A stop'));
  });

  it('in a group, a migratable member after one that cannot migrate moves', () => {
    const members = ['a', 'b', 'c'];
    const s: CibSpec = {
      nodes: [
        { name: 'n1', history: Object.fromEntries(members.map((m) => [m, started(m)])) },
        { name: 'n2', history: Object.fromEntries(members.map((m) => [m, probedStopped(m)])) },
      ],
      resources: group('g', [prim('a', MIGRATE), prim('b'), prim('c', MIGRATE)]),
      constraints: '<rsc_location id="lg" rsc="g" node="n2" score="INFINITY"/>',
    };
    assert.deepEqual(
      run(s),
      lines(
        '* Migrate a ( n1 -> n2 )',
        '* Move b ( n1 -> n2 )',
        '* Move c ( n1 -> n2 ) due to unrunnable b stop',
      ),
    );
  });
});
