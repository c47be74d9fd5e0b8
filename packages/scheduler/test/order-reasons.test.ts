/**
 * The reason given for stopping a running resource whose mandatory predecessor will not run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clone, lines, prim, probedStopped, run, started, type CibSpec } from './fixture.js';

const ORDER = '<rsc_order id="o1" first="C" then="A" kind="Mandatory"/>';
const DISABLED = { 'target-role': 'Stopped' };

describe('why a dependent stops', () => {
  it('its predecessor was running and stops: the start it required', () => {
    const spec: CibSpec = {
      nodes: [{ name: 'n1', history: { A: started('A'), C: started('C') } }],
      resources: prim('A') + prim('C', DISABLED),
      constraints: ORDER,
    };
    assert.deepEqual(
      run(spec),
      lines('* Stop A ( n1 ) due to required C start', '* Stop C ( n1 ) due to node availability'),
    );
  });

  it('its predecessor was not running: the start that cannot run', () => {
    const spec: CibSpec = {
      nodes: [{ name: 'n1', history: { A: started('A'), C: probedStopped('C') } }],
      resources: prim('A') + prim('C', DISABLED),
      constraints: ORDER,
    };
    assert.deepEqual(run(spec), lines('* Stop A ( n1 ) due to unrunnable C start'));
  });

  it('it would have moved: the start that cannot run', () => {
    const spec: CibSpec = {
      nodes: [
        { name: 'n1', history: { A: probedStopped('A'), C: started('C') } },
        { name: 'n2', history: { A: started('A'), C: probedStopped('C') } },
      ],
      resources: prim('A') + prim('C', DISABLED),
      constraints: ORDER + '<rsc_location id="l1" rsc="A" node="n1" score="INFINITY"/>',
    };
    assert.deepEqual(
      run(spec),
      lines(
        '* Stop A ( n2 ) due to unrunnable C start',
        '* Stop C ( n1 ) due to node availability',
      ),
    );
  });

  it('its predecessor is a running clone that stops because of its own order: the running it required', () => {
    // C1 (disabled) then C2 then P: C2 stops because C1 will not run; P, which would have
    // stayed, stops because C2 stops.
    const spec: CibSpec = {
      nodes: [{ name: 'n1', history: { c1: started('c1'), c2: started('c2'), P: started('P') } }],
      resources:
        prim('P') + clone('C1', prim('c1'), { 'target-role': 'Stopped' }) + clone('C2', prim('c2')),
      constraints:
        '<rsc_order id="o1" first="C1" then="C2" kind="Mandatory"/>' +
        '<rsc_order id="o2" first="C2" then="P" kind="Mandatory"/>',
    };
    assert.deepEqual(
      run(spec),
      lines(
        '* Stop P ( n1 ) due to required C2 running',
        '* Stop c1:0 ( n1 ) due to node availability',
        '* Stop c2:0 ( n1 ) due to unrunnable C1 running',
      ),
    );
  });
});

describe('a dependent of a clone', () => {
  // C1 and C2 (interleaved after C1) run on n1 and n2, D on n1 after C2; C1 may no longer run
  // on n1, so C2's instance there stops because of its order.
  const spec = (interleave: boolean): CibSpec => ({
    nodes: [
      { name: 'n1', history: { c1: started('c1'), c2: started('c2'), D: started('D') } },
      { name: 'n2', history: { c1: started('c1'), c2: started('c2'), D: probedStopped('D') } },
    ],
    resources:
      clone('C1', prim('c1')) +
      clone('C2', prim('c2'), interleave ? { interleave: 'true' } : {}) +
      prim('D', { 'resource-stickiness': '100' }),
    constraints:
      '<rsc_location id="l1" rsc="C1" node="n1" score="-INFINITY"/>' +
      '<rsc_order id="o1" first="C1" then="C2" kind="Mandatory"/>' +
      '<rsc_order id="o2" first="C2" then="D" kind="Mandatory"/>',
  });

  it('restarts when an instance on its node stops because of an order', () => {
    assert.deepEqual(
      run(spec(true)),
      lines(
        '* Stop c1:0 ( n1 ) due to node availability',
        '* Stop c2:0 ( n1 )',
        '* Restart D ( n1 ) due to required C2 running',
      ),
    );
  });

  it('stays when the instance on its node stops for its own placement', () => {
    assert.deepEqual(run(spec(false)), lines('* Stop c1:0 ( n1 ) due to node availability'));
  });
});
