/**
 * A stop that must wait for the stop of a resource whose failure blocked it cannot run either
 * (src/phases/blocked-stops.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explainSpec, group, lines, op, prim, run, started, type CibSpec } from './fixture.js';

// B's stop failed and fencing is disabled: B is blocked where it is.
const failedStop = (rsc: string): string[] => [
  op(rsc, { op: 'start', call: 2 }),
  op(rsc, { op: 'stop', rc: 1, call: 3 }),
];

describe('stops behind a blocked stop', () => {
  it('a resource ordered before a blocked one cannot stop: its stop is reported blocked', () => {
    // A then B (symmetrical): B stops before A. A is disabled, B's stop cannot run.
    const spec: CibSpec = {
      nodes: [{ name: 'n1', history: { A: started('A'), B: failedStop('B') } }],
      resources: prim('A', { 'target-role': 'Stopped' }) + prim('B'),
      constraints: '<rsc_order id="o1" first="A" then="B" kind="Mandatory"/>',
    };
    assert.deepEqual(run(spec), lines('* Stop A ( n1 ) due to node availability (blocked)'));
  });

  it('without the order, the disabled resource stops', () => {
    const spec: CibSpec = {
      nodes: [{ name: 'n1', history: { A: started('A'), B: failedStop('B') } }],
      resources: prim('A', { 'target-role': 'Stopped' }) + prim('B'),
    };
    assert.deepEqual(run(spec), lines('* Stop A ( n1 ) due to node availability'));
  });

  it('a group member that would move stays, waiting for the blocked member after it', () => {
    // Group g (a, b) prefers n2; b's stop failed on n1. b stops before a, so a cannot leave n1.
    const spec: CibSpec = {
      nodes: [
        { name: 'n1', history: { a: started('a'), b: failedStop('b') } },
        { name: 'n2', history: {} },
      ],
      resources: group('g', [prim('a'), prim('b')]),
      constraints: '<rsc_location id="l1" rsc="g" node="n2" score="100"/>',
    };
    assert.deepEqual(run(spec), lines('* Stop a ( n1 ) due to unrunnable b stop (blocked)'));
    const why = explainSpec(spec, 'a')!;
    assert.ok(why.text.includes('unrunnable b stop'), why.text);
    assert.ok(why.reasons.some((r) => r.text === 'its stop cannot run: unrunnable b stop'));
  });
});
