/**
 * `explain` names every stickiness that counts: a group is placed with the stickiness of each of
 * its members active on the node, and the per-node score it shows is their sum.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explainSpec, group, prim, started, type CibSpec } from './fixture.js';

describe('explain: stickiness', () => {
  it("a running group's score on its node lists each member's stickiness, summing to the score", () => {
    const spec: CibSpec = {
      nodes: [
        { name: 'n1', history: { a: started('a'), b: started('b', 3) } },
        { name: 'n2', history: {} },
      ],
      resources: group('g', [
        prim('a', { 'resource-stickiness': '70' }),
        prim('b', { 'resource-stickiness': '30' }),
      ]),
    };
    const why = explainSpec(spec, 'g')!;
    const n1 = why.nodes.find((n) => n.node === 'n1')!;
    const sticky = n1.reasons.filter((r) => r.kind === 'stickiness');
    assert.deepEqual(
      sticky.map((r) => r.text),
      [
        'resource-stickiness 70 of a: it already runs here',
        'resource-stickiness 30 of b: it already runs here',
      ],
    );
    assert.equal(
      sticky.reduce((s, r) => s + (r.score ?? 0), 0),
      n1.score,
      'the listed stickiness adds up to the score shown',
    );
  });

  it('a primitive lists its own stickiness once', () => {
    const spec: CibSpec = {
      nodes: [
        { name: 'n1', history: { a: started('a') } },
        { name: 'n2', history: {} },
      ],
      resources: prim('a', { 'resource-stickiness': '40' }),
    };
    const n1 = explainSpec(spec, 'a')!.nodes.find((n) => n.node === 'n1')!;
    assert.deepEqual(
      n1.reasons.filter((r) => r.kind === 'stickiness').map((r) => [r.text, r.score]),
      [['resource-stickiness 40: it already runs here', 40]],
    );
    assert.equal(n1.score, 40);
  });
});
