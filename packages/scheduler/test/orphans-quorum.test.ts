import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explainSpec, lines, prim, probedStopped, run, started } from './fixture.js';

describe('orphaned resources (in the status section, no longer configured)', () => {
  const spec = (props?: Record<string, string>) => ({
    props,
    nodes: [
      { name: 'n1', history: { gone: started('gone'), A: probedStopped('A') } },
      { name: 'n2', history: { gone2: probedStopped('gone2'), A: probedStopped('A') } },
    ],
    resources: prim('A'),
  });

  it('an active orphan is stopped and never started elsewhere; an inactive one is left alone', () => {
    // A is new and starts on the first node; the orphan "gone" only stops.
    assert.deepEqual(
      run(spec()),
      lines('* Start A ( n1 )', '* Stop gone ( n1 ) due to node availability'),
    );
    const e = explainSpec(spec(), 'gone');
    assert.ok(e);
    assert.equal(e.outcome, 'stop');
    assert.ok(e.text.includes('no longer in the configuration'), e.text);
  });

  it('stop-orphan-resources=false leaves an active orphan running', () => {
    assert.deepEqual(run(spec({ 'stop-orphan-resources': 'false' })), lines('* Start A ( n1 )'));
  });
});

describe('no-quorum-policy=suicide', () => {
  const spec = (panic: boolean, quorum: boolean) => ({
    quorum,
    ...(panic ? { cibAttrs: { 'no-quorum-panic': '1' } } : {}),
    props: { 'stonith-enabled': 'true', 'no-quorum-policy': 'suicide' },
    nodes: [{ name: 'a' }, { name: 'b' }, { name: 'c', state: 'offline' as const }],
    resources: prim('fence1') + prim('A'),
  });

  it('a partition that lost quorum fences its own nodes, last to first, and starts nothing', () => {
    assert.deepEqual(
      run(spec(true, false)),
      lines(
        "* Fence (reboot) b 'cluster does not have quorum'",
        "* Fence (reboot) a 'cluster does not have quorum'",
      ),
    );
  });

  it('a partition that never had quorum only holds back its starts', () => {
    const out = run(spec(false, false));
    assert.ok(
      out.every((l) => !l.includes('Fence')),
      out.join('\n'),
    );
  });

  it('a quorate partition ignores the policy', () => {
    const out = run(spec(true, true));
    // Two resources, two nodes: one each.
    assert.deepEqual(out, lines('* Start fence1 ( a )', '* Start A ( b )'));
  });
});
