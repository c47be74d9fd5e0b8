/**
 * node-health-strategy with #health-* node attributes (src/phases/node-health.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explainSpec, lines, prim, probedStopped, run, started, type CibSpec } from './fixture.js';

const spec = (
  strategy: string,
  health: string,
  meta: Record<string, string> = {},
  extra: Record<string, string> = {},
): CibSpec => ({
  props: { 'node-health-strategy': strategy, ...extra },
  nodes: [
    { name: 'n1', transient: { '#health-ipmi': health }, history: { A: started('A') } },
    { name: 'n2', transient: { '#health-ipmi': 'green' }, history: { A: probedStopped('A') } },
  ],
  resources: prim('A', meta),
});

describe('node health', () => {
  it('migrate-on-red: resources leave a red node, saying why', () => {
    assert.deepEqual(run(spec('migrate-on-red', 'red')), lines('* Move A ( n1 -> n2 )'));
    const why = explainSpec(spec('migrate-on-red', 'red'), 'A')!;
    assert.ok(why.reasons.some((r) => r.node === 'n1' && r.text.includes('#health-ipmi=red')));
  });

  it('migrate-on-red: a yellow node is fine', () => {
    assert.deepEqual(run(spec('migrate-on-red', 'yellow')), lines());
  });

  it('only-green: a yellow node is not', () => {
    assert.deepEqual(run(spec('only-green', 'yellow')), lines('* Move A ( n1 -> n2 )'));
  });

  it('progressive: yellow counts node-health-yellow', () => {
    const score = { 'node-health-yellow': '-100' };
    assert.deepEqual(run(spec('progressive', 'yellow', {}, score)), lines('* Move A ( n1 -> n2 )'));
    // With stickiness above the penalty, it stays.
    assert.deepEqual(
      run(spec('progressive', 'yellow', { 'resource-stickiness': '200' }, score)),
      lines(),
    );
  });

  it('allow-unhealthy-nodes=true ignores node health', () => {
    assert.deepEqual(
      run(spec('migrate-on-red', 'red', { 'allow-unhealthy-nodes': 'true' })),
      lines(),
    );
  });
});
