/**
 * OCF hard errors (rc 2 invalid arguments, 3 unimplemented, 4 insufficient privileges) keep the
 * resource off the node where they happened.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  clone,
  explainSpec,
  lines,
  op,
  prim,
  probedStopped,
  run,
  scheduleSpec,
  type CibSpec,
} from './fixture.js';

describe('a probe that fails with a hard error', () => {
  const spec = (rc: number): CibSpec => ({
    nodes: [
      { name: 'n1', history: { A: [op('A', { op: 'monitor', rc, call: 1 })] } },
      { name: 'n2', history: { A: probedStopped('A') } },
    ],
    resources: prim('A'),
  });

  it('insufficient privileges (rc 4): recovered on another node', () => {
    assert.deepEqual(run(spec(4)), lines('* Recover A ( n1 -> n2 )'));
    const why = explainSpec(spec(4), 'A')!;
    assert.ok(why.reasons.some((r) => r.node === 'n1' && r.text.includes('hard error (rc 4)')));
  });

  it('a generic error (rc 1) is soft: recovered in place', () => {
    assert.deepEqual(run(spec(1)), lines('* Recover A ( n1 )'));
  });
});

describe('a hard error on an anonymous clone instance', () => {
  it('keeps every instance of the clone off that node', () => {
    const t = scheduleSpec({
      nodes: [
        { name: 'n1', history: { c: [op('c', { op: 'monitor', rc: 4, call: 1 })] } },
        { name: 'n2', history: { c: probedStopped('c') } },
      ],
      resources: clone('C', prim('c')),
    });
    const placed = t.ws.byId
      .get('C')!
      .children.map((i) => i.assigned)
      .filter((n) => typeof n === 'string');
    assert.deepEqual(placed, ['n2']);
  });
});
