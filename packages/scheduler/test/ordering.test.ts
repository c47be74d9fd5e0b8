import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lines, op, prim, probedStopped, run, started } from './fixture.js';

describe('restart-type=restart (deprecated meta attribute)', () => {
  // X's monitor failed on n1 and it is banned there, so it is recovered on n2. Y runs on n1
  // and is ordered after X by an optional order.
  const spec = (restartType: boolean) => ({
    nodes: [
      {
        name: 'n1',
        history: {
          Y: started('Y'),
          X: [
            op('X', { op: 'start', call: 2 }),
            op('X', { op: 'monitor', intervalMs: 10000, rc: 7, call: 3 }),
          ],
        },
      },
      { name: 'n2', history: { X: probedStopped('X'), Y: probedStopped('Y') } },
    ],
    resources: prim('Y', restartType ? { 'restart-type': 'restart' } : undefined) + prim('X'),
    constraints:
      '<rsc_order id="X-then-Y" first="X" then="Y" kind="Optional"/>' +
      '<rsc_location id="X-not-n1" rsc="X" node="n1" score="-INFINITY"/>',
  });

  it('an optional order does not restart what comes after', () => {
    assert.deepEqual(run(spec(false)), lines('* Recover X ( n1 -> n2 )'));
  });

  it('with restart-type=restart, the resource after it restarts too', () => {
    assert.deepEqual(
      run(spec(true)),
      lines('* Restart Y ( n1 ) due to required X start', '* Recover X ( n1 -> n2 )'),
    );
  });
});
